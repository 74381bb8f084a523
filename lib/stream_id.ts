/**
 * Stream IDs: `<ms>-<seq>`, two unsigned 64-bit integers.
 *
 * Parse, format and compare IDs, and check the special forms commands accept:
 * `*` (auto), `<ms>-*` (auto sequence), incomplete IDs (`<ms>` alone, which a
 * range reads as `<ms>-0` at the start and `<ms>-<max>` at the end), and
 * exclusive range bounds (`(<id>`).
 *
 * @module
 */

/** A parsed stream ID. */
export interface StreamId {
  /** Milliseconds part. */
  ms: bigint;
  /** Sequence part. */
  seq: bigint;
}

/**
 * The largest value of either part of an ID (2^64 − 1).
 *
 * @example The largest ID has no successor
 * ```ts
 * import { MAX_ID_PART, nextStreamId } from "@rstream/rstream";
 * import assert from "node:assert/strict";
 * assert.equal(MAX_ID_PART, 2n ** 64n - 1n);
 * assert.equal(nextStreamId(`${MAX_ID_PART}-${MAX_ID_PART}`), undefined);
 * ```
 */
export const MAX_ID_PART: bigint = 18446744073709551615n;

const PART = /^\d{1,20}$/;

function checkString(value: unknown, what: string): string {
  if (typeof value !== "string") {
    throw new TypeError(`${what} must be a string, got ${typeof value}`);
  }
  return value;
}

function parsePart(text: string, whole: string): bigint {
  if (!PART.test(text)) {
    throw new RangeError(`Invalid stream ID '${whole}': expected <ms>-<seq> with decimal numbers`);
  }
  const value = BigInt(text);
  if (value > MAX_ID_PART) {
    throw new RangeError(`Invalid stream ID '${whole}': a part exceeds 2^64-1`);
  }
  return value;
}

/**
 * Parses a stream ID. A complete ID is `<ms>-<seq>`; an incomplete one
 * (`<ms>`) is accepted when `incomplete` says how to fill the sequence.
 *
 * @example Parse and read the parts
 * ```ts
 * import { parseStreamId } from "@rstream/rstream";
 * import assert from "node:assert/strict";
 * const id = parseStreamId("1526919030474-55");
 * assert.ok(id.ms === 1526919030474n && id.seq === 55n);
 * assert.equal(parseStreamId("5", { incomplete: "end" }).seq, 18446744073709551615n);
 * ```
 *
 * @throws {TypeError} when `text` is not a string.
 * @throws {RangeError} naming the value when it is not a valid ID.
 */
export function parseStreamId(
  text: string,
  options: { incomplete?: "start" | "end" } = {},
): StreamId {
  checkString(text, "Stream ID");
  const dash = text.indexOf("-");
  if (dash === -1) {
    if (options.incomplete === undefined) {
      throw new RangeError(`Invalid stream ID '${text}': expected <ms>-<seq>`);
    }
    return { ms: parsePart(text, text), seq: options.incomplete === "start" ? 0n : MAX_ID_PART };
  }
  return { ms: parsePart(text.slice(0, dash), text), seq: parsePart(text.slice(dash + 1), text) };
}

/**
 * Formats a stream ID as `<ms>-<seq>`.
 *
 * @example Format parsed parts, and round-trip a parsed ID
 * ```ts
 * import { formatStreamId, parseStreamId } from "@rstream/rstream";
 * import assert from "node:assert/strict";
 * assert.equal(formatStreamId({ ms: 1n, seq: 2n }), "1-2");
 * assert.equal(formatStreamId(parseStreamId("1526919030474-55")), "1526919030474-55");
 * ```
 */
export function formatStreamId(id: StreamId): string {
  return `${id.ms}-${id.seq}`;
}

/**
 * Whether `text` is a complete stream ID (`<ms>-<seq>`).
 *
 * @example Incomplete IDs, `*` and out-of-range parts are not IDs
 * ```ts
 * import { isStreamId } from "@rstream/rstream";
 * import assert from "node:assert/strict";
 * assert.equal(isStreamId("1526919030474-0"), true);
 * assert.equal(isStreamId("1526919030474"), false);
 * assert.equal(isStreamId("*"), false);
 * assert.equal(isStreamId("18446744073709551616-0"), false);
 * ```
 */
