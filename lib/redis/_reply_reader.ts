/**
 * RESP2 reply decoding: bytes in, in any fragmentation; replies, error
 * replies and fatal protocol errors out, through callbacks.
 *
 * Written here rather than over npm `redis-parser`: loading that package (the
 * first CommonJS module of a process starts Deno's Node compatibility layer)
 * cost 20–25 ms of start-up and 12 MB of RSS in the producer, which loads no
 * other npm package; see docs/redis-connection.md. Incremental: an array
 * reply keeps the elements already decoded, and a large bulk string is
 * decoded once all its bytes are there, so fragmented input costs no
 * re-parsing. It also enforces the largest reply it will buffer.
 *
 * @module
 */

import type { RedisReply } from "../connection.ts";

/** What {@linkcode _ReplyReader} calls. */
export interface _ReplyHandlers {
  /** A reply (bulk/simple string, integer, nil or array). */
  onReply(reply: RedisReply): void;
  /** An error reply, with the server's text (such as `ERR unknown command`). */
  onErrorReply(message: string): void;
  /**
   * The byte stream cannot be a Redis reply stream (or a reply exceeds the
   * limit): nothing more will be read from it. `sample` is the printable
   * start of the chunk that held the fault.
   */
  onProtocolError(what: string, sample: string): void;
}

/** Default of {@linkcode _ReplyReader}'s limit: 512 MiB, Redis's own largest bulk string. */
export const DEFAULT_MAX_REPLY_BYTES = 512 * 1024 * 1024;

const CR = 13;
const decoder = new TextDecoder();
const EMPTY = new Uint8Array(0);
/** Marks "not all bytes of this element have arrived yet". */
const INCOMPLETE = Symbol("incomplete");

/** An array reply being decoded: its elements so far and how many it has. */
interface Frame {
  items: RedisReply[];
  size: number;
}

function preview(chunk: Uint8Array): string {
  const text = decoder.decode(chunk.subarray(0, 40)).split(/\r?\n/)[0]!;
  return text.replace(/[^\x20-\x7e]/g, "?");
}

/** Decodes `bytes[from, to)` as UTF-8, with a fast path for short ASCII. */
function text(bytes: Uint8Array, from: number, to: number): string {
  if (to - from <= 32) {
    let out = "";
    for (let i = from; i < to; i++) {
      const byte = bytes[i]!;
      if (byte >= 0x80) return decoder.decode(bytes.subarray(from, to));
      out += String.fromCharCode(byte);
    }
    return out;
  }
  return decoder.decode(bytes.subarray(from, to));
}

/** `bytes[from, to)` as a binary string: one character (U+0000 to U+00FF) per byte. */
function binaryString(bytes: Uint8Array, from: number, to: number): string {
  let out = "";
  for (let i = from; i < to; i += 8192) {
    out += String.fromCharCode(...bytes.subarray(i, Math.min(to, i + 8192)));
  }
  return out;
}

/**
 * Decodes RESP2 replies fed as byte chunks.
 *
 * @example A reply split across two chunks
 * ```ts
 * import { _ReplyReader } from "./_reply_reader.ts";
 * import assert from "node:assert/strict";
 * const replies: unknown[] = [];
 * const reader = new _ReplyReader({
 *   onReply: (reply) => replies.push(reply),
 *   onErrorReply: (message) => replies.push(`error: ${message}`),
 *   onProtocolError: (what) => replies.push(`fatal: ${what}`),
 * });
 * reader.feed(new TextEncoder().encode("$5\r\nhel"));
 * reader.feed(new TextEncoder().encode("lo\r\n-ERR no\r\n"));
 * assert.deepEqual(replies, ["hello", "error: ERR no"]);
 * ```
 */
export class _ReplyReader {
  readonly #handlers: _ReplyHandlers;
  readonly #maxBytes: number;
  readonly #maxDepth: number;
  readonly #maxArray: number;
  readonly #binaryArgument: ((index: number, first: RedisReply | undefined) => boolean) | undefined;
  /** Bytes not decoded yet (copied: never the caller's memory). */
  #buffer: Uint8Array = EMPTY;
  /** Chunks received while waiting for `#need` bytes, and their total length. */
  #chunks: Uint8Array[] = [];
  #chunked = 0;
  /** Bytes needed in `#buffer` before decoding is worth trying again. */
  #need = 0;
  /** Arrays being decoded, outermost first. */
  #stack: Frame[] = [];
  /** Bytes of the current top-level reply decoded so far (elements of open arrays). */
  #replyBytes = 0;
  #failed = false;
  /** Where the element #element just decoded ends. */
  #next = 0;
  #sample: Uint8Array = EMPTY;

