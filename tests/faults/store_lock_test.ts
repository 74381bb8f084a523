/**
 * Another process holds the embedded store's write lock (`BEGIN IMMEDIATE`
 * in a second real process, as a backup or a sqlite3 shell would) for longer
 * than the busy timeout: the producer keeps its reading, retries with backoff,
 * warns once and resumes when the lock goes; a one-shot `add` fails with one
 * line naming the file and the lock.
 *
 * @module
 */

import assert from "node:assert/strict";
import { openStore } from "../../lib/open_store.ts";
import { runCli } from "../shell/_cli.ts";
import { ignoreRedis, startRedis } from "../_redis_server.ts";
import { spawnScript } from "../scripts/_scripts.ts";
import { assertClean, report, STREAM, until } from "./_faults.ts";

const HOLDER = new URL("./_lock_holder.ts", import.meta.url).pathname;
/** Longer than the store's busy timeout (5000 ms), so a writer gives up at least once. */
const HOLD_MS = 6500;
const LOCKED_TEXT =
  "is locked: another process has held its write lock for more than 5000 ms (a backup, or a sqlite3 shell inside BEGIN); the command was not run — retry when that process has committed";

/** Starts the lock holder on `path` and resolves once it holds the lock. */
async function holdLock(path: string, ms: number) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", "--allow-read", "--allow-write", HOLDER, path, String(ms)],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  while (!seen.includes("locked\n")) {
    const { value, done } = await lines.read();
    if (done) throw new Error("the lock holder exited before locking");
    seen += value;
  }
  const status = (async () => {
    while (!(await lines.read()).done) { /* drain until it exits */ }
    return await child.status;
  })();
  return { pid: child.pid, status, lockedAt: Date.now() };
}

async function withStoreDir(fn: (cwd: string) => Promise<void>) {
  const cwd = await Deno.makeTempDir({ prefix: "rstream-faults-lock-" });
  try {
    (await openStore(`file:${cwd}/.rstream/streams.db`)).close();
    await fn(cwd);
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
}

Deno.test({
  name:
    "rstream-produce keeps its reading and resumes when another process releases the store's lock",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await withStoreDir(async (cwd) => {
      const producer = spawnScript(
        "rstream-produce",
        ["sensor1", "--count", "30", "--interval", "50", "--url", "file:.rstream/streams.db"],
        { cwd },
      );
      await until(() => producer.stdout.length >= 5, "5 readings before the lock");
      const holder = await holdLock(`${cwd}/.rstream/streams.db`, HOLD_MS);
      const sentBefore = producer.stdout.length;
      await holder.status;
      const releasedAt = Date.now();
      const result = await producer.exited();
      const resumedMs = Date.now() - releasedAt; // upper bound: includes the remaining readings
      assert.equal(result.code, 0, result.stderr.join("\n"));
      assert.deepEqual(result.stderr, [
        `warning: The embedded store file:.rstream/streams.db ${LOCKED_TEXT}; the reading is kept and retried`,
        "the embedded store file:.rstream/streams.db is unlocked again; sending",
      ]);
      assert.equal(result.stdout.length, 30, "every reading was sent");
      await using store = await openStore(`file:${cwd}/.rstream/streams.db`);
      const ids = (await store.range(STREAM)).map((entry) => entry.id);
      assert.deepEqual(
        ids,
        result.stdout.map((line) => line.replace(/^message (\S+) sent$/, "$1")),
        "the stream holds exactly the readings printed, once each",
      );
      report("store locked 6.5 s (store_lock)", {
        sent: 30,
        processed: ids.length,
        acked: ids.length,
        lost: 0,
        extra: {
          "sent before the lock": sentBefore,
          "warnings": 1,
          "done ms after release": resumedMs,
        },
      });
      await assertClean([producer.child.pid, holder.pid], []);
    });
  },
});

Deno.test({
  name:
    "rstream add fails with one line naming the file and the lock while another process holds it",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await withStoreDir(async (cwd) => {
      const path = `${cwd}/.rstream/streams.db`;
      const holder = await holdLock(path, HOLD_MS);
      const result = await runCli(["add", STREAM, "temp=0.4"], { url: `file:${path}` });
      await holder.status;
      assert.equal(result.code, 1);
      assert.equal(result.stderr, `error: The embedded store file:${path} ${LOCKED_TEXT}\n`);
      await using store = await openStore(`file:${path}`);
      assert.equal(await store.len(STREAM), 0);
    });
  },
});

Deno.test({
  name:
    "rstream-produce --spool keeps spooling and forwarding once another process releases the spool's lock",
  ignore: ignoreRedis,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using redis = await startRedis();
    await withStoreDir(async (cwd) => {
      const spool = ".rstream/spool.db";
      const producer = spawnScript(
        "rstream-produce",
        ["sensor1", "--url", redis.url, "--spool", spool, "--count", "40", "--interval", "50"],
        { cwd },
      );
      await until(() => producer.stdout.length >= 5, "5 readings spooled before the lock");
      const holder = await holdLock(`${cwd}/${spool}`, HOLD_MS);
      await holder.status;
      const result = await producer.exited();
      assert.equal(result.code, 0, result.stderr.join("\n"));
      const spooled = result.stdout.map((line) =>
        Number(/^reading (\d+) spooled$/.exec(line)?.[1])
      );
      assert.deepEqual(spooled, Array.from({ length: 40 }, (_, i) => i + 1));
      const locked = `The embedded store file:${spool} ${LOCKED_TEXT}`;
      const warnings = result.stderr.filter((line) => line.startsWith("warning:"));
      assert.ok(warnings.length >= 1 && warnings.length <= 2, result.stderr.join("\n"));
      for (const warning of warnings) {
        assert.ok(
          warning === `warning: ${locked}; the reading is kept and retried` ||
            warning === `warning: forwarding: ${locked}; the readings stay spooled`,
          warning,
        );
      }
      await using store = await openStore(redis.url);
      const seqs = (await store.range(STREAM)).map((entry) => Number(entry.fields.spool_seq));
      assert.deepEqual(seqs, spooled, "every reading forwarded once, in order");
      report("spool locked 6.5 s (store_lock)", {
        sent: 40,
        processed: seqs.length,
        acked: seqs.length,
        lost: 0,
        extra: { warnings: warnings.length },
      });
      await assertClean([producer.child.pid, holder.pid], []);
    });
  },
});
