/**
 * RESP2 reply decoding over npm `redis-parser` (the parser ioredis uses):
 * bytes in, in any fragmentation; replies, error replies and fatal protocol
 * errors out, through callbacks. It also enforces the largest reply it will
 * buffer, so that a runaway reply (or a peer that is not Redis) cannot
 * exhaust memory.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import Parser from "redis-parser";
import type { RedisReply } from "../connection.ts";

/** What {@linkcode _ReplyReader} calls. */
export interface _ReplyHandlers {
  /** A reply (bulk/simple string, integer, nil or array). */
  onReply(reply: RedisReply): void;
  /** An error reply, with the server's text (such as `ERR unknown command`). */
  onErrorReply(message: string): void;
  /**
   * The byte stream cannot be a Redis reply stream (or a reply exceeds the
   * limit): nothing more can be read from it.
   */
  onProtocolError(what: string, sample: string): void;
}

interface ParserState {
  buffer: Buffer | null;
  offset: number;
  bigStrSize: number;
  totalChunkSize: number;
  bufferCache: Buffer[];
  execute(buffer: Buffer): void;
}

/** Default of {@linkcode _ReplyReader}'s limit: 512 MiB, Redis's own largest bulk string. */
export const DEFAULT_MAX_REPLY_BYTES = 512 * 1024 * 1024;

/** The first bytes of `chunk` as printable text, for a protocol error. */
function preview(chunk: Uint8Array): string {
  const text = new TextDecoder().decode(chunk.subarray(0, 40)).split(/\r?\n/)[0]!;
  return text.replace(/[^\x20-\x7e]/g, "?");
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
  readonly #parser: ParserState;
  readonly #handlers: _ReplyHandlers;
  readonly #maxBytes: number;
  /** Bytes held for a reply not complete yet (an upper bound, exact to one chunk). */
  #pending = 0;
  #replied = false;
  #failed = false;
  #chunk: Uint8Array | undefined;

  /** Creates a reader; `maxReplyBytes` bounds one reply (default 512 MiB). */
  constructor(handlers: _ReplyHandlers, options: { maxReplyBytes?: number } = {}) {
    this.#handlers = handlers;
    this.#maxBytes = options.maxReplyBytes ?? DEFAULT_MAX_REPLY_BYTES;
    this.#parser = new Parser({
      returnBuffers: false,
      stringNumbers: false,
      returnReply: (reply: RedisReply) => {
        this.#replied = true;
        if (!this.#failed) handlers.onReply(reply);
      },
      returnError: (error: Error) => {
        this.#replied = true;
        if (!this.#failed) handlers.onErrorReply(error.message);
      },
      returnFatalError: (error: Error) => this.#fail(error.message),
    }) as ParserState;
  }

  /** Whether part of a reply has been read and the rest not yet. */
  get partial(): boolean {
    return this.#parser.buffer !== null || this.#parser.bufferCache.length > 0;
  }

  /** Whether the reader gave up (a protocol error or a reply over the limit). */
  get failed(): boolean {
    return this.#failed;
  }

  /**
   * Whether `feed()`'s last chunk is no longer referenced, so that the caller
   * may read into the same memory again.
   */
  get released(): boolean {
    return this.#parser.buffer === null && this.#parser.bufferCache.length === 0;
  }

  #fail(what: string): void {
    if (this.#failed) return;
    this.#failed = true;
    this.#handlers.onProtocolError(what, this.#chunk ? preview(this.#chunk) : "");
  }

  /** Decodes `chunk`; complete replies reach the handlers before it returns. */
  feed(chunk: Uint8Array): void {
    if (this.#failed) return;
    const parser = this.#parser;
    this.#replied = false;
    this.#chunk = chunk;
    try {
      parser.execute(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    } catch (error) {
      // redis-parser throws on some malformed input (e.g. an absurd array length).
      this.#parser.buffer = null;
      this.#parser.bufferCache = [];
      this.#fail(error instanceof Error ? error.message : String(error));
      return;
    }
    this.#chunk = undefined;
    if (this.#failed) return;
    if (this.released) {
      this.#pending = 0;
      return;
    }
    this.#pending = this.#replied ? chunk.byteLength : this.#pending + chunk.byteLength;
    // A bulk string announces its size up front: refuse it before receiving it.
    const announced = parser.bigStrSize > 0 ? parser.bigStrSize - parser.offset : 0;
    const size = Math.max(this.#pending, announced);
    if (size > this.#maxBytes) {
      this.#fail(
        `a reply larger than the limit of ${this.#maxBytes} bytes (maxReplyBytes)` +
          (announced > this.#maxBytes ? ` was announced (${announced} bytes)` : ""),
      );
    }
  }
}
