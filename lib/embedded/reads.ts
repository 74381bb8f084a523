/**
 * XREAD and XREADGROUP of the embedded backend: argument parsing in Redis
 * 7.0's order and one non-blocking attempt to serve. Waiting for `BLOCK` is
 * done by the connection (see `blocking.ts`), which calls
 * {@linkcode serveRead} again whenever the file changes.
 *
 * @module
 */

import { ReplyError } from "../errors.ts";
import type { RedisReply } from "../connection.ts";
import { entryReply, type HandlerContext } from "./handler_context.ts";
import { advanceGroup, findGroup, saveGroup, touchConsumer } from "./groups.ts";
import { compareIds, type IdParts, incrementId, MAX_ID, parseStrictId } from "./ids.ts";
import { type PelRow, putPel, putPelMany } from "./pending.ts";
import { readRange } from "./streams.ts";
import { isKeyword, parseInteger, syntaxError } from "./replies.ts";
import type { HandlerSpec, Outcome } from "./handler.ts";

/** A parsed XREAD/XREADGROUP. */
export interface ReadRequest {
  group: { name: string; consumer: string } | undefined;
  noAck: boolean;
  /** Most entries per stream; 0 = no limit. */
  count: number;
  /** BLOCK milliseconds (0 = forever), or undefined without BLOCK. */
  blockMs: number | undefined;
  keys: string[];
  /** Read after these IDs; `">"` = after the group's last delivered ID. */
  ids: (IdParts | ">")[];
}

/** Parses XREAD/XREADGROUP and resolves `$`, throwing Redis's errors in Redis's order. */
export function parseRead(ctx: HandlerContext, args: readonly string[]): ReadRequest {
  const xreadgroup = isKeyword(args[0], "XREADGROUP");
  let blockMs: number | undefined;
  let count = 0;
  let streamsArg = 0;
  let streamsCount = 0;
  let group: ReadRequest["group"];
  let noAck = false;
  for (let i = 1; i < args.length; i++) {
    const moreArgs = args.length - i - 1;
    const o = args[i];
    if (isKeyword(o, "BLOCK") && moreArgs) {
      i++;
      let timeout: number;
      try {
        timeout = parseInteger(args[i]);
      } catch {
        throw new ReplyError("ERR timeout is not an integer or out of range");
      }
      if (timeout < 0) throw new ReplyError("ERR timeout is negative");
      blockMs = timeout;
    } else if (isKeyword(o, "COUNT") && moreArgs) {
      i++;
      count = parseInteger(args[i]);
      if (count < 0) count = 0;
    } else if (isKeyword(o, "STREAMS") && moreArgs) {
      streamsArg = i + 1;
      streamsCount = args.length - streamsArg;
      if (streamsCount % 2 !== 0) {
        const symbol = xreadgroup ? ">" : "$";
        throw new ReplyError(
          `ERR Unbalanced '${
            xreadgroup ? "xreadgroup" : "xread"
          }' list of streams: for each stream key an ID or '${symbol}' must be specified.`,
        );
      }
      streamsCount /= 2;
      break;
    } else if (isKeyword(o, "GROUP") && moreArgs >= 2) {
      if (!xreadgroup) {
        throw new ReplyError(
          "ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.",
        );
      }
      group = { name: args[i + 1], consumer: args[i + 2] };
      i += 2;
    } else if (isKeyword(o, "NOACK")) {
      if (!xreadgroup) {
        throw new ReplyError(
          "ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.",
        );
      }
      noAck = true;
    } else {
      throw syntaxError();
    }
  }
  if (streamsArg === 0) throw syntaxError();
  if (xreadgroup && group === undefined) {
    throw new ReplyError("ERR Missing GROUP option for XREADGROUP");
  }
  const keys = args.slice(streamsArg, streamsArg + streamsCount);
  const ids: (IdParts | ">")[] = [];
  for (let n = 0; n < streamsCount; n++) {
    const key = keys[n];
    const text = args[streamsArg + streamsCount + n];
    const s = ctx.stream(key);
    if (group !== undefined && (s === undefined || !findGroup(ctx, s.id, group.name))) {
      throw new ReplyError(
        `NOGROUP No such key '${key}' or consumer group '${group.name}' in XREADGROUP with GROUP option`,
      );
    }
    if (text === "$") {
      if (xreadgroup) {
        throw new ReplyError(
          "ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.",
        );
      }
      ids.push(s ? { ms: s.last_ms, seq: s.last_seq } : { ms: 0, seq: 0 });
    } else if (text === ">") {
      if (!xreadgroup) {
        throw new ReplyError(
          "ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.",
        );
      }
      ids.push(">");
    } else {
      const id = parseStrictId(text);
      // Redis encodes ">" as 2^64-1-2^64-1, so XREADGROUP takes that ID as ">".
      ids.push(xreadgroup && id.isU64Max ? ">" : id);
    }
  }
  return { group, noAck, count, blockMs, keys, ids };
}

