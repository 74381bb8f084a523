/**
 * Redis Cluster: a {@linkcode CommandConnection} that routes every command to
 * the master owning its key's slot, over one ordinary Redis connection per
 * master (lib/redis/connection.ts). {@linkcode connectRedis} returns one when
 * the node it reaches answers `CLUSTER SLOTS`.
 *
 * - Slots come from `CLUSTER SLOTS`; they are asked again on `MOVED`, on a
 *   lost node and while a slot has no reachable master (a failover).
 * - `MOVED` updates the slot and retries there; `ASK` retries once on the
 *   importing node after `ASKING`; `TRYAGAIN`, `CLUSTERDOWN` and a lost node
 *   are retried with backoff until `commandTimeoutMs` has passed.
 * - Pipelines are split per node (each part in one write) and the replies put
 *   back in order; `WAIT` goes where the command before it went.
 * - XREAD/XREADGROUP over streams of several slots are split by slot and
 *   merged; a blocking one first reads without blocking, then blocks on every
 *   part and ends the others when one answers.
 * - `SCAN` walks every master in turn; `FLUSHALL`/`FLUSHDB` go to every master.
 *
 * A command retried after its node was lost may have run once already (an
 * add is then stored twice): delivery is at least once, as with any retry.
 *
 * @module
 */

import type { Backend, CommandConnection, RedisReply } from "../connection.ts";
import { blockMsOf } from "../connection.ts";
import { abortableSleep, Backoff } from "../backoff.ts";
import { ConnectionError, ReplyError } from "../errors.ts";
import { _commandKeys, _keySlot, _SLOTS, _streamsIndex } from "./_slot.ts";

/** A master's address, `host:port`. */
type NodeId = string;

/** How the cluster connection reaches a node: a connection made with the seed's credentials and TLS. */
export type _OpenNode = (host: string, port: number) => Promise<CommandConnection>;

/** What {@linkcode _ClusterConnection} starts from. */
export interface _ClusterSetup {
  /** The seed URL, redacted. */
  displayUrl: string;
  /** The node already connected (the seed that answered) and its address as dialled. */
  seed: { id: NodeId; connection: CommandConnection };
  /** The seed's `CLUSTER SLOTS` reply. */
  slots: RedisReply;
  /** Other seeds (`?addr=`), asked for the topology when no known node answers. */
  seeds: NodeId[];
  openNode: _OpenNode;
  /** Give up retrying after this many ms (0 = 10 s: a cluster always retries within a bound). */
  commandTimeoutMs: number;
}

/** One slot range of `CLUSTER SLOTS`: its master's address. */
interface SlotRange {
  start: number;
  end: number;
  master: NodeId;
}

/**
 * Reads a `CLUSTER SLOTS` reply; an empty host means the node that answered.
 *
 * @example
 * ```ts ignore
 * _parseSlots([[0, 5460, ["127.0.0.1", 7001, "id"]]], "127.0.0.1");
 * ```
 */
export function _parseSlots(reply: RedisReply, askedHost: string): SlotRange[] {
  if (!Array.isArray(reply)) return [];
  const ranges: SlotRange[] = [];
  for (const row of reply) {
    if (!Array.isArray(row) || row.length < 3 || !Array.isArray(row[2])) continue;
    const [host, port] = row[2];
    const name = typeof host === "string" && host !== "" && host !== "?" ? host : askedHost;
    ranges.push({ start: Number(row[0]), end: Number(row[1]), master: nodeId(name, Number(port)) });
  }
  return ranges;
}

