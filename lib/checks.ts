/**
 * The argument checks every layer shares: names, counts, ID lists and group
 * start positions. Bad values throw `TypeError`/`RangeError` naming the value,
 * before anything is sent.
 *
 * @module
 */

import { checkReadId } from "./stream_id.ts";

/**
 * Checks a count-like option: a safe integer at least `min`.
 *
 * @example Accept a count, reject zero, fractions and strings
 * ```ts
 * import { checkInteger } from "@rstream/rstream";
 * import assert from "node:assert/strict";
 * assert.equal(checkInteger(10, "count", 1), 10);
 * assert.throws(() => checkInteger(0, "count", 1), /count must be an integer >= 1, got 0/);
 * assert.throws(() => checkInteger(1.5, "count"), RangeError);
 * assert.throws(() => checkInteger("10", "count"), /count must be a number, got "10"/);
 * ```
 *
 * @throws {TypeError} when it is not a number.
 * @throws {RangeError} naming the value when it is fractional or below `min`.
 */
export function checkInteger(value: unknown, name: string, min = 0): number {
  if (typeof value !== "number" || Number.isNaN(value)) {
    // JSON.stringify shows NaN as null and throws on a bigint.
    const shown = typeof value === "number"
      ? "NaN"
      : typeof value === "bigint"
      ? `${value}n`
      : JSON.stringify(value) ?? typeof value;
    throw new TypeError(`${name} must be a number, got ${shown}`);
  }
  if (!Number.isSafeInteger(value) || value < min) {
    throw new RangeError(`${name} must be an integer >= ${min}, got ${value}`);
  }
  return value;
}

/**
 * Checks a stream, group or consumer name: a non-empty string.
 *
 * @example An empty name is a RangeError, a number a TypeError
 * ```ts
 * import { checkName } from "@rstream/rstream";
 * import assert from "node:assert/strict";
 * assert.equal(checkName("workers", "Group name"), "workers");
 * assert.throws(() => checkName("", "Group name"), /Group name must not be empty/);
 * assert.throws(() => checkName(7, "Group name"), TypeError);
 * ```
 *
 * @throws {TypeError} when it is not a string.
 * @throws {RangeError} when it is empty.
 */
export function checkName(value: unknown, what: string): string {
  if (typeof value !== "string") {
    throw new TypeError(`${what} must be a string, got ${typeof value}`);
  }
  if (value === "") throw new RangeError(`${what} must not be empty`);
  return value;
}

/**
 * Checks a list of entry IDs (XACK, XDEL): an array of IDs like
 * `1526919030474-0` (or incomplete, `1526919030474`).
 *
 * @example Complete and incomplete IDs pass; the first bad one is named
 * ```ts
 * import { checkIds } from "@rstream/rstream";
 * import assert from "node:assert/strict";
 * assert.deepEqual(checkIds(["1-0", "1526919030474"], "ack()"), ["1-0", "1526919030474"]);
 * assert.throws(() => checkIds(["1-0", "one"], "ack()"), /Invalid stream ID 'one'/);
 * assert.throws(() => checkIds("1-0" as unknown as string[], "ack()"), TypeError);
 * ```
 *
 * @throws {TypeError} when it is not an array of strings.
 * @throws {RangeError} naming the first bad ID.
 */
export function checkIds(ids: readonly string[], what: string): readonly string[] {
  if (!Array.isArray(ids)) {
    throw new TypeError(`${what} takes an array of IDs, got ${typeof ids}`);
  }
  for (const id of ids) checkReadId(id, []);
  return ids;
}

/**
 * Checks where a group starts or moves to: `$` or an ID (`0` included).
 *
 * @example `$` and `0` are starts; `>` is only a read position
 * ```ts
 * import { checkGroupStart } from "@rstream/rstream";
 * import assert from "node:assert/strict";
 * assert.equal(checkGroupStart("$"), "$");
 * assert.equal(checkGroupStart("0"), "0");
 * assert.throws(() => checkGroupStart(">"), RangeError);
 * ```
 *
 * @throws {RangeError} naming the value otherwise.
 */
export function checkGroupStart(id: string): string {
  return checkReadId(id, ["$"]);
}
