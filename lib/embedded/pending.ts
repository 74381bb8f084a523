/**
 * The pending entries list (PEL) of the embedded backend: XACK, XPENDING
 * (summary and extended form with IDLE), XCLAIM (IDLE, TIME, RETRYCOUNT,
 * FORCE, JUSTID, LASTID) and XAUTOCLAIM (with Redis 7.0's third reply element,
 * the IDs of deleted entries it dropped from the PEL).
 *
 * @module
 */

import { ReplyError } from "../errors.ts";
import type { RedisReply } from "../connection.ts";
import {
  entryReply,
  type HandlerContext,
  type QueryValue,
  type StreamRow,
} from "./handler_context.ts";
import { findGroup, type GroupRow, saveGroup, touchConsumer } from "./groups.ts";
import {
  compareIds,
  formatId,
  type IdPart,
  type IdParts,
  parseRangeEnd,
  parseRangeStart,
  parseStrictId,
} from "./ids.ts";
import { checkCounter, isKeyword, noGroupError, parseInteger, syntaxError } from "./replies.ts";
import { handler, type HandlerSpec } from "./handler.ts";

/** A PEL row. */
export interface PelRow {
  ms: IdPart;
  seq: IdPart;
  consumer: string;
  delivery_time: number;
  delivery_count: number;
}

/** Looks up a stream and its group, or throws the NOGROUP error of XPENDING/XCLAIM. */
function streamAndGroup(ctx: HandlerContext, key: string, group: string): [StreamRow, GroupRow] {
  const s = ctx.stream(key);
  const g = s && findGroup(ctx, s.id, group);
  if (s === undefined || g === undefined) throw noGroupError(key, group);
  return [s, g];
}

/** Finds one PEL entry. */
export function findPel(
  ctx: HandlerContext,
  s: StreamRow,
  group: string,
  id: IdParts,
): PelRow | undefined {
  return ctx.q(
    `SELECT ms, seq, consumer, delivery_time, delivery_count FROM pel
     WHERE key_id = ? AND grp = ? AND ms = ? AND seq = ?`,
  ).get(s.id, group, id.ms, id.seq) as PelRow | undefined;
}

/** Inserts or replaces one PEL entry. */
export function putPel(ctx: HandlerContext, s: StreamRow, group: string, p: PelRow): void {
  ctx.wrote = true;
  ctx.q(
    `INSERT INTO pel (key_id, grp, ms, seq, consumer, delivery_time, delivery_count)
     VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key_id, grp, ms, seq) DO UPDATE SET
     consumer = excluded.consumer, delivery_time = excluded.delivery_time,
     delivery_count = excluded.delivery_count`,
  ).run(s.id, group, p.ms, p.seq, p.consumer, p.delivery_time, p.delivery_count);
}

/** Rows per multi-row statement: one call into SQLite instead of one per row. */
const ROWS_PER_STATEMENT = 50;

/** Inserts or replaces many PEL entries (an XREADGROUP batch), in statements of 50 rows. */
export function putPelMany(
  ctx: HandlerContext,
  s: StreamRow,
  group: string,
  rows: readonly PelRow[],
): void {
  let at = 0;
  if (rows.length >= ROWS_PER_STATEMENT) {
    ctx.wrote = true;
    const statement = ctx.q(
      `INSERT INTO pel (key_id, grp, ms, seq, consumer, delivery_time, delivery_count) VALUES ${
        Array(ROWS_PER_STATEMENT).fill("(?, ?, ?, ?, ?, ?, ?)").join(", ")
      } ON CONFLICT (key_id, grp, ms, seq) DO UPDATE SET consumer = excluded.consumer,
      delivery_time = excluded.delivery_time, delivery_count = excluded.delivery_count`,
    );
    const values: QueryValue[] = [];
    for (; at + ROWS_PER_STATEMENT <= rows.length; at += ROWS_PER_STATEMENT) {
      values.length = 0;
      for (let i = at; i < at + ROWS_PER_STATEMENT; i++) {
        const p = rows[i]!;
        values.push(s.id, group, p.ms, p.seq, p.consumer, p.delivery_time, p.delivery_count);
      }
      statement.run(...values);
    }
  }
  for (; at < rows.length; at++) putPel(ctx, s, group, rows[at]!);
}

