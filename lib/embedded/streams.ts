/**
 * Entry commands of the embedded backend: XADD, XRANGE, XREVRANGE, XLEN,
 * XDEL, XTRIM and XSETID, with Redis 7.0's argument rules and replies.
 *
 * Trimming: `MAXLEN`/`MINID` with `=` trims exactly, as Redis does. With `~`
 * only whole nodes are removed, as Redis removes whole radix-tree nodes
 * (`stream-node-max-entries` 100 / `stream-node-max-bytes` 4096, see
 * `nodes.ts`), at most `LIMIT` entries (default 100 × the node size). XTRIM does not move
 * `max-deleted-entry-id` (as in Redis 7.0); XDEL does.
 *
 * @module
 */

import { ReplyError } from "../errors.ts";
import type { RedisReply } from "../connection.ts";
import {
  entryReply,
  type EntryRow,
  type HandlerContext,
  type StreamRow,
} from "./handler_context.ts";
import {
  compareIds,
  formatId,
  type IdParts,
  nextId,
  type ParsedId,
  parseId,
  parseRangeEnd,
  parseRangeStart,
  parseStrictId,
  U64_MAX,
} from "./ids.ts";
import {
  arityError,
  checkCounter,
  checkNoNul,
  isKeyword,
  parseInteger,
  syntaxError,
} from "./replies.ts";
import {
  deleteNodes,
  nodeAppend,
  nodeDeleteEntry,
  nodeRecountUpTo,
  trimWholeNodes,
} from "./nodes.ts";

/** `~` without LIMIT: resolved to 100 × `stream-node-max-entries` when trimming. */
const DEFAULT_LIMIT = -1;
import { handler, type HandlerSpec } from "./handler.ts";

/** How to trim a stream (parsed from XADD or XTRIM options). */
export interface TrimSpec {
  strategy: "none" | "maxlen" | "minid";
  maxLen: number;
  minId: IdParts;
  approximate: boolean;
  /** Most entries to remove; 0 = no limit. */
  limit: number;
}

interface AddOrTrimArgs {
  trim: TrimSpec;
  noMkStream: boolean;
  /** Index of the ID argument (XADD). */
  idIndex: number;
  id: ParsedId | undefined;
}

/**
 * After MAXLEN or MINID at `i`: checks only one strategy is given, reads the
 * optional `=`/`~` into `trim.approximate`, and returns the threshold's index.
 */
function trimThresholdAt(
  args: readonly string[],
  i: number,
  trim: TrimSpec,
): number {
  if (trim.strategy !== "none") {
    throw new ReplyError(
      "ERR syntax error, MAXLEN and MINID options at the same time are not compatible",
    );
  }
  const moreArgs = args.length - 1 - i;
  const next = args[i + 1];
  trim.approximate = moreArgs >= 2 && next === "~";
  return moreArgs >= 2 && (next === "~" || next === "=") ? i + 2 : i + 1;
}