  /**
   * Creates a reader; `maxReplyBytes` bounds one reply (default 512 MiB),
   * `maxDepth` how deeply arrays nest and `maxArrayLength` how many elements
   * one array announces (both unbounded by default; the RESP server reads
   * requests with depth 1). `binaryArgument(index, first)` is asked, for a bulk
   * string at `index` of an array whose first element is `first`, whether to
   * decode it as a binary string (one character per byte) instead of UTF-8:
   * the RESP server reads RESTORE's payload so.
   */
  constructor(
    handlers: _ReplyHandlers,
    options: {
      maxReplyBytes?: number | undefined;
      maxDepth?: number | undefined;
      maxArrayLength?: number | undefined;
      binaryArgument?: (index: number, first: RedisReply | undefined) => boolean;
    } = {},
  ) {
    this.#handlers = handlers;
    this.#maxBytes = options.maxReplyBytes ?? DEFAULT_MAX_REPLY_BYTES;
    this.#maxDepth = options.maxDepth ?? Infinity;
    this.#maxArray = options.maxArrayLength ?? Infinity;
    this.#binaryArgument = options.binaryArgument;
  }

  /** Whether part of a reply has been read and the rest not yet. */
  get partial(): boolean {
    return this.#buffer.length > 0 || this.#chunked > 0 || this.#stack.length > 0;
  }

  /** Whether the reader gave up (a protocol error or a reply over the limit). */
  get failed(): boolean {
    return this.#failed;
  }

  #fail(what: string): void {
    if (this.#failed) return;
    this.#failed = true;
    this.#buffer = EMPTY;
    this.#chunks = [];
    this.#stack = [];
    this.#handlers.onProtocolError(what, preview(this.#sample));
  }

  /** Decodes `chunk`; complete replies reach the handlers before it returns. */
  feed(chunk: Uint8Array): void {
    if (this.#failed || chunk.length === 0) return;
    this.#sample = chunk;
    if (this.#need > 0 && this.#buffer.length + this.#chunked + chunk.length < this.#need) {
      this.#chunks.push(chunk.slice());
      this.#chunked += chunk.length;
      this.#checkSize(this.#buffer.length + this.#chunked);
      return;
    }
    let bytes: Uint8Array;
    if (this.#buffer.length === 0 && this.#chunked === 0) {
      bytes = chunk;
    } else {
      bytes = new Uint8Array(this.#buffer.length + this.#chunked + chunk.length);
      bytes.set(this.#buffer, 0);
      let at = this.#buffer.length;
      for (const part of this.#chunks) {
        bytes.set(part, at);
        at += part.length;
      }
      bytes.set(chunk, at);
      this.#chunks = [];
      this.#chunked = 0;
    }
    this.#need = 0;
    const end = this.#decode(bytes);
    if (this.#failed) return;
    this.#buffer = end === bytes.length ? EMPTY : bytes.slice(end);
    this.#checkSize(this.#buffer.length);
    this.#sample = EMPTY;
  }

  #checkSize(held: number) {
    const size = this.#replyBytes + held;
    if (size > this.#maxBytes) {
      this.#fail(`a reply larger than the limit of ${this.#maxBytes} bytes (maxReplyBytes)`);
    }
  }

  /** Decodes every complete element of `bytes`; returns where the undecoded rest starts. */
  #decode(bytes: Uint8Array): number {
    let at = 0;
    while (at < bytes.length && !this.#failed) {
      const start = at;
      const value = this.#element(bytes, at);
      if (value === INCOMPLETE) return start;
      at = this.#next;
      if (this.#failed) return at;
      this.#replyBytes += at - start;
      if (this.#replyBytes > this.#maxBytes) {
        this.#fail(`a reply larger than the limit of ${this.#maxBytes} bytes (maxReplyBytes)`);
        return at;
      }
      this.#settle(value);
    }
    return at;
  }

  /** Adds a decoded element to the open array, or hands a complete reply over. */
  #settle(value: RedisReply | Frame | Error): void {
    let item = value;
    while (true) {
      if (item !== null && typeof item === "object" && "size" in item) {
        if (item.size > 0) {
          this.#stack.push(item);
          return;
        }
        item = item.items; // an empty array
      }
      const top = this.#stack[this.#stack.length - 1];
      if (!top) break;
      top.items.push(item as RedisReply); // an error inside an array stays in place, as an Error
      if (top.items.length < top.size) return;
      this.#stack.pop();
      item = top.items;
    }
    this.#replyBytes = 0;
    if (item instanceof Error) this.#handlers.onErrorReply(item.message);
    else this.#handlers.onReply(item as RedisReply);
  }

  /** The end of the line starting at `from` (the index of its CR), or -1. */
  #lineEnd(bytes: Uint8Array, from: number): number {
    const cr = bytes.indexOf(CR, from);
    if (cr === -1 || cr + 1 >= bytes.length) return -1;
    if (bytes[cr + 1] !== 10) {
      this.#fail("Protocol error, expected CRLF after a line");
      return -1;
    }
    return cr;
  }

  /** Reads a signed decimal integer in `bytes[from, to)`, or fails. */
  #integer(bytes: Uint8Array, from: number, to: number): number {
    let i = from;
    let sign = 1;
    if (bytes[i] === 45) { // -
      sign = -1;
      i++;
    }
    if (i >= to) {
      this.#fail("Protocol error, empty number");
      return 0;
    }
    let n = 0;
    for (; i < to; i++) {
      const digit = bytes[i]! - 48;
      if (digit < 0 || digit > 9) {
        this.#fail(`Protocol error, invalid number '${text(bytes, from, to)}'`);
        return 0;
      }
      n = n * 10 + digit;
    }
    return sign * n;
  }