function deletePel(ctx: HandlerContext, s: StreamRow, group: string, id: IdParts): number {
  ctx.wrote = true;
  return Number(
    ctx.q("DELETE FROM pel WHERE key_id = ? AND grp = ? AND ms = ? AND seq = ?")
      .run(s.id, group, id.ms, id.seq).changes,
  );
}

/** `XACK key group id [id ...]` */
export function xack(ctx: HandlerContext, args: readonly string[]): RedisReply {
  const s = ctx.stream(args[1]);
  const g = s && findGroup(ctx, s.id, args[2]);
  if (s === undefined || g === undefined) return 0;
  const ids = args.slice(3).map(parseStrictId);
  let acked = 0;
  let at = 0;
  if (ids.length >= ROWS_PER_STATEMENT) {
    // An ID given twice is acked once, as in Redis: a multi-row DELETE counts rows, not IDs.
    ctx.wrote = true;
    const statement = ctx.q(
      `DELETE FROM pel WHERE key_id = ? AND grp = ? AND (ms, seq) IN (VALUES ${
        Array(ROWS_PER_STATEMENT).fill("(?, ?)").join(", ")
      })`,
    );
    for (; at + ROWS_PER_STATEMENT <= ids.length; at += ROWS_PER_STATEMENT) {
      const values: QueryValue[] = [s.id, g.name];
      for (let i = at; i < at + ROWS_PER_STATEMENT; i++) values.push(ids[i]!.ms, ids[i]!.seq);
      acked += Number(statement.run(...values).changes);
    }
  }
  for (; at < ids.length; at++) acked += deletePel(ctx, s, g.name, ids[at]!);
  return acked;
}

/** `XPENDING key group [[IDLE min-idle-time] start end count [consumer]]` */
export function xpending(ctx: HandlerContext, args: readonly string[]): RedisReply {
  const justInfo = args.length === 3;
  if (args.length !== 3 && (args.length < 6 || args.length > 9)) throw syntaxError();
  let start: IdParts = { ms: 0, seq: 0 };
  let end: IdParts = start;
  let count = 0;
  let minIdle = 0;
  let consumer: string | undefined;
  if (args.length >= 6) {
    let startIdx = 3;
    if (isKeyword(args[3], "IDLE")) {
      minIdle = parseInteger(args[4]);
      if (args.length < 8) throw syntaxError();
      startIdx += 2;
    }
    count = parseInteger(args[startIdx + 2]);
    if (count < 0) count = 0;
    start = parseRangeStart(args[startIdx]);
    end = parseRangeEnd(args[startIdx + 1]);
    if (startIdx + 3 < args.length) consumer = args[startIdx + 3];
  }
  const [s, g] = streamAndGroup(ctx, args[1], args[2]);
  if (justInfo) {
    const summary = ctx.q(
      "SELECT COUNT(*) AS n FROM pel WHERE key_id = ? AND grp = ?",
    ).get(s.id, g.name) as { n: number };
    if (summary.n === 0) return [0, null, null, null];
    const first = ctx.q(
      "SELECT ms, seq FROM pel WHERE key_id = ? AND grp = ? ORDER BY ms, seq LIMIT 1",
    ).get(s.id, g.name) as unknown as IdParts;
    const last = ctx.q(
      "SELECT ms, seq FROM pel WHERE key_id = ? AND grp = ? ORDER BY ms DESC, seq DESC LIMIT 1",
    ).get(s.id, g.name) as unknown as IdParts;
    const consumers = ctx.q(
      `SELECT consumer, COUNT(*) AS n FROM pel WHERE key_id = ? AND grp = ?
       GROUP BY consumer ORDER BY consumer`,
    ).all(s.id, g.name) as unknown as { consumer: string; n: number }[];
    return [
      summary.n,
      formatId(first.ms, first.seq),
      formatId(last.ms, last.seq),
      consumers.map((c) => [c.consumer, String(c.n)]),
    ];
  }
  if (consumer !== undefined) {
    const exists = ctx.q("SELECT 1 FROM consumers WHERE key_id = ? AND grp = ? AND name = ?")
      .get(s.id, g.name, consumer);
    if (exists === undefined) return [];
  }
  if (count === 0 || compareIds(start, end) > 0) return [];
  const now = ctx.now;
  const idleClause = minIdle !== 0 ? "AND ? - delivery_time >= ?" : "AND ? >= ?";
  const sql = consumer === undefined
    ? `SELECT ms, seq, consumer, delivery_time, delivery_count FROM pel
       WHERE key_id = ? AND grp = ? AND (ms, seq) >= (?, ?) AND (ms, seq) <= (?, ?) ${idleClause}
       ORDER BY ms, seq LIMIT ?`
    : `SELECT ms, seq, consumer, delivery_time, delivery_count FROM pel
       WHERE key_id = ? AND grp = ? AND consumer = ? AND (ms, seq) >= (?, ?)
       AND (ms, seq) <= (?, ?) ${idleClause} ORDER BY ms, seq LIMIT ?`;
  const params = consumer === undefined
    ? [s.id, g.name, start.ms, start.seq, end.ms, end.seq, now, minIdle, count]
    : [s.id, g.name, consumer, start.ms, start.seq, end.ms, end.seq, now, minIdle, count];
  const rows = ctx.q(sql).all(...params) as unknown as PelRow[];
  return rows.map((p) => [
    formatId(p.ms, p.seq),
    p.consumer,
    Math.max(0, now - p.delivery_time),
    p.delivery_count,
  ]);
}

