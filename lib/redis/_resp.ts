/**
 * RESP2 request encoding: a command (an argument array) becomes
 * `*N\r\n$len\r\narg\r\n…`, and a batch of commands one buffer, so that a
 * pipeline goes out in one write. Strings are UTF-8 (a lone surrogate as
 * U+FFFD, as `TextEncoder` writes it). Pure: no I/O.
 *
 * @module
 */

const encoder = new TextEncoder();
const CR = 13;
const LF = 10;

/** UTF-8 byte length of `text`, exactly as `TextEncoder` would encode it. */
export function _utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) continue;
    if (code < 0x800) {
      bytes += 1;
    } else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 2; // a pair: 2 code units, 4 bytes
        i++;
      } else {
        bytes += 2; // lone high surrogate: U+FFFD, 3 bytes
      }
    } else {
      bytes += 2; // the rest of the BMP, and lone surrogates as U+FFFD
    }
  }
  return bytes;
}

function digits(n: number): number {
  return n < 10 ? 1 : n < 100 ? 2 : n < 1000 ? 3 : n < 10000 ? 4 : String(n).length;
}

function writeHeader(out: Uint8Array, at: number, type: number, n: number): number {
  out[at++] = type;
  if (n < 10) {
    out[at++] = 48 + n;
  } else {
    const text = String(n);
    for (let i = 0; i < text.length; i++) out[at++] = text.charCodeAt(i);
  }
  out[at++] = CR;
  out[at++] = LF;
  return at;
}

/**
 * Encodes commands as one RESP2 buffer, in order.
 *
 * @example Two commands, one buffer
 * ```ts
 * import { _encodeCommands } from "./_resp.ts";
 * import assert from "node:assert/strict";
 * const bytes = _encodeCommands([["PING"], ["GET", "k"]]);
 * assert.equal(new TextDecoder().decode(bytes), "*1\r\n$4\r\nPING\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n");
 * ```
 */
export function _encodeCommands(batch: readonly (readonly string[])[]): Uint8Array {
  // First pass: every argument's byte length, and the total.
  const lengths: number[] = [];
  let total = 0;
  for (const args of batch) {
    total += 3 + digits(args.length);
    for (const arg of args) {
      if (typeof arg !== "string") {
        throw new TypeError(`Redis command arguments must be strings, got ${typeof arg}`);
      }
      const length = _utf8Length(arg);
      lengths.push(length);
      total += 5 + digits(length) + length;
    }
  }
  const out = new Uint8Array(total);
  let at = 0;
  let k = 0;
  for (const args of batch) {
    at = writeHeader(out, at, 42, args.length); // *
    for (const arg of args) {
      const length = lengths[k++]!;
      at = writeHeader(out, at, 36, length); // $
      if (length === arg.length && length < 64) {
        for (let i = 0; i < length; i++) out[at + i] = arg.charCodeAt(i);
      } else {
        encoder.encodeInto(arg, out.subarray(at, at + length));
      }
      at += length;
      out[at++] = CR;
      out[at++] = LF;
    }
  }
  return out;
}

/**
 * Encodes one command as RESP2.
 *
 * @example
 * ```ts
 * import { _encodeCommand } from "./_resp.ts";
 * import assert from "node:assert/strict";
 * assert.equal(new TextDecoder().decode(_encodeCommand(["SET", "k", "é"])), "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\né\r\n");
 * ```
 */
export function _encodeCommand(args: readonly string[]): Uint8Array {
  return _encodeCommands([args]);
}
