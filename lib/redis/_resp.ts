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

function writeHeader(out: Uint8Array, at: number, type: number, n: number): number {
  out[at++] = type;
  if (n < 10) {
    out[at++] = 48 + n;
  } else if (n < 100) {
    out[at++] = 48 + Math.floor(n / 10);
    out[at++] = 48 + (n % 10);
  } else {
    let width = 3;
    for (let rest = Math.floor(n / 1000); rest > 0; rest = Math.floor(rest / 10)) width++;
    for (let i = width - 1, rest = n; i >= 0; i--, rest = Math.floor(rest / 10)) {
      out[at + i] = 48 + (rest % 10);
    }
    at += width;
  }
  out[at++] = CR;
  out[at++] = LF;
  return at;
}

/**
 * Encodes commands as one RESP2 buffer, in order. With `scratch` large
 * enough, the bytes are written into it and a view of it is returned (the
 * caller must not reuse `scratch` while the bytes are still in use).
 *
 * @example Two commands, one buffer
 * ```ts
 * import { _encodeCommands } from "./_resp.ts";
 * import assert from "node:assert/strict";
 * const bytes = _encodeCommands([["PING"], ["GET", "k"]]);
 * assert.equal(new TextDecoder().decode(bytes), "*1\r\n$4\r\nPING\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n");
 * ```
 */
export function _encodeCommands(
  batch: readonly (readonly string[])[],
  scratch?: Uint8Array,
): Uint8Array {
  // The most bytes it can take: 3 per UTF-16 code unit, and room for the headers.
  let most = 0;
  for (const args of batch) {
    most += 16;
    for (const arg of args) {
      if (typeof arg !== "string") {
        throw new TypeError(`Redis command arguments must be strings, got ${typeof arg}`);
      }
      most += arg.length * 3 + 16;
    }
  }
  const out = scratch && scratch.length >= most ? scratch : new Uint8Array(most);
  let at = 0;
  for (const args of batch) {
    at = writeHeader(out, at, 42, args.length); // *
    for (const arg of args) {
      const length = arg.length;
      const headerAt = at;
      at = writeHeader(out, at, 36, length); // $, assuming ASCII
      let i = 0;
      for (; i < length; i++) {
        const code = arg.charCodeAt(i);
        if (code >= 0x80) break;
        out[at + i] = code;
      }
      if (i === length) {
        at += length;
      } else { // not ASCII: the header again with the UTF-8 length, then the bytes
        const bytes = _utf8Length(arg);
        at = writeHeader(out, headerAt, 36, bytes);
        encoder.encodeInto(arg, out.subarray(at, at + bytes));
        at += bytes;
      }
      out[at++] = CR;
      out[at++] = LF;
    }
  }
  return out.subarray(0, at);
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
