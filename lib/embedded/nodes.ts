/**
 * Redis's stream nodes, as far as trimming sees them: Redis keeps a stream as
 * a radix tree of listpack nodes of at most `stream-node-max-entries` (100)
 * entries or `stream-node-max-bytes` (4096) bytes, and approximate trimming
 * (`~`) removes only whole nodes. The embedded store keeps, per stream, where
 * each node starts and how many entries it holds (`stream_nodes`), so `~`
 * leaves exactly as many entries as Redis 7.0 does.
 *
 * A node's entry count includes deleted entries (XDEL marks, Redis does not
 * compact); a node whose live entries are all gone is removed. Byte sizes are
 * an estimate of the listpack's (each field and value costs its length plus
 * 2), so with large entries a node may end a little earlier or later than in
 * Redis. A stream written without the table (by an older rstream) gets its nodes rebuilt,
 * in runs of `stream-node-max-entries`, the first time it is trimmed with `~`.
 *
 * @module
 */

import type { RedisReply } from "../connection.ts";
import { ReplyError } from "../errors.ts";
import type { HandlerContext, StreamRow } from "./handler_context.ts";
import { handler, type HandlerSpec } from "./handler.ts";
import type { IdPart, IdParts } from "./ids.ts";

interface NodeRow {
  ms: IdPart;
  seq: IdPart;
  total: number;
  live: number;
  bytes: number;
}

/** Redis's largest listpack, the cap of `stream-node-max-bytes`. */
const LISTPACK_MAX = 1 << 30;

/** A stream's last node as appended to in this transaction; written by {@linkcode flushNodeCache}. */
export interface CachedNode extends NodeRow {
  dirty: boolean;
}

function writeNode(ctx: HandlerContext, keyId: number, node: CachedNode): void {
  if (!node.dirty) return;
  ctx.q(
    "UPDATE stream_nodes SET total = ?, live = ?, bytes = ? WHERE key_id = ? AND ms = ? AND seq = ?",
  ).run(node.total, node.live, node.bytes, keyId, node.ms, node.seq);
  node.dirty = false;
}

/**
 * Writes the last nodes appended to in this transaction (before COMMIT, or
 * before any other node change of `keyId`, or of every key without it) and
 * forgets them: a pipeline of adds to one stream reads and writes its last
 * node once.
 */
export function flushNodeCache(ctx: HandlerContext, keyId?: number): void {
  if (keyId !== undefined) {
    const node = ctx.nodeCache.get(keyId);
    if (node !== undefined) writeNode(ctx, keyId, node);
    ctx.nodeCache.delete(keyId);
    return;
  }
  for (const [id, node] of ctx.nodeCache) writeNode(ctx, id, node);
  ctx.nodeCache.clear();
}

/** Records an entry appended to stream `keyId` (after its INSERT). */
export function nodeAppend(
  ctx: HandlerContext,
  keyId: number,
  id: IdParts,
  fields: readonly string[],
): void {
  let raw = 0;
  for (const f of fields) raw += f.length;
  const size = raw + 2 * fields.length + 6;
  let last = ctx.nodeCache.get(keyId);
  if (last === undefined) {
    const row = ctx.q(
      "SELECT ms, seq, total, live, bytes FROM stream_nodes WHERE key_id = ? ORDER BY ms DESC, seq DESC LIMIT 1",
    ).get(keyId) as NodeRow | undefined;
    if (row !== undefined) {
      last = {
        ms: row.ms,
        seq: row.seq,
        total: row.total,
        live: row.live,
        bytes: row.bytes,
        dirty: false,
      };
    }
  }
  const maxBytes = ctx.nodeMaxBytes === 0 || ctx.nodeMaxBytes > LISTPACK_MAX
    ? LISTPACK_MAX
    : ctx.nodeMaxBytes;
  const full = last === undefined || last.bytes + raw >= maxBytes ||
    (ctx.nodeMaxEntries > 0 && last.total >= ctx.nodeMaxEntries);
  if (full) {
    if (last !== undefined) writeNode(ctx, keyId, last);
    const bytes = 16 + 2 * fields.length + size;
    ctx.q(
      "INSERT INTO stream_nodes (key_id, ms, seq, total, live, bytes) VALUES (?, ?, ?, 1, 1, ?)",
    ).run(keyId, id.ms, id.seq, bytes);
    ctx.nodeCache.set(keyId, { ms: id.ms, seq: id.seq, total: 1, live: 1, bytes, dirty: false });
  } else {
    last!.total++;
    last!.live++;
    last!.bytes += size;
    last!.dirty = true;
    ctx.nodeCache.set(keyId, last!);
  }
}

