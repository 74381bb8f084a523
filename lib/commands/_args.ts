/**
 * Argument pieces several commands share: an entry's fields, the trimming
 * clause of XADD and XTRIM, and the STREAMS clause of XREAD and XREADGROUP.
 * They check their input and throw `TypeError`/`RangeError` naming the value.
 *
 * @module
 */

import { checkInteger, checkName } from "../checks.ts";
import { checkRangeBound, checkReadId } from "../stream_id.ts";
import type { Fields, TrimOptions } from "../types.ts";

/**
 * Flattens fields to `field value …`, checking they are strings.
 *
 * @example Fields in order; numbers and empty entries are refused
 * ```ts
 * import { fieldArgs } from "@rstream/rstream/commands";
 * import assert from "node:assert/strict";
 * assert.deepEqual(
 *   fieldArgs({ sensor_id: "sensor2", temp: "0.42" }),
 *   ["sensor_id", "sensor2", "temp", "0.42"],
 * );
 * assert.throws(() => fieldArgs({ temp: 0.42 } as never), /Field 'temp' must be a string/);
 * assert.throws(() => fieldArgs({}), RangeError);
 * ```
 */
export function fieldArgs(fields: Fields): string[] {
  if (fields === null || typeof fields !== "object" || Array.isArray(fields)) {
    throw new TypeError(`Fields must be an object of string values`);
  }
  const out: string[] = [];
  for (const key in fields) {
    const value = fields[key];
    if (typeof value !== "string") {
      throw new TypeError(
        `Field '${key}' must be a string, got ${typeof value}; convert it (String(x)) or use the JSON codec`,
      );
    }
    out.push(key, value);
  }
  if (out.length === 0) throw new RangeError("An entry needs at least one field");
  return out;
}

/**
 * The `MAXLEN|MINID [=|~] threshold [LIMIT n]` part of XADD and XTRIM.
 *
 * @example Exact or approximate trimming; LIMIT only with `~`
 * ```ts
 * import { trimArgs } from "@rstream/rstream/commands";
 * import assert from "node:assert/strict";
 * assert.deepEqual(trimArgs({ maxLen: 1000 }), ["MAXLEN", "1000"]);
 * assert.deepEqual(
 *   trimArgs({ minId: "1000", approximate: true, limit: 10 }),
 *   ["MINID", "~", "1000", "LIMIT", "10"],
 * );
 * assert.deepEqual(trimArgs({}), []);
 * assert.throws(() => trimArgs({}, true), /Trimming needs maxLen or minId/);
 * assert.throws(() => trimArgs({ maxLen: 10, limit: 5 }), /limit needs approximate trimming/);
 * ```
 */
export function trimArgs(options: TrimOptions, required = false): string[] {
  const { maxLen, minId, approximate, limit } = options;
  if (maxLen !== undefined && minId !== undefined) {
    throw new TypeError("Give either maxLen or minId, not both");
  }
  if (maxLen === undefined && minId === undefined) {
    if (required) throw new TypeError("Trimming needs maxLen or minId");
    if (limit !== undefined) throw new TypeError("limit needs maxLen or minId");
    return [];
  }
  const out = maxLen !== undefined
    ? ["MAXLEN", ...(approximate ? ["~"] : []), String(checkInteger(maxLen, "maxLen"))]
    : ["MINID", ...(approximate ? ["~"] : []), checkRangeBound(minId!)];
  if (minId !== undefined && (minId.startsWith("(") || minId === "-" || minId === "+")) {
    throw new RangeError(`Invalid minId '${minId}': expected an ID like 1526919030474-0`);
  }
  if (limit !== undefined) {
    if (!approximate) throw new TypeError("limit needs approximate trimming (~)");
    out.push("LIMIT", String(checkInteger(limit, "limit")));
  }
  return out;
}

/**
 * The `STREAMS names… ids…` clause of XREAD/XREADGROUP.
 *
 * @example One stream with the default ID, or several with their own
 * ```ts
 * import { streamsArgs } from "@rstream/rstream/commands";
 * import assert from "node:assert/strict";
 * assert.deepEqual(streamsArgs("a", "$", ["$"]), ["STREAMS", "a", "$"]);
 * assert.deepEqual(streamsArgs({ a: "0", b: "5-0" }, "$", ["$"]), ["STREAMS", "a", "b", "0", "5-0"]);
 * ```
 */
export function streamsArgs(
  streams: string | Record<string, string>,
  defaultId: string,
  allowed: readonly string[],
): string[] {
  const pairs: [string, string][] = typeof streams === "string"
    ? [[streams, defaultId]]
    : Object.entries(streams);
  if (pairs.length === 0) throw new RangeError("Read at least one stream");
  const names = pairs.map(([name]) => checkName(name, "Stream name"));
  const ids = pairs.map(([, id]) => checkReadId(id, allowed));
  return ["STREAMS", ...names, ...ids];
}
