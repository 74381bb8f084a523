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

/** Checks a stream, group or consumer name: a non-empty string. */
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

/** Checks where a group starts or moves to: `$` or an ID (`0` included). */
export function checkGroupStart(id: string): string {
  return checkReadId(id, ["$"]);
}
