/**
 * Stream IDs for the embedded backend: parsing exactly as Redis 7.0 parses
 * them, formatting, comparing and generating the next ID.
 *
 * An ID is `<ms>-<seq>`, two unsigned 64-bit integers in Redis. The embedded
 * store keeps both parts as SQLite INTEGER and as JavaScript numbers, so a
 * stored part is at most {@linkcode MAX_PART} (2^53 - 2, year 285 000 in
 * milliseconds) or exactly 2^64 - 1, which is kept as
 * {@linkcode INFINITE_PART} (what `+` means). Other values above 2^53 - 2
 * still parse: in range bounds and read positions they clamp to
 * {@linkcode INFINITE_PART}; where an ID would be stored (XADD, XGROUP
 * CREATE/SETID, XCLAIM LASTID) they are refused with
 * {@linkcode idTooLargeError}.
 *
 * @module
 */

import { ReplyError } from "../errors.ts";
import { invalidStreamIdError } from "./replies.ts";

/** One stream ID: milliseconds part and sequence part. */
export interface IdParts {
  ms: number;
  seq: number;
}

/** The largest ID part the embedded store can store (2^53 - 2). */
export const MAX_PART = Number.MAX_SAFE_INTEGER - 1;
/** Stands for the part 2^64 - 1 (and, clamped, any part above {@linkcode MAX_PART}). */
export const INFINITE_PART = Number.MAX_SAFE_INTEGER;

const U64_MAX = 18446744073709551615n;

/** The smallest ID, `0-0`. */
export const MIN_ID: Readonly<IdParts> = Object.freeze({ ms: 0, seq: 0 });
/** An ID after every storable ID (what `+` means). */
export const MAX_ID: Readonly<IdParts> = Object.freeze({ ms: INFINITE_PART, seq: INFINITE_PART });

/** A parsed ID, with whether the sequence was given and whether it was 2^64-1-2^64-1. */
export interface ParsedId extends IdParts {
  /** False for the `<ms>-*` form of XADD. */
  seqGiven: boolean;
  /** True when both parts are exactly 2^64 - 1 (what `+` means in Redis). */
  isU64Max: boolean;
  /** True when a part was clamped (between 2^53 - 2 and 2^64 - 1, exclusive). */
  lossy: boolean;
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

function toPart(value: bigint): number {
  return value > BigInt(MAX_PART) ? INFINITE_PART : Number(value);
}

function isLossy(value: bigint): boolean {
  return value > BigInt(MAX_PART) && value !== U64_MAX;
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
  missingSeq: number,
  strict: boolean,
  allowSeqStar = false,
): ParsedId {
  if (text.length > 127) throw invalidStreamIdError();
  if (text === "-" || text === "+") {
    if (strict) throw invalidStreamIdError();
    return text === "-"
      ? { ms: 0, seq: 0, seqGiven: true, isU64Max: false, lossy: false }
      : { ms: INFINITE_PART, seq: INFINITE_PART, seqGiven: true, isU64Max: true, lossy: false };
  }
  const dash = text.indexOf("-");
  const msText = dash === -1 ? text : text.slice(0, dash);
  const ms = parseU64(msText);
  if (ms === undefined) throw invalidStreamIdError();
  let seq: bigint;
  let seqGiven = true;
  let seqPart: number;
  if (dash === -1) {
    seqPart = missingSeq;
    seq = missingSeq === INFINITE_PART ? U64_MAX : BigInt(missingSeq);
  } else {
    const seqText = text.slice(dash + 1);
    if (allowSeqStar && seqText === "*") {
      seq = 0n;
      seqGiven = false;
    } else {
      const parsed = parseU64(seqText);
      if (parsed === undefined) throw invalidStreamIdError();
      seq = parsed;
    }
    seqPart = toPart(seq);
  }
  return {
    ms: toPart(ms),
    seq: seqPart,
    seqGiven,
    isU64Max: ms === U64_MAX && seq === U64_MAX,
    lossy: isLossy(ms) || isLossy(seq),
  };
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
export function parseIntervalId(text: string, missingSeq: number): IntervalBound {
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
  const { id, exclusive } = parseIntervalId(text, INFINITE_PART);
  if (!exclusive) return id;
  if (id.ms === 0 && id.seq === 0) throw new ReplyError("ERR invalid end ID for the interval");
  return decrementId(id);
}

/** The ID right after `id` (at 2^64-1-2^64-1 it stays there; callers check). */
export function incrementId(id: IdParts): IdParts {
  if (id.seq >= INFINITE_PART) {
    return id.ms >= INFINITE_PART ? { ...MAX_ID } : { ms: id.ms + 1, seq: 0 };
  }
  return { ms: id.ms, seq: id.seq + 1 };
}

/** The ID right before `id` (at 0-0 it stays there; callers check). */
export function decrementId(id: IdParts): IdParts {
  if (id.seq === 0) return id.ms === 0 ? { ...MIN_ID } : { ms: id.ms - 1, seq: INFINITE_PART };
  return { ms: id.ms, seq: id.seq - 1 };
}

/** Compares two IDs: negative, zero or positive. */
export function compareIds(a: IdParts, b: IdParts): number {
  return a.ms !== b.ms ? (a.ms < b.ms ? -1 : 1) : a.seq === b.seq ? 0 : a.seq < b.seq ? -1 : 1;
}

/** Formats `<ms>-<seq>` ({@linkcode INFINITE_PART} prints as 2^64 - 1). */
export function formatId(ms: number, seq: number): string {
  if (ms === INFINITE_PART || seq === INFINITE_PART) {
    return `${ms === INFINITE_PART ? U64_MAX : ms}-${seq === INFINITE_PART ? U64_MAX : seq}`;
  }
  return `${ms}-${seq}`;
}

/** Throws when a parsed ID cannot be stored by the embedded store. */
export function assertStorable(id: ParsedId): void {
  if (id.lossy) throw idTooLargeError();
}

/** The error for IDs beyond the embedded store's limit. */
export function idTooLargeError(): ReplyError {
  return new ReplyError(
    `ERR The ID is beyond the embedded store's limit of ${MAX_PART}-${MAX_PART}; use Redis for larger IDs`,
  );
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
    if (last.seq === INFINITE_PART) return undefined;
    id = { ms: last.ms, seq: last.seq + 1 };
  } else {
    id = { ms: given.ms, seq: 0 };
  }
  return compareIds(id, last) > 0 ? id : undefined;
}
