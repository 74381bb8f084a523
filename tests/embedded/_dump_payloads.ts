/**
 * Making DUMP payloads in tests: a value's RDB bytes, then the RDB version
 * (10, Redis 7.0's) and the CRC-64 Redis checks.
 *
 * @module
 */

import { _crc64 } from "../../lib/embedded/_crc64.ts";

/** A DUMP payload of `body` (the type byte and the value's RDB bytes). */
export function payloadOf(body: ArrayLike<number>): Uint8Array {
  const bytes = new Uint8Array(body.length + 10);
  bytes.set(body);
  bytes.set([10, 0], body.length);
  new DataView(bytes.buffer).setBigUint64(
    body.length + 2,
    _crc64(bytes.subarray(0, body.length + 2)),
    true,
  );
  return bytes;
}

/** `bytes` as a binary string (one character per byte), as `send(["RESTORE", …])` takes a payload. */
export function binary(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i += 8192) {
    out += String.fromCharCode(...bytes.subarray(i, i + 8192));
  }
  return out;
}
