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
 * Reads a listpack's elements one at a time, so that a large listpack costs
 * no more memory than what is kept of it.
 *
 * @throws {RangeError} when the bytes are not a whole, valid listpack
 */
export class _ListpackCursor {
  readonly #lp: Uint8Array;
  readonly #view: DataView;
  #p = 6;

  constructor(lp: Uint8Array) {
    this.#lp = lp;
    this.#view = new DataView(lp.buffer, lp.byteOffset, lp.byteLength);
    if (
      lp.length < 7 || this.#view.getUint32(0, true) !== lp.length || lp[lp.length - 1] !== 0xff
    ) {
      throw invalid();
    }
  }

  /** Whether every element has been read. */
  get done(): boolean {
    return this.#p >= this.#lp.length - 1;
  }

  #need(n: number): void {
    if (this.#p + n > this.#lp.length - 1) throw invalid();
  }

  /** The next element (a string's bytes are a view of the listpack). */
  next(): _ListpackElement {
    if (this.done) throw invalid();
    const lp = this.#lp;
    const view = this.#view;
    const p = this.#p;
    const b = lp[p]!;
    let value: _ListpackElement;
    let length: number; // of encoding + data
    if ((b & 0x80) === 0) {
      value = b & 0x7f;
      length = 1;
    } else if ((b & 0xc0) === 0x80) {
      length = 1 + (b & 0x3f);
      this.#need(length);
      value = lp.subarray(p + 1, p + length);
    } else if ((b & 0xe0) === 0xc0) {
      this.#need(2);
      const v = ((b & 0x1f) << 8) | lp[p + 1]!;
      value = v >= 4096 ? v - 8192 : v;
      length = 2;
    } else if ((b & 0xf0) === 0xe0) {
      this.#need(2);
      length = 2 + (((b & 0x0f) << 8) | lp[p + 1]!);
      this.#need(length);
      value = lp.subarray(p + 2, p + length);
    } else if (b === 0xf0) {
      this.#need(5);
      length = 5 + view.getUint32(p + 1, true);
      this.#need(length);
      value = lp.subarray(p + 5, p + length);
    } else if (b === 0xf1) {
      this.#need(3);
      value = view.getInt16(p + 1, true);
      length = 3;
    } else if (b === 0xf2) {
      this.#need(4);
      const v = lp[p + 1]! | (lp[p + 2]! << 8) | (lp[p + 3]! << 16);
      value = v >= 0x800000 ? v - 0x1000000 : v;
      length = 4;
    } else if (b === 0xf3) {
      this.#need(5);
      value = view.getInt32(p + 1, true);
      length = 5;
    } else if (b === 0xf4) {
      this.#need(9);
      const v = view.getBigInt64(p + 1, true);
      value = v >= -(2n ** 53n) && v <= 2n ** 53n ? Number(v) : v;
      length = 9;
    } else {
      throw invalid();
    }
    this.#need(length + backlenSize(length));
    this.#p = p + length + backlenSize(length);
    return value;
  }
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
  const cursor = new _ListpackCursor(lp);
  const out: _ListpackElement[] = [];
  while (!cursor.done) out.push(cursor.next());
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
  const cursor = new _ListpackCursor(lp);
  const next = () => cursor.next();
  asInteger(next()); // live count
  asInteger(next()); // deleted count
  const masterFields: string[] = [];
  for (let k = asInteger(next()); k > 0; k--) masterFields.push(asText(next()));
  if (asInteger(next()) !== 0) throw invalid();
  const masterMs = BigInt(master.ms);
  const masterSeq = BigInt(master.seq);
  const entries: _NodeEntry[] = [];
  while (!cursor.done) {
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