/**
 * Serves a read once: the reply Redis gives when it can answer now, or null
 * when no stream has anything (the caller blocks or replies null).
 *
 * @throws {ReplyError} `UNBLOCKED ...` when a group read's key or group vanished
 */
export function serveRead(ctx: HandlerContext, req: ReadRequest, retry = false): RedisReply {
  const reply: RedisReply[] = [];
  const limit = req.count === 0 ? -1 : req.count;
  for (let n = 0; n < req.keys.length; n++) {
    const key = req.keys[n];
    const s = retry ? streamOrUnblock(ctx, key, req.group !== undefined) : ctx.stream(key);
    if (s === undefined) continue;
    const idArg = req.ids[n];
    if (req.group === undefined) {
      if (idArg === ">" || isMaxId(idArg)) continue;
      const rows = readRange(ctx, s.id, incrementId(idArg), MAX_ID, limit);
      if (rows.length > 0) reply.push([key, rows.map(entryReply)]);
      continue;
    }
    const g = findGroup(ctx, s.id, req.group.name);
    if (g === undefined) {
      throw new ReplyError(
        retry
          ? "NOGROUP the consumer group this client was blocked on no longer exists"
          : `NOGROUP No such key '${key}' or consumer group '${req.group.name}' in XREADGROUP with GROUP option`,
      );
    }
    const consumer = req.group.consumer;
    if (idArg !== ">") {
      touchConsumer(ctx, s.id, g.name, consumer);
      const start = incrementId(idArg);
      const pel = ctx.q(
        `SELECT ms, seq, consumer, delivery_time, delivery_count FROM pel
         WHERE key_id = ? AND grp = ? AND consumer = ? AND (ms, seq) >= (?, ?)
         ORDER BY ms, seq LIMIT ?`,
      ).all(s.id, g.name, consumer, start.ms, start.seq, limit) as unknown as PelRow[];
      const entries: RedisReply[] = [];
      for (const p of pel) {
        const entry = ctx.entry(s.id, p);
        if (entry === undefined) {
          entries.push([`${p.ms}-${p.seq}`, null]);
          continue;
        }
        p.delivery_time = ctx.now;
        p.delivery_count++;
        putPel(ctx, s, g.name, p);
        entries.push(entryReply(entry));
      }
      reply.push([key, entries]);
      continue;
    }
    // Only entries after the group's last ID, and none once it is the stream's last ID (Redis's
    // `streamCompareID(&last, gt) > 0`): incrementId() cannot step past 2^64-1-2^64-1.
    const groupLast = { ms: g.last_ms, seq: g.last_seq };
    if (compareIds({ ms: s.last_ms, seq: s.last_seq }, groupLast) <= 0) continue;
    const rows = readRange(ctx, s.id, incrementId(groupLast), MAX_ID, limit);
    if (rows.length === 0) continue;
    touchConsumer(ctx, s.id, g.name, consumer);
    const delivered: PelRow[] = [];
    for (const row of rows) {
      advanceGroup(ctx, s, g, row);
      if (req.noAck) continue;
      // A re-delivered entry (group ID moved back by SETID) restarts its count, as in Redis.
      delivered.push({
        ms: row.ms,
        seq: row.seq,
        consumer,
        delivery_time: ctx.now,
        delivery_count: 1,
      });
    }
    putPelMany(ctx, s, g.name, delivered);
    saveGroup(ctx, g);
    reply.push([key, rows.map(entryReply)]);
  }
  return reply.length > 0 ? reply : null;
}

function isMaxId(id: IdParts): boolean {
  return id.ms === MAX_ID.ms && id.seq === MAX_ID.seq;
}

/**
 * The stream a waiting read is retried on, as Redis 7.0 treats a key that was
 * deleted or replaced by another type while a client waited: XREADGROUP is
 * unblocked with `UNBLOCKED the stream key no longer exists`, XREAD keeps
 * waiting (as if the key did not exist).
 */
function streamOrUnblock(ctx: HandlerContext, key: string, group: boolean) {
  const row = ctx.key(key);
  if (row === undefined || row.type !== "stream") {
    if (group) throw new ReplyError("UNBLOCKED the stream key no longer exists");
    return undefined;
  }
  return ctx.stream(key);
}

function readCommand(ctx: HandlerContext, args: readonly string[]): Outcome {
  const request = parseRead(ctx, args);
  const reply = serveRead(ctx, request);
  if (reply === null && request.blockMs !== undefined) return { block: request };
  return { reply };
}

/** XREAD and XREADGROUP: they reply, or ask the connection to wait (BLOCK). */
export const READ_HANDLERS: readonly HandlerSpec[] = [
  { name: "xread", arity: -4, write: false, run: readCommand },
  { name: "xreadgroup", arity: -7, write: true, run: readCommand },
];
