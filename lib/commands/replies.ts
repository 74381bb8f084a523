/**
 * Pure parsers of stream command replies (RESP2 shapes, as both backends
 * answer). They are tested against exact arrays, without a server.
 *
 * @module
 */

import type { RedisReply } from "../connection.ts";
import type {
  AutoClaimResult,
  ConsumerInfo,
  Fields,
  GroupEntry,
  GroupInfo,
  PendingEntry,
  PendingSummary,
  StreamEntry,
  StreamRead,
} from "../store.ts";

function unexpected(what: string, reply: unknown): TypeError {
  return new TypeError(`Unexpected ${what} reply: ${JSON.stringify(reply)?.slice(0, 200)}`);
}

function array(reply: RedisReply, what: string): RedisReply[] {
  if (!Array.isArray(reply)) throw unexpected(what, reply);
  return reply;
}

/** `["f1","v1","f2","v2"]` → `{f1:"v1",f2:"v2"}` (a later duplicate field wins). */
export function parseFields(reply: RedisReply): Fields {
  const flat = array(reply, "fields");
  const fields: Fields = {};
  for (let i = 0; i + 1 < flat.length; i += 2) fields[String(flat[i])] = String(flat[i + 1]);
  return fields;
}

/** `[id, [f, v, …]]` → entry; a `null` fields part (deleted while pending) stays `null`. */
export function parseGroupEntry(reply: RedisReply): GroupEntry {
  const [id, fields] = array(reply, "entry");
  return { id: String(id), fields: fields === null ? null : parseFields(fields!) };
}

/**
 * XRANGE/XREVRANGE/XCLAIM reply → entries.
 *
 * @example
 * ```ts
 * import { parseEntries } from "@rstream/rstream";
 * const entries = parseEntries([["1-0", ["temp", "0.4"]]]);
 * console.assert(entries[0].id === "1-0" && entries[0].fields.temp === "0.4");
 * ```
 */
export function parseEntries(reply: RedisReply): StreamEntry[] {
  const out: StreamEntry[] = [];
  for (const item of array(reply, "entries")) {
    const entry = parseGroupEntry(item);
    if (entry.fields !== null) out.push(entry as StreamEntry);
  }
  return out;
}

/** XREAD/XREADGROUP reply (or `null` on timeout) → one result per stream. */
export function parseReadReply(reply: RedisReply): StreamRead<GroupEntry>[] {
  if (reply === null) return [];
  return array(reply, "XREAD").map((item) => {
    const [stream, entries] = array(item, "XREAD stream");
    return {
      stream: String(stream),
      entries: array(entries!, "XREAD entries").map(parseGroupEntry),
    };
  });
}

/** A flat `[k1, v1, k2, v2]` reply → a map. */
export function parsePairs(reply: RedisReply): Map<string, RedisReply> {
  const flat = array(reply, "map");
  const map = new Map<string, RedisReply>();
  for (let i = 0; i + 1 < flat.length; i += 2) map.set(String(flat[i]), flat[i + 1]!);
  return map;
}

function num(value: RedisReply | undefined): number {
  return typeof value === "number" ? value : Number(value);
}

function numOrNull(value: RedisReply | undefined): number | null {
  return value === null || value === undefined ? null : num(value);
}

/** One XINFO GROUPS item → group info. */
export function parseGroupInfo(reply: RedisReply): GroupInfo {
  const map = parsePairs(reply);
  return {
    name: String(map.get("name")),
    consumers: num(map.get("consumers")),
    pending: num(map.get("pending")),
    lastDeliveredId: String(map.get("last-delivered-id")),
    entriesRead: numOrNull(map.get("entries-read")),
    lag: numOrNull(map.get("lag")),
  };
}

/** One XINFO CONSUMERS item → consumer info. */
export function parseConsumerInfo(reply: RedisReply): ConsumerInfo {
  const map = parsePairs(reply);
  const info: ConsumerInfo = {
    name: String(map.get("name")),
    pending: num(map.get("pending")),
    idleMs: num(map.get("idle")),
  };
  if (map.has("inactive")) info.inactiveMs = num(map.get("inactive"));
  return info;
}

/** XPENDING summary reply → summary. */
export function parsePendingSummary(reply: RedisReply): PendingSummary {
  const [count, smallest, greatest, consumers] = array(reply, "XPENDING");
  return {
    count: num(count),
    smallestId: smallest === null ? null : String(smallest),
    greatestId: greatest === null ? null : String(greatest),
    consumers: consumers === null || consumers === undefined
      ? []
      : array(consumers, "XPENDING consumers").map((pair) => {
        const [name, pending] = array(pair, "XPENDING consumer");
        return { name: String(name), pending: num(pending) };
      }),
  };
}

/** Extended XPENDING reply → entries. */
export function parsePendingEntries(reply: RedisReply): PendingEntry[] {
  return array(reply, "XPENDING").map((item) => {
    const [id, consumer, idle, deliveries] = array(item, "XPENDING entry");
    return {
      id: String(id),
      consumer: String(consumer),
      idleMs: num(idle),
      deliveries: num(deliveries),
    };
  });
}

/** XAUTOCLAIM reply (Redis 7: next start, entries, deleted IDs) → result. */
export function parseAutoClaim(reply: RedisReply): AutoClaimResult {
  const [next, entries, deleted] = array(reply, "XAUTOCLAIM");
  return {
    nextStart: String(next),
    entries: parseEntries(entries!),
    deletedIds: deleted === undefined || deleted === null
      ? []
      : array(deleted, "XAUTOCLAIM deleted").map(String),
  };
}
