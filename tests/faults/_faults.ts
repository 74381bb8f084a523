/**
 * Helpers of the fault suite: a test context per backend (a private
 * redis-server or an embedded store file in a temp dir), consumer processes
 * run through the real `rstream-consume` script with `--json`, a tally of
 * what they printed, and the one-line figures each test prints.
 *
 * @module
 */

import assert from "node:assert/strict";
import { openStore } from "../../lib/open_store.ts";
import type { Fields, StreamStore } from "../../lib/store.ts";
import { ignoreRedis, type RedisServer, startRedis } from "../_redis_server.ts";
import { type ScriptProcess, spawnScript } from "../scripts/_scripts.ts";

/** The stream and group every fault test uses. */
export const STREAM = "app:event";
/** The consumer group. */
export const GROUP = "workers";

/** A fault test's backend. */
export type FaultBackend = "redis" | "embedded";

/** What a fault test runs with. */
export interface FaultContext {
  /** Which backend. */
  backend: FaultBackend;
  /** The URL the consumer processes get (relative `file:` for embedded). */
  url: string;
  /** The processes' working directory. */
  cwd: string;
  /** A store on the same data, for setting up and asserting state. */
  store: StreamStore;
  /** The server, on the Redis backend. */
  redis?: RedisServer;
  /** Starts a consumer process (`rstream-consume GROUP NAME --json --url URL …`), stopped at the end. */
  consumer(name: string, args?: string[]): Consumer;
}

/** One event a consumer printed with `--json`. */
export interface ConsumerEvent {
  /** `processing`, `finished`, `failed`, `dead-lettered`, `claimed`, `deleted`. */
  event: string;
  /** The entry's ID (all but `claimed`). */
  id?: string;
  /** The IDs claimed. */
  ids?: string[];
  /** The entry's fields (`processing`). */
  fields?: Fields;
  /** Delivery count (`processing`, `dead-lettered`). */
  deliveries?: number;
  /** The consumer (`processing`). */
  consumer?: string;
  /** The error (`failed`, `dead-lettered`). */
  error?: string;
}

/** A consumer process and the events it printed so far. */
export class Consumer implements AsyncDisposable {
  /** The process. */
  readonly process: ScriptProcess;
  /** The consumer's name. */
  readonly name: string;
  readonly #events: ConsumerEvent[] = [];
  #parsed = 0;

  constructor(name: string, process: ScriptProcess) {
    this.name = name;
    this.process = process;
  }

