/**
 * Reading Redis's listpacks (`src/listpack.c`), the nodes a stream keeps its
 * entries in, and the entries of one stream node (`src/t_stream.c`): a master
 * entry (live count, deleted count, the master fields), then each entry as
 * flags, ID deltas from the node's master ID, its fields (or only the values
 * when it has the master's fields) and a back count.
 *
 * @module
 */

import type { IdParts } from "./ids.ts";
import { toPart } from "./ids.ts";

/** A listpack element: a string's bytes or an integer. */
export type _ListpackElement = Uint8Array | number | bigint;

const invalid = () => new RangeError("invalid listpack");

function backlenSize(entryLength: number): number {
  return entryLength <= 127
    ? 1
    : entryLength < 16383
    ? 2
    : entryLength < 2097151
    ? 3
    : entryLength < 268435455
    ? 4
    : 5;
}

/**
 * The elements of a listpack.
 *
 * @throws {RangeError} when the bytes are not a whole, valid listpack
 *
 * @example A 7-bit integer, a 6-bit string and a 13-bit negative integer
 * ```ts
 * import { _listpackElements } from "./_listpack.ts";
 * import assert from "node:assert/strict";
 * const lp = new Uint8Array([16, 0, 0, 0, 3, 0, 5, 1, 0x82, 0x68, 0x69, 3, 0xdf, 0xff, 2, 0xff]);
 * const [five, hi, minusOne] = _listpackElements(lp);
 * assert.equal(five, 5);
 * assert.equal(new TextDecoder().decode(hi as Uint8Array), "hi");
 * assert.equal(minusOne, -1);
 * ```
 */
export function _listpackElements(lp: Uint8Array): _ListpackElement[] {
  const view = new DataView(lp.buffer, lp.byteOffset, lp.byteLength);
  if (lp.length < 7 || view.getUint32(0, true) !== lp.length || lp[lp.length - 1] !== 0xff) {
    throw invalid();
  }
  const out: _ListpackElement[] = [];
  let p = 6;
  while (p < lp.length - 1) {
    const b = lp[p]!;
    let length: number; // of encoding + data
    const need = (n: number) => {
      if (p + n > lp.length - 1) throw invalid();
    };
    if ((b & 0x80) === 0) {
      out.push(b & 0x7f);
      length = 1;
    } else if ((b & 0xc0) === 0x80) {
      const n = b & 0x3f;
      need(1 + n);
      out.push(lp.subarray(p + 1, p + 1 + n));
      length = 1 + n;
    } else if ((b & 0xe0) === 0xc0) {
      need(2);
      const v = ((b & 0x1f) << 8) | lp[p + 1]!;
      out.push(v >= 4096 ? v - 8192 : v);
      length = 2;
    } else if ((b & 0xf0) === 0xe0) {
      need(2);
      const n = ((b & 0x0f) << 8) | lp[p + 1]!;
      need(2 + n);
      out.push(lp.subarray(p + 2, p + 2 + n));
      length = 2 + n;
    } else if (b === 0xf0) {
      need(5);
      const n = view.getUint32(p + 1, true);
      need(5 + n);
      out.push(lp.subarray(p + 5, p + 5 + n));
      length = 5 + n;
    } else if (b === 0xf1) {
      need(3);
      out.push(view.getInt16(p + 1, true));
      length = 3;
    } else if (b === 0xf2) {
      need(4);
      const v = lp[p + 1]! | (lp[p + 2]! << 8) | (lp[p + 3]! << 16);
      out.push(v >= 0x800000 ? v - 0x1000000 : v);
      length = 4;
    } else if (b === 0xf3) {
      need(5);
      out.push(view.getInt32(p + 1, true));
      length = 5;
    } else if (b === 0xf4) {
      need(9);
      const v = view.getBigInt64(p + 1, true);
      out.push(v >= -(2n ** 53n) && v <= 2n ** 53n ? Number(v) : v);
      length = 9;
    } else {
      throw invalid();
    }
    p += length;
    need(backlenSize(length));
    p += backlenSize(length);
  }
  return out;
}

/** One live entry of a stream node. */
export interface _NodeEntry {
  id: IdParts;
  fields: string[];
}

const decoder = new TextDecoder();

function asText(element: _ListpackElement): string {
  return element instanceof Uint8Array ? decoder.decode(element) : String(element);
}

function asInteger(element: _ListpackElement | undefined): number {
  if (typeof element !== "number") throw invalid();
  return element;
}

function asDelta(element: _ListpackElement | undefined): bigint {
  if (element === undefined || element instanceof Uint8Array) throw invalid();
  return BigInt(element);
}

const U64 = 1n << 64n;
const FLAG_DELETED = 1;
const FLAG_SAME_FIELDS = 2;

/**
 * The live entries of one stream node (deleted ones are skipped), with their
 * full IDs from the node's master ID.
 *
 * @throws {RangeError} when the listpack is not a valid stream node
 *
 * @example A node of one entry `5-0 a 1`
 * ```ts
 * import { _listpackElements, _nodeEntries } from "./_listpack.ts";
 * import assert from "node:assert/strict";
 * // master: count 1, deleted 0, 1 field "a", 0; entry: flags 2 (same fields), 0, 0, value 1, back count 4
 * const lp = new Uint8Array([
 *   18, 0, 0, 0, 9, 0, 1, 1, 0, 1, 1, 1, 0x81, 0x61, 2, 0, 1, 2, 1, 0, 1, 0, 1, 1, 1, 4, 1, 0xff,
 * ]);
 * lp[0] = lp.length;
 * assert.deepEqual(_nodeEntries(lp, { ms: 5, seq: 0 }), [{ id: { ms: 5, seq: 0 }, fields: ["a", "1"] }]);
 * ```
 */
export function _nodeEntries(lp: Uint8Array, master: IdParts): _NodeEntry[] {
  const elements = _listpackElements(lp);
  let i = 0;
  const next = () => {
    if (i >= elements.length) throw invalid();
    return elements[i++]!;
  };
  asInteger(next()); // live count
  asInteger(next()); // deleted count
  const masterFields = Array.from({ length: asInteger(next()) }, () => asText(next()));
  if (asInteger(next()) !== 0) throw invalid();
  const masterMs = BigInt(master.ms);
  const masterSeq = BigInt(master.seq);
  const entries: _NodeEntry[] = [];
  while (i < elements.length) {
    const flags = asInteger(next());
    const ms = (masterMs + asDelta(next()) + U64) % U64;
    const seq = (masterSeq + asDelta(next()) + U64) % U64;
    const fields: string[] = [];
    if (flags & FLAG_SAME_FIELDS) {
      for (const field of masterFields) fields.push(field, asText(next()));
    } else {
      const count = asInteger(next());
      for (let k = 0; k < count; k++) fields.push(asText(next()), asText(next()));
    }
    asInteger(next()); // back count
    if (!(flags & FLAG_DELETED)) entries.push({ id: { ms: toPart(ms), seq: toPart(seq) }, fields });
  }
  return entries;
}
