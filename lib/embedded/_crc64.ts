/**
 * Redis's CRC-64 (Jones polynomial, reflected, initial value 0), the checksum
 * at the end of a `DUMP` payload (Redis `src/crc64.c`). No well-kept npm
 * package computes this variant; it is a table lookup per byte, on two 32-bit
 * halves so that it needs no bigint per byte.
 *
 * @module
 */

const POLY_HI = 0x95ac9329;
const POLY_LO = 0xac4bc9b5;

const TABLE_HI = new Uint32Array(256);
const TABLE_LO = new Uint32Array(256);
for (let i = 0; i < 256; i++) {
  let hi = 0;
  let lo = i;
  for (let k = 0; k < 8; k++) {
    const bit = lo & 1;
    lo = ((lo >>> 1) | ((hi & 1) << 31)) >>> 0;
    hi = hi >>> 1;
    if (bit) {
      hi = (hi ^ POLY_HI) >>> 0;
      lo = (lo ^ POLY_LO) >>> 0;
    }
  }
  TABLE_HI[i] = hi;
  TABLE_LO[i] = lo;
}

/**
 * The CRC-64 of `bytes` as Redis computes it.
 *
 * @example Redis's own check value
 * ```ts
 * import { _crc64 } from "./_crc64.ts";
 * import assert from "node:assert/strict";
 * assert.equal(_crc64(new TextEncoder().encode("123456789")), 0xe9c6d914c4b8d9can);
 * ```
 */
export function _crc64(bytes: Uint8Array): bigint {
  let hi = 0;
  let lo = 0;
  for (let i = 0; i < bytes.length; i++) {
    const index = (lo ^ bytes[i]!) & 0xff;
    lo = (((lo >>> 8) | (hi << 24)) ^ TABLE_LO[index]!) >>> 0;
    hi = ((hi >>> 8) ^ TABLE_HI[index]!) >>> 0;
  }
  return (BigInt(hi) << 32n) | BigInt(lo);
}