function nodeId(host: string, port: number): NodeId {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

function splitId(id: NodeId): { host: string; port: number } {
  const at = id.lastIndexOf(":");
  return { host: id.slice(0, at).replace(/^\[|\]$/g, ""), port: Number(id.slice(at + 1)) };
}

/** A `MOVED slot host:port` or `ASK slot host:port` reply, read. */
function redirectOf(error: ReplyError): { ask: boolean; slot: number; node: NodeId } | undefined {
  if (error.code !== "MOVED" && error.code !== "ASK") return undefined;
  const [, slot, address] = error.message.split(" ");
  if (slot === undefined || address === undefined) return undefined;
  const at = address.lastIndexOf(":");
  const host = address.slice(0, at) || undefined;
  return {
    ask: error.code === "ASK",
    slot: Number(slot),
    node: host === undefined
      ? address
      : nodeId(host.replace(/^\[|\]$/g, ""), Number(address.slice(at + 1))),
  };
}

/** Errors the cluster answers while it moves or elects: retried. */
function isTransient(error: ReplyError): boolean {
  return error.code === "TRYAGAIN" || error.code === "CLUSTERDOWN" || error.code === "LOADING";
}

/** Thrown (internally) when the node a command waited on was found lost. */
class NodeDown extends Error {}

interface Node {
  readonly id: NodeId;
  readonly connection: Promise<CommandConnection>;
  down: boolean;
  /** Rejects with {@linkcode NodeDown} when the node is marked down. */
  downed: Promise<never>;
  markDown: () => void;
}

/** Without BLOCK: the same read, answered at once. */
function withoutBlock(args: readonly string[]): string[] {
  const out: string[] = [];
  const streams = _streamsIndex(args);
  for (let i = 0; i < args.length; i++) {
    if (i > 0 && (streams === -1 || i < streams) && args[i]!.toUpperCase() === "BLOCK") {
      i++;
      continue;
    }
    out.push(args[i]!);
  }
  return out;
}

/** Runs `args` after ASKING, on the same socket (one pipeline, one write). */
async function sendAsking(connection: CommandConnection, args: readonly string[]) {
  const [, reply] = await connection.pipeline([["ASKING"], args]);
  if (reply instanceof Error) throw reply;
  return reply ?? null;
}

/**
 * The cluster connection (see the module doc); made by {@linkcode connectRedis}.
 *
 * @example
 * ```ts ignore
 * const connection = await connectRedis("redis://127.0.0.1:7001");
 * assert.equal(connection.cluster?.masters, 3);
 * ```
 */
export class _ClusterConnection implements CommandConnection {
  readonly backend: Backend = "redis";
  readonly displayUrl: string;
  readonly #setup: _ClusterSetup;
  readonly #timeoutMs: number;
  /** The master of each slot, `undefined` while none is known. */
  #slots: (NodeId | undefined)[] = new Array(_SLOTS);
  #masters: NodeId[] = [];
  #nodes = new Map<NodeId, Node>();
  #refreshing: Promise<void> | undefined;
  #healing = false;
  #closed = false;
  readonly #stop = new AbortController();

  constructor(setup: _ClusterSetup) {
    this.#setup = setup;
    this.displayUrl = setup.displayUrl;
    this.#timeoutMs = setup.commandTimeoutMs > 0 ? setup.commandTimeoutMs : 10_000;
    this.#nodes.set(
      setup.seed.id,
      this.#makeNode(setup.seed.id, Promise.resolve(setup.seed.connection)),
    );
    this.#apply(_parseSlots(setup.slots, splitId(setup.seed.id).host));
  }

  /** The cluster's shape, for the shell's prompt: how many masters serve slots. */
  get cluster(): { masters: number } {
    return { masters: this.#masters.length };
  }

  #makeNode(id: NodeId, connection: Promise<CommandConnection>): Node {
    connection.catch(() => {});
    const node: Node = {
      id,
      connection,
      down: false,
      downed: new Promise<never>(() => {}),
      markDown: () => {},
    };
    const arm = () => {
      const { promise, reject } = Promise.withResolvers<never>();
      promise.catch(() => {});
      node.downed = promise;
      node.markDown = () => {
        if (node.down) return;
        node.down = true;
        reject(new NodeDown(id));
        this.#heal();
      };
    };
    arm();
    // A node found up again gets a fresh `downed`.
    (node as { rearm?: () => void }).rearm = arm;
    return node;
  }

  #node(id: NodeId): Node {
    let node = this.#nodes.get(id);
    if (!node) {
      const { host, port } = splitId(id);
      node = this.#makeNode(id, this.#setup.openNode(host, port));
      this.#nodes.set(id, node);
    }
    return node;
  }

  #apply(ranges: SlotRange[]) {
    if (ranges.length === 0) return;
    const slots: (NodeId | undefined)[] = new Array(_SLOTS);
    const masters = new Set<NodeId>();
    for (const { start, end, master } of ranges) {
      for (let s = start; s <= end && s < _SLOTS; s++) slots[s] = master;
      masters.add(master);
    }
    this.#slots = slots;
    this.#masters = [...masters].sort();
    for (const [id, node] of this.#nodes) {
      if (masters.has(id)) continue;
      this.#nodes.delete(id); // a failed or demoted master: its connection is not needed
      node.markDown();
      void node.connection.then((c) => c.close(), () => {});
    }
  }

  /** Asks the known masters, then the seeds, for the slots (concurrent calls share one ask). */
  #refresh(): Promise<void> {
    this.#refreshing ??= (async () => {
      try {
        const candidates = [
          ...this.#masters.filter((id) => !this.#nodes.get(id)?.down),
          ...this.#setup.seeds,
          this.#setup.seed.id,
          ...this.#masters,
        ];
        for (const id of new Set(candidates)) {
          if (this.#closed) return;
          const known = this.#nodes.get(id);
          const { host, port } = splitId(id);
          let opened: CommandConnection | undefined;
          try {
            const connection = known && !known.down
              ? await known.connection
              : (opened = await this.#setup.openNode(host, port));
            const reply = await Promise.race([
              connection.send(["CLUSTER", "SLOTS"]),
              abortableSleep(500, this.#stop.signal).then(() => {
                throw new Error("no answer");
              }),
            ]);
            const ranges = _parseSlots(reply, host);
            if (ranges.length === 0) continue;
            this.#apply(ranges);
            return;
          } catch {
            // try the next one
          } finally {
            void opened?.close();
          }
        }
      } finally {
        this.#refreshing = undefined;
      }
    })();
    return this.#refreshing;
  }

  /** While a master is down: refresh the slots and probe it, until it is back or replaced. */
  #heal() {
    if (this.#healing || this.#closed) return;
    this.#healing = true;
    void (async () => {
      try {
        while (!this.#closed) {
          await this.#refresh();
          const down = this.#masters.map((id) => this.#nodes.get(id)).filter((n) => n?.down);
          if (down.length === 0) return;
          for (const node of down) {
            const answered = await Promise.race([
              node!.connection.then((c) => c.send(["PING"])).then(() => true, () => false),
              abortableSleep(200, this.#stop.signal).then(() => false),
            ]);
            if (answered && this.#nodes.get(node!.id) === node) {
              node!.down = false;
              (node as { rearm?: () => void }).rearm?.();
            }
          }
          await abortableSleep(100, this.#stop.signal);
        }
      } finally {
        this.#healing = false;
      }
    })();
  }

  #closedError(): ConnectionError {
    return new ConnectionError(`Cannot use ${this.displayUrl}: the store is closed`, {
      displayUrl: this.displayUrl,
    });
  }

  #noMaster(slot: number | undefined, cause: unknown): ConnectionError {
    return new ConnectionError(
      `No reachable master for ${
        slot === undefined ? "the command" : `slot ${slot}`
      } of the cluster at ${this.displayUrl} within ${this.#timeoutMs} ms; is the cluster failing over or down (redis-cli --cluster check)?`,
      { displayUrl: this.displayUrl, cause },
    );
  }

  /**
   * Runs one command on the master of `slot` (any master when `undefined`),
   * following MOVED/ASK and retrying transient errors and lost nodes until
   * the deadline.
   */
  async #route(
    slot: number | undefined,
    run: (connection: CommandConnection, asking: boolean) => Promise<RedisReply>,
    signal?: AbortSignal,
  ): Promise<RedisReply> {
    const deadline = performance.now() + this.#timeoutMs;
    const backoff = new Backoff({ initialMs: 20, maxMs: 200 });
    let target: NodeId | undefined;
    let asking = false;
    let lastError: unknown;
    for (let redirects = 0;;) {
      if (this.#closed) throw this.#closedError();
      if (signal?.aborted) return null;
      target ??= slot === undefined
        ? this.#masters.find((id) => !this.#nodes.get(id)?.down)
        : this.#slots[slot];
      const node = target === undefined ? undefined : this.#node(target);
      if (!node || node.down) {
        if (performance.now() >= deadline) throw this.#noMaster(slot, lastError);
        target = undefined;
        void this.#refresh();
        await abortableSleep(backoff.next(), signal ?? this.#stop.signal);
        continue;
      }
      try {
        const ask = asking;
        asking = false;
        return await Promise.race([node.connection.then((c) => run(c, ask)), node.downed]);
      } catch (error) {
        lastError = error;
        target = undefined;
        if (this.#closed) throw this.#closedError();
        if (error instanceof ReplyError) {
          const redirect = redirectOf(error);
          if (redirect && ++redirects <= 16) {
            target = redirect.node;
            if (redirect.ask) {
              asking = true;
            } else {
              this.#slots[redirect.slot] = redirect.node;
              if (!this.#masters.includes(redirect.node)) {
                this.#masters = [...this.#masters, redirect.node].sort();
              }
              void this.#refresh();
            }
            continue;
          }
          if (!isTransient(error) || performance.now() >= deadline) throw error;
          await abortableSleep(backoff.next(), signal ?? this.#stop.signal);
          continue;
        }
        if (error instanceof NodeDown) continue;
        if (error instanceof ConnectionError) {
          node.markDown();
          if (performance.now() >= deadline) throw error;
          continue;
        }
        throw error;
      }
    }
  }

  #slotOf(args: readonly string[]): number | undefined {
    const keys = _commandKeys(args);
    return keys.length === 0 ? undefined : _keySlot(keys[0]!);
  }

  /** An XREAD/XREADGROUP over streams of more than one slot, split by slot: its parts. */
  #readParts(
    args: readonly string[],
  ): { slot: number; args: string[]; keys: string[] }[] | undefined {
    const name = args[0]?.toUpperCase();
    if (name !== "XREAD" && name !== "XREADGROUP") return undefined;
    const at = _streamsIndex(args);
    const keys = _commandKeys(args);
    if (at === -1 || keys.length < 2) return undefined;
    const ids = args.slice(at + 1 + keys.length);
    if (ids.length !== keys.length) return undefined; // let the server say what is wrong
    const bySlot = new Map<number, number[]>();
    keys.forEach((key, i) => {
      const slot = _keySlot(key);
      bySlot.set(slot, [...(bySlot.get(slot) ?? []), i]);
    });
    if (bySlot.size < 2) return undefined;
    const prefix = args.slice(0, at + 1);
    return [...bySlot].map(([slot, indexes]) => ({
      slot,
      keys: indexes.map((i) => keys[i]!),
      args: [...prefix, ...indexes.map((i) => keys[i]!), ...indexes.map((i) => ids[i]!)],
    }));
  }

  /** The parts' replies as one XREAD reply, streams in the order they were asked. */
  #merge(keys: string[], replies: RedisReply[]): RedisReply {
    const byStream = new Map<string, RedisReply>();
    for (const reply of replies) {
      if (!Array.isArray(reply)) continue;
      for (const row of reply) if (Array.isArray(row)) byStream.set(String(row[0]), row);
    }
    const merged = keys.filter((k) => byStream.has(k)).map((k) => byStream.get(k)!);
    return merged.length === 0 ? null : merged;
  }

  async #readSplit(
    args: readonly string[],
    parts: { slot: number; args: string[]; keys: string[] }[],
    signal?: AbortSignal,
  ): Promise<RedisReply> {
    const keys = _commandKeys(args);
    const now = await Promise.all(
      parts.map((part) =>
        this.#route(
          part.slot,
          (c, a) => a ? sendAsking(c, withoutBlock(part.args)) : c.send(withoutBlock(part.args)),
        )
      ),
    );
    const found = this.#merge(keys, now);
    if (found !== null || blockMsOf(args) === undefined) return found;
    // Nothing yet: block on every part; the first answer ends the others.
    const first = new AbortController();
    const onAbort = () => first.abort();
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      const replies = await Promise.all(parts.map(async (part) => {
        const reply = await this.#route(
          part.slot,
          (c, a) =>
            a
              ? sendAsking(c, withoutBlock(part.args))
              : c.sendBlocking(part.args, { signal: first.signal }),
          first.signal,
        );
        if (reply !== null) first.abort();
        return reply;
      }));
      return this.#merge(keys, replies);
    } finally {
      signal?.removeEventListener("abort", onAbort);
    }
  }

  /** SCAN over every master: the cursor is `master index` + `-` + that master's cursor. */
  async #scan(args: readonly string[]): Promise<RedisReply> {
    const cursor = args[1] ?? "0";
    const dash = cursor.indexOf("-");
    let index = dash === -1 ? 0 : Number(cursor.slice(0, dash));
    let inner = dash === -1 ? cursor : cursor.slice(dash + 1);
    const masters = this.#masters;
    if (!Number.isInteger(index) || index < 0 || index >= masters.length) {
      return ["0", []];
    }
    const id = masters[index]!;
    const reply = await this.#route(
      this.#slots.indexOf(id),
      (c) => c.send(["SCAN", inner, ...args.slice(2)]),
    );
    if (!Array.isArray(reply)) return reply;
    const next = String(reply[0]);
    if (next !== "0") return [`${index}-${next}`, reply[1] ?? []];
    index++;
    inner = "0";
    return [index < masters.length ? `${index}-0` : "0", reply[1] ?? []];
  }

  send(args: readonly string[]): Promise<RedisReply> {
    const name = args[0]?.toUpperCase();
    if (name === "SCAN") return this.#scan(args);
    if (name === "FLUSHALL" || name === "FLUSHDB") {
      return Promise.all(
        this.#masters.map((id) => this.#route(this.#slots.indexOf(id), (c) => c.send(args))),
      ).then((replies) => replies[0] ?? "OK");
    }
    const parts = this.#readParts(args);
    if (parts) return this.#readSplit(args, parts);
    return this.#route(
      this.#slotOf(args),
      (c, asking) => asking ? sendAsking(c, args) : c.send(args),
    );
  }

  async pipeline(batch: readonly (readonly string[])[]): Promise<(RedisReply | Error)[]> {
    const results: (RedisReply | Error)[] = new Array(batch.length);
    const slots: (number | undefined)[] = [];
    const groups = new Map<NodeId, number[]>();
    const alone: number[] = [];
    let previous: number | undefined;
    batch.forEach((args, i) => {
      const name = args[0]?.toUpperCase();
      const slot = name === "WAIT" ? previous : this.#slotOf(args);
      slots[i] = slot;
      previous = slot;
      const target = slot === undefined ? this.#masters[0] : this.#slots[slot];
      const node = target === undefined ? undefined : this.#nodes.get(target);
      if (
        target === undefined || node?.down || name === "SCAN" || name === "FLUSHALL" ||
        name === "FLUSHDB" || this.#readParts(args)
      ) {
        alone.push(i);
      } else {
        groups.set(target, [...(groups.get(target) ?? []), i]);
      }
    });
    const redo = [...alone];
    const groupsDone = Promise.all([...groups].map(async ([id, indexes]) => {
      const node = this.#node(id);
      try {
        const replies = await Promise.race([
          node.connection.then((c) => c.pipeline(indexes.map((i) => batch[i]!))),
          node.downed,
        ]);
        indexes.forEach((i, k) => {
          const reply = replies[k]!;
          if (reply instanceof ReplyError && (redirectOf(reply) || isTransient(reply))) {
            redo.push(i);
          } else results[i] = reply;
        });
      } catch (error) {
        if (error instanceof ConnectionError) node.markDown();
        if (error instanceof ConnectionError || error instanceof NodeDown) redo.push(...indexes);
        else for (const i of indexes) results[i] = error as Error;
      }
    }));
    await groupsDone;
    // A WAIT counts the replicas of the node its write went to: redo it when that write is redone.
    for (let i = 1; i < batch.length; i++) {
      if (batch[i]![0]?.toUpperCase() === "WAIT" && redo.includes(i - 1) && !redo.includes(i)) {
        redo.push(i);
      }
    }
    // Redirected, retried or split commands, one by one in their order (per-stream order holds).
    redo.sort((a, b) => a - b);
    for (const i of redo) {
      const args = batch[i]!;
      try {
        results[i] = slots[i] === undefined || batch[i]![0]!.toUpperCase() !== "WAIT"
          ? await this.send(args)
          : await this.#route(slots[i], (c, a) => a ? sendAsking(c, args) : c.send(args));
      } catch (error) {
        if (this.#closed) throw error;
        results[i] = error instanceof Error ? error : new Error(String(error));
      }
    }
    return results;
  }

  async sendBlocking(
    args: readonly string[],
    options: { signal?: AbortSignal } = {},
  ): Promise<RedisReply> {
    const { signal } = options;
    if (signal?.aborted) return null;
    const parts = this.#readParts(args);
    if (parts) return await this.#readSplit(args, parts, signal);
    return await this.#route(
      this.#slotOf(args),
      (c, asking) => asking ? sendAsking(c, withoutBlock(args)) : c.sendBlocking(args, { signal }),
      signal,
    );
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#stop.abort();
    const nodes = [...this.#nodes.values()];
    this.#nodes.clear();
    if (!nodes.some((n) => n.id === this.#setup.seed.id)) {
      await this.#setup.seed.connection.close();
    }
    await Promise.all(nodes.map((n) => n.connection.then((c) => c.close(), () => {})));
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
