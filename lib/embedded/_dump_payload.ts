/**
 * Reading a `DUMP` payload (Redis's RDB serialization of one value, then the
 * RDB version and a CRC-64): strings and streams, the types the embedded store
 * keeps. Streams are read in all three RDB forms (`RDB_TYPE_STREAM_LISTPACKS`
 * of Redis 5–6.2, `_2` of 7.0, `_3` of 7.2 and later), as `src/rdb.c` loads
 * them.
 *
 * @module
 */

import { _crc64 } from "./_crc64.ts";
import { _nodeEntries, type _NodeEntry } from "./_listpack.ts";
import { _lzfDecompress } from "./_lzf.ts";
import { compareIds, type IdParts, toPart, U64_MAX } from "./ids.ts";
import { MAX_COUNTER } from "./replies.ts";

/** Refuses a counter the embedded store cannot count on from (see {@linkcode MAX_COUNTER}). */
function counter(value: number, what: string): number {
  if (value <= MAX_COUNTER) return value;
  throw new _DumpPayloadError(
    "limit",
    `The embedded store keeps ${what} up to ${MAX_COUNTER}; this payload has ${value}`,
  );
}

/** The newest RDB version this reader knows (Redis 7.4's is 12). */
const RDB_VERSION = 12;

/** A pending entry of a dumped group. */
export interface _DumpedPending {
  id: IdParts;
  deliveryTime: number;
  deliveryCount: number;
  consumer: string;
}

/** A dumped consumer group. */
export interface _DumpedGroup {
  name: string;
  lastId: IdParts;
  /** Undefined in payloads from before Redis 7.0 (estimated when restored); -1 when unknown. */
  entriesRead: number | undefined;
  consumers: { name: string; seenTime: number }[];
  pending: _DumpedPending[];
}

/** A dumped value: a string or a stream. */
export type _DumpedValue =
  | { type: "string"; value: string }
  | {
    type: "stream";
    entries: _NodeEntry[];
    length: number;
    lastId: IdParts;
    maxDeletedId: IdParts;
    entriesAdded: number;
    groups: _DumpedGroup[];
  };

/** Why a payload was refused: Redis's two answers, and a type the store does not keep. */
export class _DumpPayloadError extends Error {
  constructor(readonly problem: "checksum" | "format" | "type" | "limit", message: string) {
    super(message);
  }
}

const TYPE_NAMES: Record<number, string> = {
  1: "list",
  2: "set",
  3: "zset",
  4: "hash",
  5: "zset",
  6: "module",
  7: "module",
  9: "hash",
  10: "list",
  11: "set",
  12: "zset",
  13: "hash",
  14: "list",
  16: "hash",
  17: "zset",
  18: "list",
  20: "set",
};

const decoder = new TextDecoder();
const SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const formatError = () => new _DumpPayloadError("format", "Bad data format");

/** Reads RDB primitives from a buffer, refusing to read past its end. */
class RdbReader {
  #at = 0;
  readonly #bytes: Uint8Array;
  readonly #view: DataView;

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  #take(n: number): number {
    if (this.#at + n > this.#bytes.length) throw formatError();
    const at = this.#at;
    this.#at += n;
    return at;
  }

  byte(): number {
    return this.#bytes[this.#take(1)]!;
  }

  raw(n: number): Uint8Array {
    const at = this.#take(n);
    return this.#bytes.subarray(at, at + n);
  }