/** Redis's `streamParseAddOrTrimArgsOrReply`. */
function parseAddOrTrimArgs(args: readonly string[], xadd: boolean): AddOrTrimArgs {
  const trim: TrimSpec = {
    strategy: "none",
    maxLen: -1,
    minId: { ms: 0, seq: 0 },
    approximate: false,
    limit: 0,
  };
  let noMkStream = false;
  let limitGiven = false;
  let id: ParsedId | undefined;
  let i = 2;
  for (; i < args.length; i++) {
    const moreArgs = args.length - 1 - i;
    const opt = args[i];
    if (xadd && opt === "*") break;
    if (isKeyword(opt, "MAXLEN") && moreArgs) {
      i = trimThresholdAt(args, i, trim);
      trim.maxLen = parseInteger(args[i]);
      if (trim.maxLen < 0) throw new ReplyError("ERR The MAXLEN argument must be >= 0.");
      trim.strategy = "maxlen";
    } else if (isKeyword(opt, "MINID") && moreArgs) {
      i = trimThresholdAt(args, i, trim);
      trim.minId = parseStrictId(args[i]);
      trim.strategy = "minid";
    } else if (isKeyword(opt, "LIMIT") && moreArgs) {
      trim.limit = parseInteger(args[i + 1]);
      if (trim.limit < 0) throw new ReplyError("ERR The LIMIT argument must be >= 0.");
      limitGiven = true;
      i++;
    } else if (xadd && isKeyword(opt, "NOMKSTREAM")) {
      noMkStream = true;
    } else if (xadd) {
      id = parseId(opt, 0, true, true);
      break;
    } else {
      throw syntaxError();
    }
  }
  if (trim.limit !== 0 && trim.strategy === "none") {
    throw new ReplyError(
      "ERR syntax error, LIMIT cannot be used without specifying a trimming strategy",
    );
  }
  if (!xadd && trim.strategy === "none") {
    throw new ReplyError("ERR syntax error, XTRIM must be called with a trimming strategy");
  }
  if (limitGiven) {
    if (!trim.approximate) {
      throw new ReplyError("ERR syntax error, LIMIT cannot be used without the special ~ option");
    }
  } else {
    trim.limit = trim.approximate ? DEFAULT_LIMIT : 0;
  }
  return { trim, noMkStream, idIndex: i, id };
}

/**
 * Trims a stream by `spec`; returns how many entries were removed. Updates
 * `s.length` (the caller saves the row).
 */
export function trimStream(ctx: HandlerContext, s: StreamRow, spec: TrimSpec): number {
  if (spec.strategy !== "none" && spec.approximate) {
    let limit = spec.limit;
    if (limit === DEFAULT_LIMIT) {
      // Redis: 100 × stream-node-max-entries when ~ is given without LIMIT.
      limit = 100 * ctx.nodeMaxEntries;
      if (limit <= 0) limit = 10000;
      if (limit > 1_000_000) limit = 1_000_000;
    }
    return trimWholeNodes(ctx, s, { ...spec, strategy: spec.strategy, limit });
  }
  let remove: number;
  if (spec.strategy === "maxlen") {
    remove = Math.max(0, s.length - spec.maxLen);
  } else if (spec.strategy === "minid") {
    remove = Number(
      (ctx.q(
        "SELECT COUNT(*) AS n FROM entries WHERE key_id = ? AND (ms, seq) < (?, ?)",
      ).get(s.id, spec.minId.ms, spec.minId.seq) as { n: number }).n,
    );
  } else {
    return 0;
  }
  if (spec.limit > 0 && remove > spec.limit) remove = spec.limit;
  if (remove <= 0) return 0;
  let removed: number;
  if (remove >= s.length) {
    removed = Number(ctx.q("DELETE FROM entries WHERE key_id = ?").run(s.id).changes);
    deleteNodes(ctx, s.id);
  } else {
    const cut = ctx.q(
      "SELECT ms, seq FROM entries WHERE key_id = ? ORDER BY ms, seq LIMIT 1 OFFSET ?",
    ).get(s.id, remove - 1) as unknown as IdParts;
    removed = Number(
      ctx.q("DELETE FROM entries WHERE key_id = ? AND (ms, seq) <= (?, ?)")
        .run(s.id, cut.ms, cut.seq).changes,
    );
    nodeRecountUpTo(ctx, s.id, cut);
  }
  s.length -= removed;
  ctx.wrote = true;
  return removed;
}