/** Records that the entry `id` of stream `keyId` was deleted (XDEL). */
export function nodeDeleteEntry(ctx: HandlerContext, keyId: number, id: IdParts): void {
  flushNodeCache(ctx, keyId);
  const node = ctx.q(
    `SELECT ms, seq, live FROM stream_nodes WHERE key_id = ? AND (ms, seq) <= (?, ?)
     ORDER BY ms DESC, seq DESC LIMIT 1`,
  ).get(keyId, id.ms, id.seq) as NodeRow | undefined;
  if (node === undefined) return;
  if (node.live <= 1) {
    ctx.q("DELETE FROM stream_nodes WHERE key_id = ? AND ms = ? AND seq = ?")
      .run(keyId, node.ms, node.seq);
  } else {
    ctx.q("UPDATE stream_nodes SET live = live - 1 WHERE key_id = ? AND ms = ? AND seq = ?")
      .run(keyId, node.ms, node.seq);
  }
}

/** Recounts the nodes that start at or before `upTo` after entries up to it were deleted. */
export function nodeRecountUpTo(ctx: HandlerContext, keyId: number, upTo: IdParts): void {
  flushNodeCache(ctx, keyId);
  const nodes = ctx.q(
    "SELECT ms, seq FROM stream_nodes WHERE key_id = ? AND (ms, seq) <= (?, ?) ORDER BY ms, seq",
  ).all(keyId, upTo.ms, upTo.seq) as unknown as NodeRow[];
  for (let i = 0; i < nodes.length; i++) {
    const node = nodes[i]!;
    const next = nodes[i + 1] ?? nextNode(ctx, keyId, node);
    const live = countEntries(ctx, keyId, node, next);
    if (live === 0) {
      ctx.q("DELETE FROM stream_nodes WHERE key_id = ? AND ms = ? AND seq = ?")
        .run(keyId, node.ms, node.seq);
    } else {
      ctx.q("UPDATE stream_nodes SET live = ? WHERE key_id = ? AND ms = ? AND seq = ?")
        .run(live, keyId, node.ms, node.seq);
    }
  }
}

/** Forgets every node of stream `keyId` (the key was deleted, or all entries trimmed). */
export function deleteNodes(ctx: HandlerContext, keyId: number): void {
  ctx.nodeCache.delete(keyId);
  ctx.q("DELETE FROM stream_nodes WHERE key_id = ?").run(keyId);
}

function nextNode(ctx: HandlerContext, keyId: number, node: IdParts): IdParts | undefined {
  return ctx.q(
    `SELECT ms, seq FROM stream_nodes WHERE key_id = ? AND (ms, seq) > (?, ?)
     ORDER BY ms, seq LIMIT 1`,
  ).get(keyId, node.ms, node.seq) as IdParts | undefined;
}

function countEntries(
  ctx: HandlerContext,
  keyId: number,
  from: IdParts,
  before: IdParts | undefined,
): number {
  const row = before === undefined
    ? ctx.q("SELECT COUNT(*) AS n FROM entries WHERE key_id = ? AND (ms, seq) >= (?, ?)")
      .get(keyId, from.ms, from.seq)
    : ctx.q(
      `SELECT COUNT(*) AS n FROM entries WHERE key_id = ? AND (ms, seq) >= (?, ?)
       AND (ms, seq) < (?, ?)`,
    ).get(keyId, from.ms, from.seq, before.ms, before.seq);
  return Number((row as { n: number }).n);
}

/** Rebuilds the nodes of a stream written without them, in runs of `stream-node-max-entries`. */
function ensureNodes(ctx: HandlerContext, s: StreamRow): void {
  const live = Number(
    (ctx.q("SELECT COALESCE(SUM(live), 0) AS n FROM stream_nodes WHERE key_id = ?").get(s.id) as {
      n: number;
    }).n,
  );
  if (live === s.length) return;
  deleteNodes(ctx, s.id);
  const per = ctx.nodeMaxEntries > 0 ? ctx.nodeMaxEntries : 100;
  const ids = ctx.q("SELECT ms, seq FROM entries WHERE key_id = ? ORDER BY ms, seq")
    .all(s.id) as unknown as IdParts[];
  for (let i = 0; i < ids.length; i += per) {
    const count = Math.min(per, ids.length - i);
    ctx.q(
      "INSERT INTO stream_nodes (key_id, ms, seq, total, live, bytes) VALUES (?, ?, ?, ?, ?, 0)",
    ).run(s.id, ids[i]!.ms, ids[i]!.seq, count, count);
  }
}

