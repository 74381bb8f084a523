/**
 * Consumer groups of the embedded backend: XGROUP CREATE, SETID, DESTROY,
 * CREATECONSUMER, DELCONSUMER and HELP, plus the Redis 7.0 bookkeeping of a
 * group's `entries-read` counter and `lag`.
 *
 * @module
 */

import { ReplyError } from "../errors.ts";
import type { RedisReply } from "../connection.ts";
import type { HandlerContext, StreamRow } from "./handler_context.ts";
import { compareIds, type IdPart, type IdParts, MAX_ID, parseId, parseStrictId } from "./ids.ts";
import { checkCounter, isKeyword, parseInteger } from "./replies.ts";
import { handler, type HandlerSpec } from "./handler.ts";

/** A group's row. */
export interface GroupRow {
  key_id: number;
  name: string;
  last_ms: IdPart;
  last_seq: IdPart;
  /** -1 when unknown (Redis's `SCG_INVALID_ENTRIES_READ`). */
  entries_read: number;
}

/** Looks a group up. */
export function findGroup(ctx: HandlerContext, keyId: number, name: string): GroupRow | undefined {
  return ctx.q("SELECT * FROM groups WHERE key_id = ? AND name = ?").get(keyId, name) as
    | GroupRow
    | undefined;
}

/** Saves a group's last-delivered-id and entries-read. */
export function saveGroup(ctx: HandlerContext, g: GroupRow): void {
  ctx.wrote = true;
  ctx.q(
    "UPDATE groups SET last_ms = ?, last_seq = ?, entries_read = ? WHERE key_id = ? AND name = ?",
  )
    .run(g.last_ms, g.last_seq, g.entries_read, g.key_id, g.name);
}

/**
 * Finds a consumer, creating it when missing; refreshes its seen-time (Redis's
 * `streamLookupConsumer` + `streamCreateConsumer`).
 */
export function touchConsumer(
  ctx: HandlerContext,
  keyId: number,
  group: string,
  name: string,
): void {
  ctx.wrote = true;
  ctx.q(
    `INSERT INTO consumers (key_id, grp, name, seen_time) VALUES (?, ?, ?, ?)
     ON CONFLICT (key_id, grp, name) DO UPDATE SET seen_time = excluded.seen_time`,
  ).run(keyId, group, name, ctx.now);
}

const lastId = (s: StreamRow): IdParts => ({ ms: s.last_ms, seq: s.last_seq });
const maxDeleted = (s: StreamRow): IdParts => ({ ms: s.max_del_ms, seq: s.max_del_seq });
const isZero = (id: IdParts) => id.ms === 0 && id.seq === 0;

/** Whether a deleted entry (tombstone) may lie at or after `start` (`streamRangeHasTombstones`). */
export function rangeHasTombstones(ctx: HandlerContext, s: StreamRow, start: IdParts): boolean {
  if (s.length === 0 || isZero(maxDeleted(s))) return false;
  const first = ctx.firstId(s.id);
  if (first === undefined || compareIds(first, maxDeleted(s)) > 0) return false;
  return compareIds(start, maxDeleted(s)) <= 0 && compareIds(maxDeleted(s), MAX_ID) <= 0;
}

/**
 * The logical read counter of `id` (entries from the first ever added), or -1
 * when it cannot be known (`streamEstimateDistanceFromFirstEverEntry`).
 */
export function estimateEntriesRead(ctx: HandlerContext, s: StreamRow, id: IdParts): number {
  if (s.entries_added === 0) return 0;
  if (s.length === 0 && compareIds(id, lastId(s)) < 1) return s.entries_added;
  const cmpLast = compareIds(id, lastId(s));
  if (cmpLast === 0) return s.entries_added;
  if (cmpLast > 0) return -1;
  const first = ctx.firstId(s.id) ?? { ms: 0, seq: 0 };
  const cmpFirst = compareIds(id, first);
  if (isZero(maxDeleted(s)) || compareIds(maxDeleted(s), first) < 0) {
    if (cmpFirst < 0) return s.entries_added - s.length;
    if (cmpFirst === 0) return s.entries_added - s.length + 1;
  }
  return -1;
}

/** A group's lag, or null when unknown (`streamReplyWithCGLag`). */
export function groupLag(ctx: HandlerContext, s: StreamRow, g: GroupRow): number | null {
  if (s.entries_added === 0) return 0;
  const last = { ms: g.last_ms, seq: g.last_seq };
  if (g.entries_read !== -1 && !rangeHasTombstones(ctx, s, last)) {
    return s.entries_added - g.entries_read;
  }
  const read = estimateEntriesRead(ctx, s, last);
  return read === -1 ? null : s.entries_added - read;
}

/** Advances a group past a delivered entry, keeping `entries-read` as Redis does. */
export function advanceGroup(ctx: HandlerContext, s: StreamRow, g: GroupRow, id: IdParts): void {
  if (compareIds(id, { ms: g.last_ms, seq: g.last_seq }) <= 0) return;
  if (g.entries_read !== -1 && !rangeHasTombstones(ctx, s, id)) {
    g.entries_read++;
  } else if (s.entries_added) {
    g.entries_read = estimateEntriesRead(ctx, s, id);
  }
  g.last_ms = id.ms;
  g.last_seq = id.seq;
}

