/**
 * LZF decompression (liblzf's `lzf_decompress`), the compression of long
 * strings in Redis's RDB serialization. No well-kept npm package provides it;
 * the format is two kinds of runs: literal bytes and back references.
 *
 * @module
 */

/**
 * Decompresses `input` into exactly `length` bytes.
 *
 * @throws {RangeError} when the data is not valid LZF or does not make `length` bytes
 *
 * @example A literal run and a back reference
 * ```ts
 * import { _lzfDecompress } from "./_lzf.ts";
 * import assert from "node:assert/strict";
 * // "abc" as a literal run of 3, then "abcabc" as a reference 3 bytes back, length 6.
 * const out = _lzfDecompress(new Uint8Array([2, 0x61, 0x62, 0x63, 0x80, 2]), 9);
 * assert.equal(new TextDecoder().decode(out), "abcabcabc");
 * ```
 */
export function _lzfDecompress(input: Uint8Array, length: number): Uint8Array {
  // A back reference (3 bytes) makes at most 264 bytes: a larger claim is not LZF, and is not
  // allocated (the length comes from the payload).
  if (length > input.length * 88) throw new RangeError("invalid LZF data");
  const out = new Uint8Array(length);
  let ip = 0;
  let op = 0;
  while (ip < input.length) {
    const ctrl = input[ip++]!;
    if (ctrl < 32) {
      const run = ctrl + 1;
      if (ip + run > input.length || op + run > length) throw new RangeError("invalid LZF data");
      out.set(input.subarray(ip, ip + run), op);
      ip += run;
      op += run;
      continue;
    }
    let run = ctrl >> 5;
    if (run === 7) {
      if (ip >= input.length) throw new RangeError("invalid LZF data");
      run += input[ip++]!;
    }
    if (ip >= input.length) throw new RangeError("invalid LZF data");
    let ref = op - ((ctrl & 0x1f) << 8) - 1 - input[ip++]!;
    run += 2;
    if (ref < 0 || op + run > length) throw new RangeError("invalid LZF data");
    for (let k = 0; k < run; k++) out[op++] = out[ref++]!;
  }
  if (op !== length) throw new RangeError("invalid LZF data");
  return out;
}