  /** A length, or (encoded = true) the encoding of a special string. */
  #length(): { value: bigint; encoded: boolean } {
    const first = this.byte();
    const kind = first >> 6;
    if (kind === 0) return { value: BigInt(first & 0x3f), encoded: false };
    if (kind === 1) return { value: BigInt(((first & 0x3f) << 8) | this.byte()), encoded: false };
    if (kind === 3) return { value: BigInt(first & 0x3f), encoded: true };
    if (first === 0x80) {
      return { value: BigInt(this.#view.getUint32(this.#take(4))), encoded: false };
    }
    if (first === 0x81) return { value: this.#view.getBigUint64(this.#take(8)), encoded: false };
    throw formatError();
  }

  /** `rdbLoadLen` as a 64-bit value. */
  bigLength(): bigint {
    const { value, encoded } = this.#length();
    if (encoded) throw formatError();
    return value;
  }

  /** `rdbLoadLen` as a count. */
  length(): number {
    const value = this.bigLength();
    if (value > SAFE) throw formatError();
    return Number(value);
  }

  /** An ID saved as two lengths. */
  id(): IdParts {
    return { ms: toPart(this.bigLength()), seq: toPart(this.bigLength()) };
  }

  /** An ID saved as 16 big-endian bytes (a radix-tree key). */
  rawId(): IdParts {
    const at = this.#take(16);
    return {
      ms: toPart(this.#view.getBigUint64(at)),
      seq: toPart(this.#view.getBigUint64(at + 8)),
    };
  }

  /** `rdbLoadMillisecondTime` (little-endian since RDB 9); a time past 2^53 ms is not one. */
  millis(): number {
    const value = this.#view.getBigInt64(this.#take(8), true);
    if (value > SAFE || value < -SAFE) throw formatError();
    return Number(value);
  }

  /** `rdbGenericLoadStringObject`: plain, integer-encoded or LZF-compressed. */
  string(): Uint8Array {
    const { value, encoded } = this.#length();
    if (!encoded) return this.raw(Number(value));
    if (value === 0n) return new TextEncoder().encode(String(this.#view.getInt8(this.#take(1))));
    if (value === 1n) {
      return new TextEncoder().encode(String(this.#view.getInt16(this.#take(2), true)));
    }
    if (value === 2n) {
      return new TextEncoder().encode(String(this.#view.getInt32(this.#take(4), true)));
    }
    if (value === 3n) {
      const compressed = this.length();
      const length = this.length();
      try {
        return _lzfDecompress(this.raw(compressed), length);
      } catch {
        throw formatError();
      }
    }
    throw formatError();
  }

  text(): string {
    return decoder.decode(this.string());
  }
}

function readStream(reader: RdbReader, type: number): _DumpedValue {
  const entries: _NodeEntry[] = [];
  for (let nodes = reader.length(); nodes > 0; nodes--) {
    const key = reader.string();
    if (key.length !== 16) throw formatError();
    const master = new RdbReader(key).rawId();
    let node: _NodeEntry[];
    try {
      node = _nodeEntries(reader.string(), master);
    } catch (error) {
      if (error instanceof _DumpPayloadError) throw error;
      throw formatError();
    }
    for (const entry of node) {
      // Entries come in ID order (nodes in radix-tree order): the store's keys rely on it.
      const previous = entries[entries.length - 1];
      if (previous !== undefined && compareIds(previous.id, entry.id) >= 0) throw formatError();
      entries.push(entry);
    }
  }
  const length = reader.length();
  const lastId = reader.id();
  const top = entries[entries.length - 1];
  if (top !== undefined && compareIds(top.id, lastId) > 0) throw formatError(); // XADD would collide
  let maxDeletedId: IdParts = { ms: 0, seq: 0 };
  let entriesAdded = length;
  if (type !== 15) {
    reader.id(); // first ID: the first entry's, which the store finds itself
    maxDeletedId = reader.id();
    entriesAdded = counter(reader.length(), "entries-added");
  }
  const groups: _DumpedGroup[] = [];
  for (let count = reader.length(); count > 0; count--) {
    const name = reader.text();
    const groupLastId = reader.id();
    let entriesRead: number | undefined;
    if (type !== 15) {
      const read = reader.bigLength();
      entriesRead = read === U64_MAX ? -1 : counter(Number(read), "entries-read");
    }
    const pending = new Map<string, Omit<_DumpedPending, "consumer"> & { consumer?: string }>();
    for (let n = reader.length(); n > 0; n--) {
      const id = reader.rawId();
      const key = `${id.ms}-${id.seq}`;
      if (pending.has(key)) throw formatError();
      const deliveryTime = reader.millis();
      const deliveryCount = counter(reader.length(), "delivery counts");
      pending.set(key, { id, deliveryTime, deliveryCount });
    }
    const consumers: _DumpedGroup["consumers"] = [];
    for (let n = reader.length(); n > 0; n--) {
      const consumer = reader.text();
      const seenTime = reader.millis();
      if (type === 21) reader.millis(); // active time: Redis 7.2's, which the store does not keep
      consumers.push({ name: consumer, seenTime });
      for (let k = reader.length(); k > 0; k--) {
        const id = reader.rawId();
        const nack = pending.get(`${id.ms}-${id.seq}`);
        if (nack === undefined || nack.consumer !== undefined) throw formatError();
        nack.consumer = consumer;
      }
    }
    const owned: _DumpedPending[] = [];
    for (const nack of pending.values()) {
      if (nack.consumer === undefined) throw formatError();
      owned.push(nack as _DumpedPending);
    }
    if (new Set(consumers.map((c) => c.name)).size !== consumers.length) throw formatError();
    groups.push({ name, lastId: groupLastId, entriesRead, consumers, pending: owned });
  }
  if (new Set(groups.map((g) => g.name)).size !== groups.length) throw formatError();
  if (length !== entries.length) throw formatError();
  return { type: "stream", entries, length, lastId, maxDeletedId, entriesAdded, groups };
}

/**
 * Reads a `DUMP` payload: checks its RDB version and CRC-64 as Redis's
 * `verifyDumpPayload` does, then its value.
 *
 * @throws {_DumpPayloadError} `checksum` (Redis: "DUMP payload version or
 *   checksum are wrong"), `format` ("Bad data format"), `type` (a value the
 *   embedded store does not keep, such as a hash) or `limit` (a counter above
 *   what it counts to)
 *
 * @example A string dumped by Redis 7.0 (`SET k hello`, `DUMP k`)
 * ```ts
 * import { _readDumpPayload } from "./_dump_payload.ts";
 * import assert from "node:assert/strict";
 * const payload = new Uint8Array([
 *   0x00, 0x05, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x0a, 0x00, 0x63, 0x72, 0xdf, 0x76, 0x65, 0x34, 0x20, 0x0a,
 * ]);
 * assert.deepEqual(_readDumpPayload(payload), { type: "string", value: "hello" });
 * ```
 */
export function _readDumpPayload(payload: Uint8Array): _DumpedValue {
  const wrong = () =>
    new _DumpPayloadError("checksum", "DUMP payload version or checksum are wrong");
  if (payload.length < 10) throw wrong();
  const footer = new DataView(payload.buffer, payload.byteOffset + payload.length - 10, 10);
  if (footer.getUint16(0, true) > RDB_VERSION) throw wrong();
  if (_crc64(payload.subarray(0, payload.length - 8)) !== footer.getBigUint64(2, true)) {
    throw wrong();
  }
  const reader = new RdbReader(payload.subarray(0, payload.length - 10));
  const type = reader.byte();
  if (type === 0) return { type: "string", value: reader.text() };
  if (type === 15 || type === 19 || type === 21) return readStream(reader, type);
  throw new _DumpPayloadError(
    "type",
    TYPE_NAMES[type] === undefined
      ? "Bad data format"
      : `the embedded store keeps only strings and streams; this payload holds a ${
        TYPE_NAMES[type]
      }`,
  );
}