const HELP = [
  "XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
  "CREATE <key> <groupname> <id|$> [option]",
  "    Create a new consumer group. Options are:",
  "    * MKSTREAM",
  "      Create the empty stream if it does not exist.",
  "    * ENTRIESREAD entries_read",
  "      Set the group's entries_read counter (internal use).",
  "CREATECONSUMER <key> <groupname> <consumer>",
  "    Create a new consumer in the specified group.",
  "DELCONSUMER <key> <groupname> <consumer>",
  "    Remove the specified consumer.",
  "DESTROY <key> <groupname>",
  "    Remove the specified group.",
  "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
  "    Set the current group ID and entries_read counter.",
  "HELP",
  "    Prints this help.",
];

/** `ERR unknown subcommand or wrong number of arguments for '<sub>'. Try <CMD> HELP.` */
export function subcommandSyntaxError(args: readonly string[]): ReplyError {
  return new ReplyError(
    `ERR unknown subcommand or wrong number of arguments for '${args[1].slice(0, 128)}'. Try ${
      args[0].toUpperCase()
    } HELP.`,
  );
}

/** `XGROUP CREATE|SETID|DESTROY|CREATECONSUMER|DELCONSUMER|HELP ...` */
export function xgroup(ctx: HandlerContext, args: readonly string[]): RedisReply {
  const sub = args[1];
  const create = isKeyword(sub, "CREATE");
  const setid = isKeyword(sub, "SETID");
  let s: StreamRow | undefined;
  let g: GroupRow | undefined;
  let mkstream = false;
  let entriesRead = -1;
  if (args.length >= 4) {
    if (create || setid) {
      for (let i = 5; i < args.length; i++) {
        if (create && isKeyword(args[i], "MKSTREAM")) {
          mkstream = true;
        } else if (isKeyword(args[i], "ENTRIESREAD") && i + 1 < args.length) {
          entriesRead = parseInteger(args[i + 1]);
          if (entriesRead < 0 && entriesRead !== -1) {
            throw new ReplyError("ERR value for ENTRIESREAD must be positive or -1");
          }
          checkCounter(entriesRead, "ENTRIESREAD");
          i++;
        } else {
          throw subcommandSyntaxError(args);
        }
      }
    }
    s = ctx.stream(args[2]);
    if (s === undefined && !mkstream) {
      throw new ReplyError(
        "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.",
      );
    }
    if (s !== undefined) g = findGroup(ctx, s.id, args[3]);
    if (
      g === undefined &&
      (setid || isKeyword(sub, "CREATECONSUMER") || isKeyword(sub, "DELCONSUMER"))
    ) {
      throw new ReplyError(
        `NOGROUP No such consumer group '${args[3]}' for key name '${args[2]}'`,
      );
    }
  }
  if (args.length === 2 && isKeyword(sub, "HELP")) return [...HELP];
  if (create && args.length >= 5 && args.length <= 8) {
    let id: IdParts;
    if (args[4] === "$") {
      id = s ? lastId(s) : { ms: 0, seq: 0 };
    } else {
      const parsed = parseStrictId(args[4]);
      id = parsed;
    }
    if (s === undefined) s = ctx.createStream(args[2]);
    else if (findGroup(ctx, s.id, args[3]) !== undefined) {
      throw new ReplyError("BUSYGROUP Consumer Group name already exists");
    }
    ctx.wrote = true;
    ctx.q(
      "INSERT INTO groups (key_id, name, last_ms, last_seq, entries_read) VALUES (?, ?, ?, ?, ?)",
    )
      .run(s.id, args[3], id.ms, id.seq, entriesRead);
    return "OK";
  }
  if (setid && (args.length === 5 || args.length === 7) && s && g) {
    let id: IdParts;
    if (args[4] === "$") {
      id = lastId(s);
    } else {
      const parsed = parseId(args[4], 0, false);
      id = parsed;
    }
    g.last_ms = id.ms;
    g.last_seq = id.seq;
    g.entries_read = entriesRead;
    saveGroup(ctx, g);
    return "OK";
  }
  if (isKeyword(sub, "DESTROY") && args.length === 4 && s) {
    if (g === undefined) return 0;
    ctx.wrote = true;
    ctx.q("DELETE FROM pel WHERE key_id = ? AND grp = ?").run(s.id, g.name);
    ctx.q("DELETE FROM consumers WHERE key_id = ? AND grp = ?").run(s.id, g.name);
    ctx.q("DELETE FROM groups WHERE key_id = ? AND name = ?").run(s.id, g.name);
    return 1;
  }
  if (isKeyword(sub, "CREATECONSUMER") && args.length === 5 && s && g) {
    const result = ctx.q(
      "INSERT OR IGNORE INTO consumers (key_id, grp, name, seen_time) VALUES (?, ?, ?, ?)",
    ).run(s.id, g.name, args[4], ctx.now);
    ctx.wrote = true;
    return Number(result.changes);
  }
  if (isKeyword(sub, "DELCONSUMER") && args.length === 5 && s && g) {
    const pending = Number(
      ctx.q("DELETE FROM pel WHERE key_id = ? AND grp = ? AND consumer = ?")
        .run(s.id, g.name, args[4]).changes,
    );
    ctx.q("DELETE FROM consumers WHERE key_id = ? AND grp = ? AND name = ?")
      .run(s.id, g.name, args[4]);
    ctx.wrote = true;
    return pending;
  }
  throw subcommandSyntaxError(args);
}

/** XGROUP's subcommands. */
export const GROUP_HANDLERS: readonly HandlerSpec[] = [
  handler("xgroup|create", -5, true, xgroup),
  handler("xgroup|setid", -5, true, xgroup),
  handler("xgroup|destroy", 4, true, xgroup),
  handler("xgroup|createconsumer", 5, true, xgroup),
  handler("xgroup|delconsumer", 5, true, xgroup),
  handler("xgroup|help", 2, false, xgroup),
];
