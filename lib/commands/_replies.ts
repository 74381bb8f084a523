/**
 * Reading the reply shapes several commands share (RESP2, as both backends
 * answer): field lists, entries, XREAD results and flat maps.
 *
 * @module
 */

import type { RedisReply } from "../connection.ts";
import type { Fields, GroupEntry, StreamEntry, StreamRead } from "../types.ts";

/** A `TypeError` for a reply of an unexpected shape, showing the reply. */
export function unexpected(what: string, reply: unknown): TypeError {
  return new TypeError(`Unexpected ${what} reply: ${JSON.stringify(reply)?.slice(0, 200)}`);
}

/** The reply as an array, or a `TypeError` naming `what`. */
export function array(reply: RedisReply | undefined, what: string): RedisReply[] {
  if (!Array.isArray(reply)) throw unexpected(what, reply);
  return reply;
}

/** A number from an integer or a numeric string. */
export function num(value: RedisReply | undefined): number {
  return typeof value === "number" ? value : Number(value);
}

/** A number, or `null` for nil. */
export function numOrNull(value: RedisReply | undefined): number | null {
  return value === null || value === undefined ? null : num(value);
}

/**
 * `["f1","v1","f2","v2"]` → `{f1:"v1",f2:"v2"}` (a later duplicate field wins).
 *
 * @example Pairs become an object; a repeated field keeps its last value
 * ```ts
 * import { parseFields } from "@rstream/rstream/commands";
 * import assert from "node:assert/strict";
 * assert.deepEqual(parseFields(["temp", "0.42", "unit", "C"]), { temp: "0.42", unit: "C" });
 * assert.deepEqual(parseFields(["temp", "0.41", "temp", "0.42"]), { temp: "0.42" });
 * ```
 */
export function parseFields(reply: RedisReply): Fields {
  const flat = array(reply, "fields");
  const fields: Fields = {};
  for (let i = 0; i + 1 < flat.length; i += 2) fields[String(flat[i])] = String(flat[i + 1]);
  return fields;
}

/**
 * `[id, [f, v, …]]` → entry; a `null` fields part (deleted while pending) stays `null`.
 *
 * @example An entry, and one deleted while pending
 * ```ts
 * import { parseGroupEntry } from "@rstream/rstream/commands";
 * import assert from "node:assert/strict";
 * assert.deepEqual(parseGroupEntry(["1-0", ["temp", "0.42"]]), {
 *   id: "1-0",
 *   fields: { temp: "0.42" },
 * });
 * assert.deepEqual(parseGroupEntry(["2-0", null]), { id: "2-0", fields: null });
 * ```
 */
export function parseGroupEntry(reply: RedisReply): GroupEntry {
  const [id, fields] = array(reply, "entry");
  return { id: String(id), fields: fields === null ? null : parseFields(fields!) };
}

/**
 * XRANGE/XREVRANGE/XCLAIM reply → entries (deleted ones left out).
 *
 * @example Deleted entries are left out
 * ```ts
 * import { parseEntries } from "@rstream/rstream/commands";
 * import assert from "node:assert/strict";
 * assert.deepEqual(parseEntries([["1-0", ["temp", "0.4"]], ["2-0", null]]), [
 *   { id: "1-0", fields: { temp: "0.4" } },
 * ]);
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

/**
 * XREAD/XREADGROUP reply (or `null` on timeout) → one result per stream.
 *
 * @example A timeout reads as no results
 * ```ts
 * import { parseReadReply } from "@rstream/rstream/commands";
 * import assert from "node:assert/strict";
 * assert.deepEqual(parseReadReply(null), []);
 * assert.deepEqual(parseReadReply([["s", [["1-0", ["a", "1"]]]]]), [
 *   { stream: "s", entries: [{ id: "1-0", fields: { a: "1" } }] },
 * ]);
 * ```
 */
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

/**
 * A flat `[k1, v1, k2, v2]` reply → a map.
 *
 * @example Values keep their reply types
 * ```ts
 * import { parsePairs } from "@rstream/rstream/commands";
 * import assert from "node:assert/strict";
 * const map = parsePairs(["length", 2, "last-generated-id", "5-0"]);
 * assert.equal(map.get("length"), 2);
 * assert.equal(map.get("last-generated-id"), "5-0");
 * ```
 */
export function parsePairs(reply: RedisReply): Map<string, RedisReply> {
  const flat = array(reply, "map");
  const map = new Map<string, RedisReply>();
  for (let i = 0; i + 1 < flat.length; i += 2) map.set(String(flat[i]), flat[i + 1]!);
  return map;
}