/** `XCLAIM key group consumer min-idle-time id [id ...] [IDLE ms] [TIME ms] [RETRYCOUNT n] [FORCE] [JUSTID] [LASTID id]` */
export function xclaim(ctx: HandlerContext, args: readonly string[]): RedisReply {
  const [s, g] = streamAndGroup(ctx, args[1], args[2]);
  let minIdle = parseInteger(args[4], "Invalid min-idle-time argument for XCLAIM");
  if (minIdle < 0) minIdle = 0;
  const ids: IdParts[] = [];
  let j = 5;
  for (; j < args.length; j++) {
    try {
      ids.push(parseStrictId(args[j]));
    } catch {
      break;
    }
  }
  const now = ctx.now;
  let retryCount = -1;
  let deliveryTime = -1;
  let force = false;
  let justId = false;
  let lastId: IdParts = { ms: 0, seq: 0 };
  for (; j < args.length; j++) {
    const moreArgs = args.length - 1 - j;
    const opt = args[j];
    if (isKeyword(opt, "FORCE")) {
      force = true;
    } else if (isKeyword(opt, "JUSTID")) {
      justId = true;
    } else if (isKeyword(opt, "IDLE") && moreArgs) {
      j++;
      deliveryTime = now - parseInteger(args[j], "Invalid IDLE option argument for XCLAIM");
    } else if (isKeyword(opt, "TIME") && moreArgs) {
      j++;
      deliveryTime = parseInteger(args[j], "Invalid TIME option argument for XCLAIM");
    } else if (isKeyword(opt, "RETRYCOUNT") && moreArgs) {
      j++;
      retryCount = parseInteger(args[j], "Invalid RETRYCOUNT option argument for XCLAIM");
      checkCounter(retryCount, "RETRYCOUNT");
    } else if (isKeyword(opt, "LASTID") && moreArgs) {
      j++;
      const parsed = parseStrictId(args[j]);
      lastId = parsed;
    } else {
      throw new ReplyError(`ERR Unrecognized XCLAIM option '${opt}'`);
    }
  }
  if (compareIds(lastId, { ms: g.last_ms, seq: g.last_seq }) > 0) {
    g.last_ms = lastId.ms;
    g.last_seq = lastId.seq;
    saveGroup(ctx, g);
  }
  if (deliveryTime !== -1) {
    if (deliveryTime < 0 || deliveryTime > now) deliveryTime = now;
  } else {
    deliveryTime = now;
  }
  const consumer = args[3];
  let consumerTouched = false;
  const reply: RedisReply[] = [];
  for (const id of ids) {
    let p = findPel(ctx, s, g.name, id);
    const entry = ctx.entry(s.id, id);
    if (entry === undefined) {
      if (p !== undefined) deletePel(ctx, s, g.name, id);
      continue;
    }
    let forced = false;
    if (force && p === undefined) {
      p = { ms: id.ms, seq: id.seq, consumer: "", delivery_time: now, delivery_count: 1 };
      forced = true;
    }
    if (p === undefined) continue;
    if (!forced && minIdle && now - p.delivery_time < minIdle) continue;
    if (!consumerTouched) {
      touchConsumer(ctx, s.id, g.name, consumer);
      consumerTouched = true;
    }
    p.delivery_time = deliveryTime;
    if (retryCount >= 0) p.delivery_count = retryCount;
    else if (!justId) p.delivery_count++;
    p.consumer = consumer;
    putPel(ctx, s, g.name, p);
    reply.push(justId ? formatId(id.ms, id.seq) : entryReply(entry));
  }
  return reply;
}

