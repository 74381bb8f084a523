/**
 * RESP2 reply encoding for `rstream serve`: strings as bulk strings (or
 * simple strings where Redis sends a status), integers, nil, arrays and error
 * replies. Pure: no I/O.
 *
 * @module
 */

import type { RedisReply } from "../connection.ts";

const encoder = new TextEncoder();

/** A status reply (`+OK`): Redis sends these for OK, PONG, QUEUED and TYPE. */
export class _Status {
  /** The status text. */
  readonly text: string;
  /** Wraps `text`. */
  constructor(text: string) {
    this.text = text;
  }
}

/** What a served command answers: a reply, a status, or an error reply. */
export type _ServeReply = RedisReply | _Status | Error;

function push(out: string[], reply: RedisReply | _Status | Error, top: boolean): void {
  if (reply === null) {
    out.push(top ? "$-1\r\n" : "*-1\r\n");
  } else if (typeof reply === "string") {
    if (top && (reply === "OK" || reply === "PONG")) out.push(`+${reply}\r\n`);
    else out.push(`$${byteLength(reply)}\r\n${reply}\r\n`);
  } else if (typeof reply === "number") {
    out.push(`:${Math.trunc(reply)}\r\n`);
  } else if (reply instanceof _Status) {
    out.push(`+${reply.text.replace(/[\r\n]/g, " ")}\r\n`);
  } else if (reply instanceof Error) {
    out.push(`-${reply.message.replace(/[\r\n]/g, " ")}\r\n`);
  } else if (Array.isArray(reply)) {
    out.push(`*${reply.length}\r\n`);
    for (const item of reply) {
      // A nil inside an array is a nil bulk string (XCLAIM's deleted entries are nil arrays in
      // Redis 7.0 only inside XREADGROUP's history reply, which the handlers return as null).
      if (item === null) out.push("$-1\r\n");
      else push(out, item as RedisReply, false);
    }
  } else {
    out.push(`$${byteLength(String(reply))}\r\n${String(reply)}\r\n`);
  }
}

function byteLength(text: string): number {
  let ascii = true;
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) >= 0x80) {
      ascii = false;
      break;
    }
  }
  return ascii ? text.length : encoder.encode(text).length;
}

/**
 * Encodes replies, in order, as one RESP2 buffer. A top-level `null` is a
 * nil bulk string; the read commands' "nothing" is `_NIL_ARRAY`.
 *
 * @example OK, a bulk string and an error
 * ```ts
 * import { _encodeReplies, _Status } from "./_encode_reply.ts";
 * import assert from "node:assert/strict";
 * const bytes = _encodeReplies([new _Status("OK"), "1-1", new Error("ERR no")]);
 * assert.equal(new TextDecoder().decode(bytes), "+OK\r\n$3\r\n1-1\r\n-ERR no\r\n");
 * ```
 */
export function _encodeReplies(replies: readonly _ServeReply[]): Uint8Array {
  const out: string[] = [];
  for (const reply of replies) {
    if (reply === _NIL_ARRAY) out.push("*-1\r\n");
    else push(out, reply, true);
  }
  return encoder.encode(out.join(""));
}

/** The nil array (`*-1`), as XREAD answers a timeout. */
export const _NIL_ARRAY: _Status = new _Status("(nil array)");