/** `XADD key [NOMKSTREAM] [MAXLEN|MINID [=|~] threshold [LIMIT count]] *|id field value ...` */
export function xadd(ctx: HandlerContext, args: readonly string[]): RedisReply {
  const parsed = parseAddOrTrimArgs(args, true);
  const fieldPos = parsed.idIndex + 1;
  checkNoNul(args, fieldPos); // the field/value pairs themselves are stored as JSON: NUL-safe
  const fieldArgs = args.length - fieldPos;
  if (fieldArgs < 2 || fieldArgs % 2 === 1) throw arityError("xadd");
  const given = parsed.id;
  if (given !== undefined && given.seqGiven && given.ms === 0 && given.seq === 0) {
    throw new ReplyError("ERR The ID specified in XADD must be greater than 0-0");
  }
  let s = ctx.stream(args[1]);
  if (s === undefined) {
    if (parsed.noMkStream) return null;
    s = ctx.createStream(args[1]);
  }
  if (s.last_ms === U64_MAX && s.last_seq === U64_MAX) {
    throw new ReplyError(
      "ERR The stream has exhausted the last possible ID, unable to add more items",
    );
  }
  const id = nextId({ ms: s.last_ms, seq: s.last_seq }, ctx.now, given);
  if (id === undefined) {
    throw new ReplyError(
      "ERR The ID specified in XADD is equal or smaller than the target stream top item",
    );
  }
  const fields = args.slice(fieldPos);
  ctx.q("INSERT INTO entries (key_id, ms, seq, fields) VALUES (?, ?, ?, ?)")
    .run(s.id, id.ms, id.seq, JSON.stringify(fields));
  nodeAppend(ctx, s.id, id, fields);
  s.last_ms = id.ms;
  s.last_seq = id.seq;
  s.length++;
  s.entries_added++;
  trimStream(ctx, s, parsed.trim);
  ctx.saveStream(s);
  return formatId(id.ms, id.seq);
}

/** `XTRIM key MAXLEN|MINID [=|~] threshold [LIMIT count]` */
export function xtrim(ctx: HandlerContext, args: readonly string[]): RedisReply {
  const parsed = parseAddOrTrimArgs(args, false);
  const s = ctx.stream(args[1]);
  if (s === undefined) return 0;
  const removed = trimStream(ctx, s, parsed.trim);
  if (removed > 0) ctx.saveStream(s);
  return removed;
}

/** Reads entries `start..end` (inclusive) in order, at most `count` (-1 = all). */
export function readRange(
  ctx: HandlerContext,
  keyId: number,
  start: IdParts,
  end: IdParts,
  count: number,
  reverse = false,
): EntryRow[] {
  const sql = reverse
    ? `SELECT ms, seq, fields FROM entries WHERE key_id = ? AND (ms, seq) >= (?, ?)
       AND (ms, seq) <= (?, ?) ORDER BY ms DESC, seq DESC LIMIT ?`
    : `SELECT ms, seq, fields FROM entries WHERE key_id = ? AND (ms, seq) >= (?, ?)
       AND (ms, seq) <= (?, ?) ORDER BY ms, seq LIMIT ?`;
  return ctx.q(sql).all(
    keyId,
    start.ms,
    start.seq,
    end.ms,
    end.seq,
    count,
  ) as unknown as EntryRow[];
}

function xrangeGeneric(ctx: HandlerContext, args: readonly string[], reverse: boolean): RedisReply {
  const start = parseRangeStart(reverse ? args[3] : args[2]);
  const end = parseRangeEnd(reverse ? args[2] : args[3]);
  let count = -1;
  for (let j = 4; j < args.length; j++) {
    if (isKeyword(args[j], "COUNT") && args.length - j - 1 >= 1) {
      count = parseInteger(args[j + 1]);
      if (count < 0) count = 0;
      j++;
    } else {
      throw syntaxError();
    }
  }
  const s = ctx.stream(args[1]);
  if (s === undefined) return [];
  if (count === 0) return null;
  if (compareIds(start, end) > 0) return [];
  return readRange(ctx, s.id, start, end, count, reverse).map(entryReply);
}

/** `XRANGE key start end [COUNT count]` */
export function xrange(ctx: HandlerContext, args: readonly string[]): RedisReply {
  return xrangeGeneric(ctx, args, false);
}