/** `XAUTOCLAIM key group consumer min-idle-time start [COUNT count] [JUSTID]` */
export function xautoclaim(ctx: HandlerContext, args: readonly string[]): RedisReply {
  let minIdle = parseInteger(args[4], "Invalid min-idle-time argument for XAUTOCLAIM");
  if (minIdle < 0) minIdle = 0;
  const start = parseRangeStart(args[5]);
  let count = 100;
  let justId = false;
  for (let j = 6; j < args.length; j++) {
    const moreArgs = args.length - 1 - j;
    if (isKeyword(args[j], "COUNT") && moreArgs) {
      const maxCount = Math.floor(Number.MAX_SAFE_INTEGER / 16);
      let value: number;
      try {
        value = parseInteger(args[j + 1]);
      } catch {
        throw new ReplyError("ERR COUNT must be > 0");
      }
      if (value < 1 || value > maxCount) throw new ReplyError("ERR COUNT must be > 0");
      count = value;
      j++;
    } else if (isKeyword(args[j], "JUSTID")) {
      justId = true;
    } else {
      throw syntaxError();
    }
  }
  const [s, g] = streamAndGroup(ctx, args[1], args[2]);
  let attempts = count * 10;
  const now = ctx.now;
  const consumer = args[3];
  const rows = ctx.q(
    `SELECT ms, seq, consumer, delivery_time, delivery_count FROM pel
     WHERE key_id = ? AND grp = ? AND (ms, seq) >= (?, ?) ORDER BY ms, seq LIMIT ?`,
  ).all(s.id, g.name, start.ms, start.seq, attempts + 1) as unknown as PelRow[];
  const claimed: RedisReply[] = [];
  const deleted: RedisReply[] = [];
  let consumerTouched = false;
  let i = 0;
  let eof = false;
  for (;; i++) {
    if (attempts-- === 0 || count === 0) break;
    if (i >= rows.length) {
      eof = true;
      break;
    }
    const p = rows[i];
    const entry = ctx.entry(s.id, p);
    if (entry === undefined) {
      deletePel(ctx, s, g.name, p);
      deleted.push(formatId(p.ms, p.seq));
      count--;
      continue;
    }
    if (minIdle && now - p.delivery_time < minIdle) continue;
    if (!consumerTouched) {
      touchConsumer(ctx, s.id, g.name, consumer);
      consumerTouched = true;
    }
    p.delivery_time = now;
    if (!justId) p.delivery_count++;
    p.consumer = consumer;
    putPel(ctx, s, g.name, p);
    claimed.push(justId ? formatId(p.ms, p.seq) : entryReply(entry));
    count--;
  }
  const next = !eof && i < rows.length ? formatId(rows[i].ms, rows[i].seq) : "0-0";
  return [next, claimed, deleted];
}

/** The pending-list commands. */
export const PENDING_HANDLERS: readonly HandlerSpec[] = [
  handler("xack", -4, true, xack),
  handler("xpending", -3, false, xpending),
  handler("xclaim", -6, true, xclaim),
  handler("xautoclaim", -6, true, xautoclaim),
];
