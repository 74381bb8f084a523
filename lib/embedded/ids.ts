/**
 * Stream IDs for the embedded backend: parsing exactly as Redis 7.0 parses
 * them, formatting, comparing and generating the next ID.
 *
 * An ID is `<ms>-<seq>`, two unsigned 64-bit integers, as in Redis, and the
 * embedded store takes any of them. In JavaScript a part up to 2^53 - 1 is a
 * number and a larger one a bigint ({@linkcode IdPart}): each value has one
 * form, so `===` and `<` compare parts of either form. In SQLite a number part
 * is an INTEGER and a larger one an 8-byte big-endian BLOB
 * ({@linkcode toSqlPart}): SQLite orders every INTEGER before every BLOB and
 * BLOBs byte by byte, so `ORDER BY ms, seq` and `(ms, seq) < (?, ?)` keep the
 * order of the full 64-bit range.
 *
 * @module
 */

import { ReplyError } from "../errors.ts";
import { invalidStreamIdError } from "./replies.ts";

/** One part of an ID: a number up to 2^53 - 1, a bigint above it. */
export type IdPart = number | bigint;

/** One stream ID: milliseconds part and sequence part. */
export interface IdParts {
  ms: IdPart;
  seq: IdPart;
}

/** The largest part, 2^64 - 1. */
export const U64_MAX = 18446744073709551615n;

const SAFE_MAX = BigInt(Number.MAX_SAFE_INTEGER);

/** The smallest ID, `0-0`. */
export const MIN_ID: Readonly<IdParts> = Object.freeze({ ms: 0, seq: 0 });
/** The largest ID, 2^64-1-2^64-1 (what `+` means). */
export const MAX_ID: Readonly<IdParts> = Object.freeze({ ms: U64_MAX, seq: U64_MAX });

/** A part in its one form: a number up to 2^53 - 1, else a bigint. */
export function toPart(value: bigint): IdPart {
  return value > SAFE_MAX ? value : Number(value);
}

/** `part + 1` (callers check `part` is below 2^64 - 1). */
export function nextPart(part: IdPart): IdPart {
  return typeof part === "number" && part < Number.MAX_SAFE_INTEGER ? part + 1 : BigInt(part) + 1n;
}

/** `part - 1` (callers check `part` is above 0). */
export function previousPart(part: IdPart): IdPart {
  return typeof part === "number" ? part - 1 : toPart(part - 1n);
}

/** How a part is stored in SQLite: an INTEGER when a number, an 8-byte big-endian BLOB else. */
export function toSqlPart(part: IdPart): number | Uint8Array {
  if (typeof part === "number") return part;
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigUint64(0, part);
  return bytes;
}

/** A part read from SQLite (INTEGER or 8-byte BLOB). */
export function fromSqlPart(value: number | Uint8Array): IdPart {
  if (typeof value === "number") return value;
  return new DataView(value.buffer, value.byteOffset, value.byteLength).getBigUint64(0);
}

/** A parsed ID, with whether the sequence was given and whether it was 2^64-1-2^64-1. */
export interface ParsedId extends IdParts {
  /** False for the `<ms>-*` form of XADD. */
  seqGiven: boolean;
  /** True when both parts are exactly 2^64 - 1 (what `+` means in Redis). */
  isU64Max: boolean;
}

const isSpace = (c: string) =>
  c === " " || c === "\t" || c === "\n" || c === "\v" || c === "\f" || c === "\r";

/**
 * Redis's `string2ull`: strict decimal first, then `strtoull` leniency
 * (leading blanks, a sign, leading zeros). Returns a bigint or undefined.
 */
export function parseU64(text: string): bigint | undefined {
  if (/^(0|-?[1-9][0-9]*)$/.test(text)) {
    const value = BigInt(text);
    if (value >= -(2n ** 63n) && value < 2n ** 63n) return value < 0n ? undefined : value;
  }
  let i = 0;
  while (i < text.length && isSpace(text[i])) i++;
  let negative = false;
  if (text[i] === "+" || text[i] === "-") {
    negative = text[i] === "-";
    i++;
  }
  const digits = text.slice(i);
  if (!/^[0-9]+$/.test(digits)) return undefined;
  const value = BigInt(digits);
  if (value > U64_MAX) return undefined;
  return negative ? (U64_MAX + 1n - value) % (U64_MAX + 1n) : value;
}

/**
 * Parses an ID like Redis's `streamGenericParseIDOrReply`.
 *
 * @param missingSeq the sequence used when the text has no `-<seq>` part
 * @param strict refuse `-` and `+`
 * @param allowSeqStar accept the `<ms>-*` form (XADD only)
 * @throws {ReplyError} `ERR Invalid stream ID specified as stream command argument`
 */
