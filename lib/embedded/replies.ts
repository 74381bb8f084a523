/**
 * Redis's own error replies and argument parsers shared by the embedded
 * command handlers, with the exact texts Redis 7.0 sends.
 *
 * @module
 */

import { ReplyError } from "../errors.ts";

/** `ERR syntax error`. */
export function syntaxError(): ReplyError {
  return new ReplyError("ERR syntax error");
}

/** `WRONGTYPE Operation against a key holding the wrong kind of value`. */
export function wrongTypeError(): ReplyError {
  return new ReplyError("WRONGTYPE Operation against a key holding the wrong kind of value");
}

/** `ERR value is not an integer or out of range`. */
export function notIntegerError(): ReplyError {
  return new ReplyError("ERR value is not an integer or out of range");
}

/** `ERR Invalid stream ID specified as stream command argument`. */
export function invalidStreamIdError(): ReplyError {
  return new ReplyError("ERR Invalid stream ID specified as stream command argument");
}

/** `ERR wrong number of arguments for '<name>' command`. */
export function arityError(fullName: string): ReplyError {
  return new ReplyError(`ERR wrong number of arguments for '${fullName}' command`);
}

/** The NOGROUP error of XPENDING, XCLAIM and XAUTOCLAIM. */
export function noGroupError(key: string, group: string): ReplyError {
  return new ReplyError(`NOGROUP No such key '${key}' or consumer group '${group}'`);
}

/** Redis replaces newlines in error texts by spaces. */
export function sanitizeErrorText(text: string): string {
  return text.replace(/[\r\n]/g, " ");
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * Parses a signed 64-bit integer like Redis's `string2ll` (no blanks, no `+`,
 * no leading zeros). Values past 2^53 lose precision, which no caller needs.
 *
 * @throws {ReplyError} `message` (default `ERR value is not an integer or out of range`)
 */
export function parseInteger(text: string, message?: string): number {
  if (/^(0|-?[1-9][0-9]{0,18})$/.test(text)) {
    if (text.length < 16) return Number(text);
    const value = BigInt(text);
    if (value >= INT64_MIN && value <= INT64_MAX) return Number(value);
  }
  throw message === undefined ? notIntegerError() : new ReplyError(`ERR ${message}`);
}

/**
 * The largest counter the embedded store takes from a command (entries added
 * or read, a delivery count): 2^52, so that counting on from it stays within
 * JavaScript's exact integers, which node:sqlite reads back (Redis takes up
 * to 2^63 - 1).
 */
export const MAX_COUNTER = 2 ** 52;

/** Refuses a counter above {@linkcode MAX_COUNTER}, naming it; returns it otherwise. */
export function checkCounter(value: number, what: string): number {
  if (value > MAX_COUNTER) {
    throw new ReplyError(
      `ERR The embedded store keeps ${what} up to ${MAX_COUNTER}; use Redis for larger values`,
    );
  }
  return value;
}

/** Case-insensitive keyword comparison (`keyword` given in upper case). */
export function isKeyword(text: string, keyword: string): boolean {
  if (text.length !== keyword.length) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c >= 97 && c <= 122 ? c - 32 : c) !== keyword.charCodeAt(i)) return false;
  }
  return true;
}

/** ASCII-only lower case, as Redis's command lookup folds names. */
export function asciiLower(text: string): string {
  return text.replace(/[A-Z]+/g, (s) => s.toLowerCase());
}

/**
 * Refuses a NUL character in `args[1 .. end)`: SQLite TEXT would cut the
 * string there, so the embedded store would find or list another name.
 *
 * @throws {ReplyError} naming the limit.
 */
export function checkNoNul(args: readonly string[], end: number): void {
  for (let i = 1; i < end; i++) {
    if (args[i]!.includes("\0")) {
      throw new ReplyError(
        "ERR the embedded store does not accept NUL characters in keys, names or string values; use Redis for those",
      );
    }
  }
}