export function isStreamId(text: string): boolean {
  try {
    parseStreamId(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * Compares two IDs (strings or parsed): negative when `a` sorts first, zero
 * when equal, positive when `a` sorts after `b`.
 *
 * @example Sort IDs numerically, not as text
 * ```ts
 * import { compareStreamIds } from "@rstream/rstream";
 * import assert from "node:assert/strict";
 * const ids = ["10-0", "9-1", "9-0"].sort(compareStreamIds);
 * assert.equal(ids.join(), "9-0,9-1,10-0");
 * ```
 */
export function compareStreamIds(a: string | StreamId, b: string | StreamId): number {
  const x = typeof a === "string" ? parseStreamId(a) : a;
  const y = typeof b === "string" ? parseStreamId(b) : b;
  if (x.ms !== y.ms) return x.ms < y.ms ? -1 : 1;
  if (x.seq !== y.seq) return x.seq < y.seq ? -1 : 1;
  return 0;
}

/**
 * The smallest ID greater than `id`, or `undefined` after the largest ID.
 * Used to page through a stream without repeating the last entry.
 *
 * @example The sequence counts up, then carries into the milliseconds
 * ```ts
 * import { nextStreamId } from "@rstream/rstream";
 * import assert from "node:assert/strict";
 * assert.equal(nextStreamId("5-1"), "5-2");
 * assert.equal(nextStreamId("5-18446744073709551615"), "6-0");
 * assert.equal(nextStreamId("18446744073709551615-18446744073709551615"), undefined);
 * ```
 */
export function nextStreamId(id: string): string | undefined {
  const { ms, seq } = parseStreamId(id);
  if (seq < MAX_ID_PART) return `${ms}-${seq + 1n}`;
  if (ms < MAX_ID_PART) return `${ms + 1n}-0`;
  return undefined;
}

/**
 * The largest ID smaller than `id`, or `undefined` before `0-0`.
 *
 * @example The sequence counts down, then borrows from the milliseconds
 * ```ts
 * import { previousStreamId } from "@rstream/rstream";
 * import assert from "node:assert/strict";
 * assert.equal(previousStreamId("5-1"), "5-0");
 * assert.equal(previousStreamId("5-0"), "4-18446744073709551615");
 * assert.equal(previousStreamId("0-0"), undefined);
 * ```
 */
export function previousStreamId(id: string): string | undefined {
  const { ms, seq } = parseStreamId(id);
  if (seq > 0n) return `${ms}-${seq - 1n}`;
  if (ms > 0n) return `${ms - 1n}-${MAX_ID_PART}`;
  return undefined;
}

/**
 * Checks an ID given to XADD: `*`, `<ms>-*` or `<ms>-<seq>` (not `0-0`).
 *
 * @example Auto IDs and explicit ones above 0-0
 * ```ts
 * import { checkAddId } from "@rstream/rstream";
 * import assert from "node:assert/strict";
 * assert.equal(checkAddId("*"), "*");
 * assert.equal(checkAddId("1526919030474-*"), "1526919030474-*");
 * assert.equal(checkAddId("1526919030474-0"), "1526919030474-0");
 * assert.throws(() => checkAddId("0-0"), /XADD needs an ID greater than 0-0/);
 * assert.throws(() => checkAddId("1526919030474"), RangeError);
 * ```
 *
 * @throws {RangeError} naming the value otherwise.
 */
export function checkAddId(id: string): string {
  checkString(id, "Stream ID");
  if (id === "*") return id;
  if (id.endsWith("-*")) {
    parsePart(id.slice(0, -2), id);
    return id;
  }
  const parsed = parseStreamId(id);
  if (parsed.ms === 0n && parsed.seq === 0n) {
    throw new RangeError(`Invalid stream ID '${id}': XADD needs an ID greater than 0-0`);
  }
  return id;
}

/**
 * Checks a range bound: `-`, `+`, a complete or incomplete ID, optionally
 * prefixed with `(` for an exclusive bound.
 *
 * @example Open ends, exclusive and incomplete bounds
 * ```ts
 * import { checkRangeBound } from "@rstream/rstream";
 * import assert from "node:assert/strict";
 * for (const bound of ["-", "+", "(1526919030474-0", "1526919030474"]) {
 *   assert.equal(checkRangeBound(bound), bound);
 * }
 * assert.throws(() => checkRangeBound("$"), /Invalid range bound '\$'/);
 * assert.throws(() => checkRangeBound("(-"), RangeError);
 * ```
 *
 * @throws {RangeError} naming the value otherwise.
 */
export function checkRangeBound(bound: string): string {
  checkString(bound, "Range bound");
  if (bound === "-" || bound === "+") return bound;
  const id = bound.startsWith("(") ? bound.slice(1) : bound;
  try {
    parseStreamId(id, { incomplete: "start" });
  } catch {
    throw new RangeError(
      `Invalid range bound '${bound}': expected -, +, an ID like 1526919030474-0 or 1526919030474, optionally prefixed with (`,
    );
  }
  return bound;
}

/**
 * Checks a read position for XREAD/XREADGROUP: `$` (new entries only), `>`
 * (group: never delivered), `+` (XREAD: the last entry) or an ID. Which of
 * `$`, `>` and `+` are accepted is `allowed` (default `$` only).
 *
 * @example `>` passes only where it is allowed
 * ```ts
 * import { checkReadId } from "@rstream/rstream";
 * import assert from "node:assert/strict";
 * assert.equal(checkReadId("$"), "$");
 * assert.equal(checkReadId("1526919030474"), "1526919030474");
 * assert.equal(checkReadId(">", [">"]), ">");
 * assert.throws(() => checkReadId(">"), /expected \$ or an ID/);
 * ```
 *
 * @throws {RangeError} naming the value otherwise.
 */
export function checkReadId(id: string, allowed: readonly string[] = ["$"]): string {
  checkString(id, "Stream ID");
  if (allowed.includes(id)) return id;
  try {
    parseStreamId(id, { incomplete: "start" });
  } catch {
    throw new RangeError(
      `Invalid stream ID '${id}': expected ${
        allowed.length ? `${allowed.join(", ")} or ` : ""
      }an ID like 1526919030474-0`,
    );
  }
  return id;
}

/**
 * The time an ID's milliseconds part stands for (auto-generated IDs carry
 * the time of the add).
 *
 * @example When an entry was added
 * ```ts
 * import { streamIdDate } from "@rstream/rstream";
 * import assert from "node:assert/strict";
 * assert.equal(streamIdDate("1526919030474-55").toISOString(), "2018-05-21T16:10:30.474Z");
 * assert.equal(streamIdDate("1526919030474").getTime(), 1526919030474);
 * ```
 */
export function streamIdDate(id: string): Date {
  return new Date(Number(parseStreamId(id, { incomplete: "start" }).ms));
}