/**
 * Approximate trimming as Redis 7.0's `streamTrim` with `~`: removes whole
 * nodes from the start while the stream stays at least `maxLen` long (or
 * while a node's last ID is below `minId`), at most `limit` entries (0 = no
 * limit). Returns how many entries were removed; updates `s.length`.
 */
export function trimWholeNodes(
  ctx: HandlerContext,
  s: StreamRow,
  spec: { strategy: "maxlen" | "minid"; maxLen: number; minId: IdParts; limit: number },
): number {
  flushNodeCache(ctx, s.id);
  ensureNodes(ctx, s);
  const nodes = ctx.q(
    "SELECT ms, seq, live FROM stream_nodes WHERE key_id = ? ORDER BY ms, seq",
  ).all(s.id) as unknown as NodeRow[];
  let deleted = 0;
  for (let i = 0; i < nodes.length; i++) {
    if (spec.strategy === "maxlen" && s.length <= spec.maxLen) break;
    const node = nodes[i]!;
    const entries = node.live;
    if (spec.limit > 0 && deleted + entries > spec.limit) break;
    const next = nodes[i + 1];
    let remove: boolean;
    if (spec.strategy === "maxlen") {
      remove = s.length - entries >= spec.maxLen;
    } else {
      const last = (next === undefined
        ? ctx.q(
          "SELECT ms, seq FROM entries WHERE key_id = ? ORDER BY ms DESC, seq DESC LIMIT 1",
        ).get(s.id)
        : ctx.q(
          `SELECT ms, seq FROM entries WHERE key_id = ? AND (ms, seq) < (?, ?)
           ORDER BY ms DESC, seq DESC LIMIT 1`,
        ).get(s.id, next.ms, next.seq)) as IdParts | undefined;
      remove = last === undefined ||
        last.ms < spec.minId.ms || (last.ms === spec.minId.ms && last.seq < spec.minId.seq);
    }
    if (!remove) break;
    if (next === undefined) {
      ctx.q("DELETE FROM entries WHERE key_id = ? AND (ms, seq) >= (?, ?)")
        .run(s.id, node.ms, node.seq);
    } else {
      ctx.q(
        "DELETE FROM entries WHERE key_id = ? AND (ms, seq) >= (?, ?) AND (ms, seq) < (?, ?)",
      ).run(s.id, node.ms, node.seq, next.ms, next.seq);
    }
    ctx.q("DELETE FROM stream_nodes WHERE key_id = ? AND ms = ? AND seq = ?")
      .run(s.id, node.ms, node.seq);
    s.length -= entries;
    deleted += entries;
  }
  if (deleted > 0) ctx.wrote = true;
  return deleted;
}

const NODE_SETTINGS = ["stream-node-max-entries", "stream-node-max-bytes"] as const;

/** `CONFIG SET stream-node-max-entries|stream-node-max-bytes value` (this connection only). */
function configSet(ctx: HandlerContext, args: readonly string[]): RedisReply {
  if (args.length % 2 !== 0) {
    throw new ReplyError("ERR wrong number of arguments for 'config|set' command");
  }
  const updates: [string, number][] = [];
  for (let i = 2; i < args.length; i += 2) {
    const name = args[i]!.toLowerCase();
    if (!(NODE_SETTINGS as readonly string[]).includes(name)) {
      throw new ReplyError(
        `ERR Unknown option or number of arguments for CONFIG SET - '${args[i]}'`,
      );
    }
    if (!/^[0-9]+$/.test(args[i + 1]!) || Number(args[i + 1]) > 2 ** 31 - 1) {
      throw new ReplyError(
        `ERR CONFIG SET failed (possibly related to argument '${
          args[i]
        }') - argument couldn't be parsed into an integer`,
      );
    }
    updates.push([name, Number(args[i + 1])]);
  }
  for (const [name, value] of updates) {
    if (name === "stream-node-max-entries") ctx.nodeMaxEntries = value;
    else ctx.nodeMaxBytes = value;
  }
  return "OK";
}

/**
 * CONFIG SET of the stream node sizes (the settings approximate trimming
 * uses). No CONFIG GET: the store knows no other setting (`rstream serve`
 * answers CONFIG GET itself).
 */
export const NODE_HANDLERS: readonly HandlerSpec[] = [
  handler("config|set", -4, false, configSet),
];