  /** Decodes one element at `at` (a value, an array frame, an error, or INCOMPLETE); sets #next. */
  #element(bytes: Uint8Array, at: number): RedisReply | Frame | Error | typeof INCOMPLETE {
    const type = bytes[at]!;
    if (type !== 36 && type !== 42 && type !== 43 && type !== 45 && type !== 58) {
      this.#fail(
        `Protocol error, got ${JSON.stringify(String.fromCharCode(type))} as reply type byte`,
      );
      return null;
    }
    const cr = this.#lineEnd(bytes, at + 1);
    if (cr === -1) return INCOMPLETE;
    const next = cr + 2;
    this.#next = next;
    switch (type) {
      case 43: // + simple string
        return text(bytes, at + 1, cr);
      case 45: // - error
        return new Error(decoder.decode(bytes.subarray(at + 1, cr)));
      case 58: // : integer
        return this.#integer(bytes, at + 1, cr);
      case 36: { // $ bulk string
        const length = this.#integer(bytes, at + 1, cr);
        if (length < 0) return null;
        if (this.#replyBytes + next - at + length + 2 > this.#maxBytes) {
          this.#fail(
            `a reply larger than the limit of ${this.#maxBytes} bytes (maxReplyBytes) was announced (${length} bytes)`,
          );
          return null;
        }
        const end = next + length;
        if (end + 2 > bytes.length) {
          this.#need = end + 2 - at; // wait for all of it before decoding again
          return INCOMPLETE;
        }
        if (bytes[end] !== CR || bytes[end + 1] !== 10) {
          this.#fail("Protocol error, a bulk string longer than its length");
          return null;
        }
        this.#next = end + 2;
        if (this.#binaryArgument !== undefined) {
          const top = this.#stack[this.#stack.length - 1];
          if (top !== undefined && this.#binaryArgument(top.items.length, top.items[0])) {
            return binaryString(bytes, next, end);
          }
        }
        return text(bytes, next, end);
      }
      default: { // * array
        const size = this.#integer(bytes, at + 1, cr);
        if (size < 0) return null;
        if (size > this.#maxArray) {
          this.#fail(`Protocol error, invalid multibulk length`);
          return null;
        }
        if (size > 0 && this.#stack.length >= this.#maxDepth) {
          this.#fail(`Protocol error, arrays nested deeper than ${this.#maxDepth}`);
          return null;
        }
        return { items: [], size };
      }
    }
  }
}