  /** Events printed so far (stdout lines parsed incrementally). */
  get events(): ConsumerEvent[] {
    const lines = this.process.stdout;
    for (; this.#parsed < lines.length; this.#parsed++) {
      const line = lines[this.#parsed]!;
      try {
        this.#events.push(JSON.parse(line));
      } catch {
        throw new Error(`consumer ${this.name} printed a non-JSON line: ${line}`);
      }
    }
    return this.#events;
  }

  /** How many events of this type so far. */
  count(type: string): number {
    let n = 0;
    for (const e of this.events) if (e.event === type) n++;
    return n;
  }

  /** Kills the process with `signal` and waits for it; returns its exit code. */
  async stop(signal: Deno.Signal = "SIGTERM"): Promise<number> {
    this.process.kill(signal);
    const { code } = await this.process.done;
    this.events;
    return code;
  }

  /** Stderr lines. */
  get stderr(): string[] {
    return this.process.stderr;
  }

  /** Kills it (SIGKILL) if still running and waits. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.process[Symbol.asyncDispose]();
  }
}

const live = new Set<Deno.ChildProcess>();

/**
 * Registers `name [redis]` and/or `name [embedded]`. Each run gets a temp
 * working directory, a private redis-server (with `redisArgs`) or an embedded
 * store at `.rstream/streams.db` in it; afterwards every consumer it started
 * is killed and awaited, the server stopped and the directory removed, and
 * the test fails if any of them is still there.
 */
export function faultTest(
  name: string,
  fn: (t: FaultContext) => Promise<void>,
  options: { backends?: FaultBackend[]; redisArgs?: string[] } = {},
): void {
  for (const backend of options.backends ?? ["redis", "embedded"]) {
    Deno.test({
      name: `${name} [${backend}]`,
      ignore: backend === "redis" && ignoreRedis,
      sanitizeResources: false,
      sanitizeOps: false,
      async fn() {
        const cwd = await Deno.makeTempDir({ prefix: "rstream-faults-" });
        const consumers: Consumer[] = [];
        let redis: RedisServer | undefined;
        let redisDir: string | undefined;
        try {
          let url: string;
          let storeUrl: string;
          if (backend === "redis") {
            redis = await startRedis({ args: options.redisArgs ?? [] });
            redisDir = redis.dir;
            url = storeUrl = redis.url;
          } else {
            await Deno.mkdir(`${cwd}/.rstream`);
            url = "file:.rstream/streams.db";
            storeUrl = `file:${cwd}/.rstream/streams.db`;
          }
          await using store = await openStore(storeUrl);
          await fn({
            backend,
            url,
            cwd,
            store,
            ...(redis ? { redis } : {}),
            consumer(consumerName, args = []) {
              const process = spawnScript(
                "rstream-consume",
                [GROUP, consumerName, "--json", "--url", url, ...args],
                { cwd },
              );
              live.add(process.child);
              process.done.finally(() => live.delete(process.child));
              const consumer = new Consumer(consumerName, process);
              consumers.push(consumer);
              return consumer;
            },
          });
        } finally {
          for (const consumer of consumers) await consumer[Symbol.asyncDispose]();
          await redis?.stop();
          await Deno.remove(cwd, { recursive: true });
        }
        await assertClean(consumers.map((c) => c.process.child.pid), [cwd, redisDir]);
      },
    });
  }
}

/** Fails when a process is still alive or a directory still exists. */
export async function assertClean(
  pids: number[],
  dirs: (string | undefined)[],
): Promise<void> {
  for (const pid of pids) {
    const out = await new Deno.Command("kill", { args: ["-0", String(pid)], stderr: "null" })
      .output();
    assert.equal(out.success, false, `process ${pid} is still running`);
  }
  for (const dir of dirs) {
    if (dir === undefined) continue;
    assert.equal(await exists(dir), false, `${dir} was left behind`);
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

/** The IDs a `rstream-produce --json` printed (each one acknowledged by Redis). */
export function producedIds(lines: string[]): string[] {
  return lines.map((line) => JSON.parse(line).id as string);
}

/** What {@linkcode withServer} gives a test. */
export interface ServerContext {
  /** The server's data directory. */
  dir: string;
  /** The processes' working directory. */
  cwd: string;
  /** The server running now. */
  redis: () => RedisServer;
  /**
   * Kills it with -9 and starts it again on the same port (and data, unless
   * `empty`), with the same arguments or `args` (another password).
   */
  restart: (options?: { empty?: boolean; args?: string[] }) => Promise<void>;
  /** Starts a script with these arguments, stopped at the end. */
  spawn: (binary: "rstream-produce" | "rstream-consume", args: string[]) => ScriptProcess;
  /** Starts `rstream-consume GROUP NAME --json --url URL …`. */
  spawnConsumer: (name: string, extra?: string[]) => Consumer;
  /** Starts `rstream-produce sensor1 --count 0 --interval 5 --json`. */
  spawnProducer: () => ScriptProcess;
}

/**
 * Runs `fn` with a redis-server (started with `args`) that the test may kill
 * and restart, and processes on it; afterwards kills and awaits the
 * processes, stops the server, removes the directories and checks they are gone.
 */
export async function withServer(
  args: string[],
  fn: (ctx: ServerContext) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "rstream-faults-redis-" });
  const cwd = await Deno.makeTempDir({ prefix: "rstream-faults-" });
  let redis = await startRedis({ dir, args });
  const { port, url } = redis;
  const children: { kill(s: Deno.Signal): void; done: Promise<unknown>; pid: number }[] = [];
  try {
    await fn({
      dir,
      cwd,
      redis: () => redis,
      async restart(options = {}) {
        redis.process.kill("SIGKILL");
        await redis.process.status;
        if (options.empty) {
          for await (const entry of Deno.readDir(dir)) {
            await Deno.remove(`${dir}/${entry.name}`, { recursive: true });
          }
        }
        redis = await startRedis({ port, dir, args: options.args ?? args });
      },
      spawn(binary, scriptArgs) {
        const process = spawnScript(binary, scriptArgs, { cwd });
        children.push({
          kill: (s) => process.kill(s),
          done: process.done,
          pid: process.child.pid,
        });
        return process;
      },
      spawnConsumer(name, extra = []) {
        const process = spawnScript(
          "rstream-consume",
          [GROUP, name, "--json", "--url", url, ...extra],
          { cwd },
        );
        children.push({
          kill: (s) => process.kill(s),
          done: process.done,
          pid: process.child.pid,
        });
        return new Consumer(name, process);
      },
      spawnProducer(): ScriptProcess {
        const process = spawnScript(
          "rstream-produce",
          ["sensor1", "--url", url, "--count", "0", "--interval", "5", "--json"],
          { cwd },
        );
        children.push({
          kill: (s) => process.kill(s),
          done: process.done,
          pid: process.child.pid,
        });
        return process;
      },
    });
  } finally {
    for (const child of children) {
      child.kill("SIGKILL");
      await child.done;
    }
    await redis.stop();
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(cwd, { recursive: true });
  }
  await assertClean(children.map((c) => c.pid), [dir, cwd]);
}

/**
 * Checks what a `rstream-produce --spool` run that was stopped left: the
 * `spool_seq`s in Redis are 1..M, in order, once each, and every reading it
 * printed as spooled is in Redis or among the `still` it said are still
 * spooled (a batch abandoned at the stop may be in both: the next run drops
 * it from the spool). Returns M.
 */
export function checkSpoolForwarded(seqs: number[], printed: number, still: number): number {
  assert.deepEqual(seqs, Array.from({ length: seqs.length }, (_, i) => i + 1), "in order, once");
  assert.ok(
    seqs.length >= printed - still && seqs.length <= printed,
    `${seqs.length} in Redis, ${printed} spooled, ${still} still spooled`,
  );
  return seqs.length;
}

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A sensor reading numbered `n` (the article's fields plus `n`). */
export function reading(n: number, temp = "0.42"): Fields {
  return { sensor_id: `sensor${n % 7}`, temp, humidity: "0.61", n: String(n) };
}

/** Adds `count` readings in pipelined batches and returns their IDs. */
export async function publish(
  store: StreamStore,
  count: number,
  options: { temp?: (n: number) => string; from?: number } = {},
): Promise<string[]> {
  const ids: string[] = [];
  const from = options.from ?? 0;
  for (let start = 0; start < count; start += 1000) {
    const batch = Array.from(
      { length: Math.min(1000, count - start) },
      (_, i) => reading(from + start + i, options.temp?.(from + start + i)),
    );
    ids.push(...await store.addMany(STREAM, batch));
  }
  return ids;
}

/** Whether the group has delivered everything and nothing is pending. */
export async function settled(store: StreamStore, group = GROUP): Promise<boolean> {
  const [info] = (await store.groups(STREAM)).filter((g) => g.name === group);
  return info !== undefined && info.pending === 0 && info.lag === 0;
}

/** What the consumers' events add up to. */
export interface Tally {
  /** Processing lines per ID. */
  processing: Map<string, number>;
  /** Finished (handler succeeded and acked) lines per ID. */
  finished: Map<string, number>;
  /** Dead-lettered lines per ID. */
  deadLettered: Map<string, number>;
  /** Failed lines. */
  failed: number;
  /** IDs claimed from other consumers. */
  claimed: number;
  /** Those IDs, with the consumers that claimed each. */
  claimedBy: Map<string, Set<string>>;
  /** The consumers that printed a finished line, per ID. */
  finishedBy: Map<string, string[]>;
  /** Deleted-while-pending lines. */
  deleted: string[];
}

/** Adds up the events of several consumers. */
export function tally(consumers: Consumer[]): Tally {
  const t: Tally = {
    processing: new Map(),
    finished: new Map(),
    deadLettered: new Map(),
    failed: 0,
    claimed: 0,
    claimedBy: new Map(),
    finishedBy: new Map(),
    deleted: [],
  };
  const bump = (map: Map<string, number>, id: string) => map.set(id, (map.get(id) ?? 0) + 1);
  for (const consumer of consumers) {
    for (const e of consumer.events) {
      if (e.event === "processing") bump(t.processing, e.id!);
      else if (e.event === "finished") {
        bump(t.finished, e.id!);
        t.finishedBy.set(e.id!, [...t.finishedBy.get(e.id!) ?? [], consumer.name]);
      } else if (e.event === "dead-lettered") bump(t.deadLettered, e.id!);
      else if (e.event === "failed") t.failed++;
      else if (e.event === "claimed") {
        t.claimed += e.ids!.length;
        for (const id of e.ids!) {
          t.claimedBy.set(id, (t.claimedBy.get(id) ?? new Set()).add(consumer.name));
        }
      } else if (e.event === "deleted") t.deleted.push(e.id!);
    }
  }
  return t;
}

/** The figures a fault test checked. */
export interface Figures {
  /** Entries published. */
  sent: number;
  /** Distinct entries whose handler ran. */
  processed: number;
  /** Distinct entries acknowledged (after success, or dead-lettered). */
  acked: number;
  /** Entries neither acked nor pending at the end. */
  lost: number;
  /** Anything else worth a number. */
  extra?: Record<string, number | string>;
}

/**
 * Checks the delivery guarantees on a finished tally: every ID sent was
 * processed; none was acknowledged twice; the group has nothing pending and
 * nothing undelivered, so every entry was acked. A consumer killed with -9
 * may have acked a few entries without printing `finished` yet: at most
 * `unconfirmed` such are allowed (its kills times its concurrency). With
 * `reportedTwiceAfterTakeover: N`, up to N entries may be reported by two
 * consumers if one of them had claimed it: the residual the worker
 * documents, a consumer stalled past `claimIdleMs / 2` while its batch XACK
 * was on the way. Returns the figures.
 */
export async function checkDelivered(
  store: StreamStore,
  sent: string[],
  t: Tally,
  options: { group?: string; unconfirmed?: number; reportedTwiceAfterTakeover?: number } = {},
): Promise<Figures> {
  const unprocessed = sent.filter((id) => !t.processing.has(id) && !t.deadLettered.has(id));
  assert.deepEqual(unprocessed.slice(0, 10), [], `${unprocessed.length} entries never processed`);
  const reportedTwice = [...t.finished].filter(([, n]) => n > 1).map(([id]) => id);
  const takenOver = (id: string) =>
    (t.finishedBy.get(id) ?? []).some((name) => t.claimedBy.get(id)?.has(name));
  const twice = options.reportedTwiceAfterTakeover === undefined
    ? reportedTwice
    : reportedTwice.filter((id) => !takenOver(id));
  assert.deepEqual(twice.slice(0, 10), [], `${twice.length} entries acked twice`);
  assert.ok(
    reportedTwice.length <= (options.reportedTwiceAfterTakeover ?? 0),
    `${reportedTwice.length} entries reported twice after a takeover`,
  );
  const summary = await store.pendingSummary(STREAM, options.group ?? GROUP);
  assert.equal(summary.count, 0, "XPENDING is 0");
  assert.ok(await settled(store, options.group), "the group delivered every entry");
  const unconfirmed = sent.filter((id) => !t.finished.has(id) && !t.deadLettered.has(id)).length;
  assert.ok(
    unconfirmed <= (options.unconfirmed ?? 0),
    `${unconfirmed} entries acked without a finished line`,
  );
  return {
    sent: sent.length,
    processed: sent.length - unprocessed.length,
    acked: sent.length - summary.count,
    lost: 0,
    extra: {
      ...(unconfirmed ? { "acked just before the kill, unprinted": unconfirmed } : {}),
      ...(reportedTwice.length ? { "reported twice after a takeover": reportedTwice.length } : {}),
    },
  };
}

/** Prints `faults: NAME: sent N, processed N, acked N, lost 0[, more]` (one line). */
export function report(name: string, f: Figures): void {
  const extra = Object.entries(f.extra ?? {}).map(([k, v]) => `, ${k} ${v}`).join("");
  console.log(
    `faults: ${name}: sent ${f.sent}, processed ${f.processed}, acked ${f.acked}, lost ${f.lost}${extra}`,
  );
}

/** Polls `check` every 25 ms until true; fails after `timeoutMs` saying `what`. */
export async function until(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) {
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Resolves after `ms`. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Starts a redis-server for tests that manage it themselves. */
export { startRedis };