/** `XREVRANGE key end start [COUNT count]` */
export function xrevrange(ctx: HandlerContext, args: readonly string[]): RedisReply {
  return xrangeGeneric(ctx, args, true);
}

/** `XLEN key` */
export function xlen(ctx: HandlerContext, args: readonly string[]): RedisReply {
  return ctx.stream(args[1])?.length ?? 0;
}

/** `XDEL key id [id ...]` */
export function xdel(ctx: HandlerContext, args: readonly string[]): RedisReply {
  const s = ctx.stream(args[1]);
  if (s === undefined) return 0;
  const ids = args.slice(2).map(parseStrictId);
  let deleted = 0;
  for (const id of ids) {
    const changes = ctx.q("DELETE FROM entries WHERE key_id = ? AND ms = ? AND seq = ?")
      .run(s.id, id.ms, id.seq).changes;
    if (Number(changes) === 0) continue;
    nodeDeleteEntry(ctx, s.id, id);
    deleted++;
    s.length--;
    if (compareIds(id, { ms: s.max_del_ms, seq: s.max_del_seq }) > 0) {
      s.max_del_ms = id.ms;
      s.max_del_seq = id.seq;
    }
  }
  if (deleted > 0) ctx.saveStream(s);
  return deleted;
}

/** `XSETID key last-id [ENTRIESADDED entries-added] [MAXDELETEDID max-deleted-id]` */
export function xsetid(ctx: HandlerContext, args: readonly string[]): RedisReply {
  // Options are checked before the key, as Redis 7.0 does.
  const id = parseStrictId(args[2]!);
  let entriesAdded = -1;
  let maxDeleted: IdParts = { ms: 0, seq: 0 };
  for (let i = 3; i < args.length; i += 2) {
    const more = i + 1 < args.length;
    if (isKeyword(args[i]!, "ENTRIESADDED") && more) {
      entriesAdded = parseInteger(args[i + 1]!);
      if (entriesAdded < 0) throw new ReplyError("ERR entries_added must be positive");
      checkCounter(entriesAdded, "ENTRIESADDED");
    } else if (isKeyword(args[i]!, "MAXDELETEDID") && more) {
      maxDeleted = parseStrictId(args[i + 1]!);
      if (compareIds(id, maxDeleted) < 0) {
        throw new ReplyError(
          "ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id",
        );
      }
    } else {
      throw syntaxError();
    }
  }
  const s = ctx.stream(args[1]!);
  if (s === undefined) throw new ReplyError("ERR no such key");
  if (s.length > 0) {
    const top = ctx.q(
      "SELECT ms, seq FROM entries WHERE key_id = ? ORDER BY ms DESC, seq DESC LIMIT 1",
    ).get(s.id) as unknown as IdParts;
    if (compareIds(id, top) < 0) {
      throw new ReplyError(
        "ERR The ID specified in XSETID is smaller than the target stream top item",
      );
    }
    if (entriesAdded !== -1 && s.length > entriesAdded) {
      throw new ReplyError(
        "ERR The entries_added specified in XSETID is smaller than the target stream length",
      );
    }
  }
  s.last_ms = id.ms;
  s.last_seq = id.seq;
  if (entriesAdded !== -1) s.entries_added = entriesAdded;
  if (maxDeleted.ms !== 0 || maxDeleted.seq !== 0) {
    s.max_del_ms = maxDeleted.ms;
    s.max_del_seq = maxDeleted.seq;
  }
  ctx.saveStream(s);
  return "OK";
}

/** The stream commands. */
export const STREAM_HANDLERS: readonly HandlerSpec[] = [
  handler("xadd", -5, true, xadd),
  handler("xrange", -4, false, xrange),
  handler("xrevrange", -4, false, xrevrange),
  handler("xlen", 2, false, xlen),
  handler("xdel", -3, true, xdel),
  handler("xtrim", -4, true, xtrim),
  handler("xsetid", -3, true, xsetid),
];