export function parseId(
  text: string,
  missingSeq: IdPart,
  strict: boolean,
  allowSeqStar = false,
): ParsedId {
  if (text.length > 127) throw invalidStreamIdError();
  if (text === "-" || text === "+") {
    if (strict) throw invalidStreamIdError();
    return text === "-"
      ? { ms: 0, seq: 0, seqGiven: true, isU64Max: false }
      : { ms: U64_MAX, seq: U64_MAX, seqGiven: true, isU64Max: true };
  }
  const dash = text.indexOf("-");
  const ms = parseU64(dash === -1 ? text : text.slice(0, dash));
  if (ms === undefined) throw invalidStreamIdError();
  let seq = missingSeq;
  let seqGiven = true;
  if (dash !== -1) {
    const seqText = text.slice(dash + 1);
    if (allowSeqStar && seqText === "*") {
      seq = 0;
      seqGiven = false;
    } else {
      const parsed = parseU64(seqText);
      if (parsed === undefined) throw invalidStreamIdError();
      seq = toPart(parsed);
    }
  }
  return { ms: toPart(ms), seq, seqGiven, isU64Max: ms === U64_MAX && seq === U64_MAX };
}

/** Parses a strict ID (no `-`/`+`), sequence 0 when missing. */
export function parseStrictId(text: string): ParsedId {
  return parseId(text, 0, true);
}

/** A range bound: the ID and whether `(` made it exclusive. */
export interface IntervalBound {
  id: ParsedId;
  exclusive: boolean;
}

/** Parses a range bound like `streamParseIntervalIDOrReply` (`(` = exclusive). */
export function parseIntervalId(text: string, missingSeq: IdPart): IntervalBound {
  const exclusive = text.length > 1 && text[0] === "(";
  if (exclusive) return { id: parseId(text.slice(1), missingSeq, true), exclusive };
  return { id: parseId(text, missingSeq, false), exclusive };
}

/** Parses an inclusive range start (`-`, `(id`, incomplete id → seq 0). */
export function parseRangeStart(text: string): IdParts {
  const { id, exclusive } = parseIntervalId(text, 0);
  if (!exclusive) return id;
  if (id.isU64Max) throw new ReplyError("ERR invalid start ID for the interval");
  return incrementId(id);
}

/** Parses an inclusive range end (`+`, `(id`, incomplete id → max seq). */
export function parseRangeEnd(text: string): IdParts {
  const { id, exclusive } = parseIntervalId(text, U64_MAX);
  if (!exclusive) return id;
  if (id.ms === 0 && id.seq === 0) throw new ReplyError("ERR invalid end ID for the interval");
  return decrementId(id);
}

/** The ID right after `id` (at 2^64-1-2^64-1 it stays there; callers check). */
export function incrementId(id: IdParts): IdParts {
  if (id.seq === U64_MAX) {
    return id.ms === U64_MAX ? { ...MAX_ID } : { ms: nextPart(id.ms), seq: 0 };
  }
  return { ms: id.ms, seq: nextPart(id.seq) };
}

/** The ID right before `id` (at 0-0 it stays there; callers check). */
export function decrementId(id: IdParts): IdParts {
  if (id.seq === 0) return id.ms === 0 ? { ...MIN_ID } : { ms: previousPart(id.ms), seq: U64_MAX };
  return { ms: id.ms, seq: previousPart(id.seq) };
}

/** Compares two IDs: negative, zero or positive. */
export function compareIds(a: IdParts, b: IdParts): number {
  return a.ms !== b.ms ? (a.ms < b.ms ? -1 : 1) : a.seq === b.seq ? 0 : a.seq < b.seq ? -1 : 1;
}

/** Formats `<ms>-<seq>`. */
export function formatId(ms: IdPart, seq: IdPart): string {
  return `${ms}-${seq}`;
}

/**
 * The ID XADD gives a new entry, like Redis's `streamAppendItem`: `*` takes the
 * clock, or the last ID plus one when the clock stands still or stepped back;
 * `<ms>-*` takes the next sequence of `ms`. Returns undefined when the result
 * would not be greater than `last` (Redis: "equal or smaller" error).
 */
export function nextId(
  last: IdParts,
  now: number,
  given: ParsedId | undefined,
): IdParts | undefined {
  let id: IdParts;
  if (given === undefined) {
    id = now > last.ms ? { ms: now, seq: 0 } : incrementId(last);
  } else if (given.seqGiven) {
    id = { ms: given.ms, seq: given.seq };
  } else if (given.ms === last.ms) {
    if (last.seq === U64_MAX) return undefined;
    id = { ms: last.ms, seq: nextPart(last.seq) };
  } else {
    id = { ms: given.ms, seq: 0 };
  }
  return compareIds(id, last) > 0 ? id : undefined;
}
