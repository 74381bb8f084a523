/**
 * RESTORE for the embedded backend: a `DUMP` payload from Redis (5.0 to 7.4)
 * becomes a key of the embedded store, with Redis 7.0's options, checks and
 * error texts. Strings and streams are restored; a stream keeps its entries,
 * last ID, entries-added and max-deleted-entry-id counters, groups (last
 * delivered ID, entries-read), consumers (seen-time) and pending entries
 * (consumer, delivery time and count). A payload from before Redis 7.0 has no
 * counters: as in Redis, entries-added is the length and each group's
 * entries-read is estimated from its last delivered ID.
 *
 * The payload is binary: over the Redis protocol (`rstream serve`) it is read
 * byte for byte; through `send()` it is given as a binary string, one
 * character (U+0000 to U+00FF) per byte. Keys never expire here, so a TTL
 * other than 0 is refused.
 *
 * @module
 */

import type { RedisReply } from "../connection.ts";
import { ReplyError } from "../errors.ts";
import { _DumpPayloadError, _readDumpPayload } from "./_dump_payload.ts";
import { estimateEntriesRead } from "./groups.ts";
import type { HandlerContext } from "./handler_context.ts";
import { handler, type HandlerSpec } from "./handler.ts";
import { nodeAppend } from "./nodes.ts";
import { checkNoNul, isKeyword, parseInteger, syntaxError } from "./replies.ts";

/**
 * The bytes of a binary string (one character per byte).
 *
 * @example
 * ```ts
 * import { binaryStringBytes } from "./restore.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(binaryStringBytes("\x00\xff"), new Uint8Array([0, 255]));
 * ```
 */
export function binaryStringBytes(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 0xff) throw new ReplyError("ERR DUMP payload version or checksum are wrong");
    bytes[i] = code;
  }
  return bytes;
}

/** `RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency]` */
export function restore(ctx: HandlerContext, args: readonly string[]): RedisReply {
  let replace = false;
  let idle = -1;
  let freq = -1;
  for (let j = 4; j < args.length; j++) {
    const more = args.length - j - 1;
    if (isKeyword(args[j]!, "REPLACE")) {
      replace = true;
    } else if (isKeyword(args[j]!, "ABSTTL")) {
      // a TTL other than 0 is refused below either way
    } else if (isKeyword(args[j]!, "IDLETIME") && more >= 1 && freq === -1) {
      idle = parseInteger(args[++j]!);
      if (idle < 0) throw new ReplyError("ERR Invalid IDLETIME value, must be >= 0");
    } else if (isKeyword(args[j]!, "FREQ") && more >= 1 && idle === -1) {
      freq = parseInteger(args[++j]!);
      if (freq < 0 || freq > 255) {
        throw new ReplyError("ERR Invalid FREQ value, must be >= 0 and <= 255");
      }
    } else {
      throw syntaxError();
    }
  }
  const existing = ctx.key(args[1]!);
  if (!replace && existing !== undefined) {
    throw new ReplyError("BUSYKEY Target key name already exists.");
  }
  const ttl = parseInteger(args[2]!);
  if (ttl < 0) throw new ReplyError("ERR Invalid TTL value, must be >= 0");
  let value;
  try {
    value = _readDumpPayload(binaryStringBytes(args[3]!));
  } catch (error) {
    if (error instanceof _DumpPayloadError) throw new ReplyError(`ERR ${error.message}`);
    throw error;
  }
  if (ttl !== 0) {
    throw new ReplyError(
      "ERR The embedded store does not expire keys (RESTORE with a TTL); restore with TTL 0, or use Redis for expiring keys",
    );
  }
  const names = value.type === "string"
    ? [value.value]
    : value.groups.flatMap((g) => [g.name, ...g.consumers.map((c) => c.name)]);
  checkNoNul(["", ...names], names.length + 1);
  if (existing !== undefined) ctx.deleteKey(existing.id);
  ctx.wrote = true;
  if (value.type === "string") {
    ctx.q("INSERT INTO keys (name, type, value) VALUES (?, 'string', ?)").run(
      args[1]!,
      value.value,
    );
    return "OK";
  }
  const s = ctx.createStream(args[1]!);
  for (const entry of value.entries) {
    ctx.q("INSERT INTO entries (key_id, ms, seq, fields) VALUES (?, ?, ?, ?)")
      .run(s.id, entry.id.ms, entry.id.seq, JSON.stringify(entry.fields));
    nodeAppend(ctx, s.id, entry.id, entry.fields);
  }
  s.length = value.length;
  s.last_ms = value.lastId.ms;
  s.last_seq = value.lastId.seq;
  s.entries_added = value.entriesAdded;
  s.max_del_ms = value.maxDeletedId.ms;
  s.max_del_seq = value.maxDeletedId.seq;
  ctx.saveStream(s);
  for (const group of value.groups) {
    const entriesRead = group.entriesRead ?? estimateEntriesRead(ctx, s, group.lastId);
    ctx.q(
      "INSERT INTO groups (key_id, name, last_ms, last_seq, entries_read) VALUES (?, ?, ?, ?, ?)",
    ).run(s.id, group.name, group.lastId.ms, group.lastId.seq, entriesRead);
    for (const consumer of group.consumers) {
      ctx.q("INSERT INTO consumers (key_id, grp, name, seen_time) VALUES (?, ?, ?, ?)")
        .run(s.id, group.name, consumer.name, consumer.seenTime);
    }
    for (const p of group.pending) {
      ctx.q(
        `INSERT INTO pel (key_id, grp, ms, seq, consumer, delivery_time, delivery_count)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ).run(s.id, group.name, p.id.ms, p.id.seq, p.consumer, p.deliveryTime, p.deliveryCount);
    }
  }
  return "OK";
}

/** The RESTORE command. */
export const RESTORE_HANDLERS: readonly HandlerSpec[] = [
  handler("restore", -4, true, restore),
];
