/**
 * An edge device's spool: readings committed to an embedded store first, each
 * numbered with the spool's sequence and stamped with the spool's random ID,
 * until a forwarder moves them on.
 *
 * @module
 */

import { ReplyError } from "../errors.ts";
import { openStore } from "../open_store.ts";
import type { Fields, StreamStore } from "../store.ts";

/** Options of {@linkcode openSpool}. */
export interface SpoolOptions {
  /** The stream the readings are for (the forwarder's target). */
  stream: string;
  /** The device's name, carried in every reading as `spool_device`. */
  device: string;
  /** Keep at most this many readings; beyond it the oldest are dropped (default 100000). */
  maxEntries?: number;
}

/** A reading waiting in the spool. */
export interface SpooledReading {
  /** The spool's sequence number (1, 2, …; never reused under one spool ID). */
  seq: number;
  /**
   * The reading's fields, including `spool_device`, `spool_id`, `spool_seq`
   * and `spool_ts` (readings spooled by rstream before spool IDs have no `spool_id`).
   */
  fields: Fields;
}

/** What {@linkcode Spool.append} did. */
export interface AppendResult {
  /** The reading as committed. */
  reading: SpooledReading;
  /** How many of the oldest readings were dropped to stay within `maxEntries`. */
  dropped: number;
}

const DEVICE_KEY = "spool:device";

/** The string key holding the spool ID of the readings for `stream` (outside `spool:<stream>`). */
function idKey(stream: string): string {
  return `spool-id:${stream}`;
}

/** A new spool ID: 16 random hex digits. */
function newSpoolId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** Whether `error` is the "no such key" reply both backends give XINFO STREAM for a missing stream. */
function isNoSuchKey(error: unknown): boolean {
  return error instanceof ReplyError && /^ERR no such key/i.test(error.message);
}

/**
 * A spool over an embedded store. Each reading is one entry of the stream
 * `spool:<stream>` whose ID is `<seq>-0`, so the sequence is committed in the
 * same write as the reading and survives deletions (the stream's last ID).
 * A spool file that is deleted and created again starts again at 1, so every
 * reading also carries the spool's random ID (`spool_id`): the pair
 * (`spool_id`, `spool_seq`) is never reused. One process appends to a spool
 * at a time.
 *
 * @example Readings beyond maxEntries are dropped; sequences survive removal and reopening
 * ```ts
 * import { openSpool, Spool } from "@rstream/rstream/spool";
 * import assert from "node:assert/strict";
 * const path = `${await Deno.makeTempDir()}/spool.db`;
 * const spool = await openSpool(path, { stream: "app:event", device: "sensor2", maxEntries: 2 });
 * assert.ok(spool instanceof Spool);
 * await spool.append({ temp: "0.40" });
 * await spool.append({ temp: "0.41" });
 * const { reading, dropped } = await spool.append({ temp: "0.42" });
 * assert.ok(reading.seq === 3 && dropped === 1);
 * const waiting = await spool.peek(10);
 * assert.deepEqual(waiting.map((r) => r.seq), [2, 3]);
 * assert.equal(await spool.remove([2, 3]), 2);
 * assert.equal(await spool.length(), 0);
 * await spool.close();
 *
 * await using again = await openSpool(path, { stream: "app:event", device: "sensor2" });
 * assert.ok(again.lastSeq === 3 && again.id === spool.id);
 * assert.equal((await again.append({ temp: "0.43" })).reading.fields.spool_seq, "4");
 * ```
 */
export class Spool implements AsyncDisposable {
  /** The stream the readings are for. */
  readonly stream: string;
  /** The device's name. */
  readonly device: string;
  /** The spool's random ID, carried in every reading as `spool_id`. */
  readonly id: string;
  /** The bound on the number of readings kept. */
  readonly maxEntries: number;
  /** The stream inside the spool that holds the readings. */
  readonly key: string;
  /** The embedded store underneath. */
  readonly store: StreamStore;
  /** Readings dropped since the spool was opened. */
  dropped = 0;
  #seq: number;
  #length: number;
  #waiters = new Set<() => void>();

  /** Use {@linkcode openSpool}. */
  constructor(
    store: StreamStore,
    options: Required<SpoolOptions> & { id: string; seq: number; length: number },
  ) {
    this.store = store;
    this.stream = options.stream;
    this.device = options.device;
    this.id = options.id;
    this.maxEntries = options.maxEntries;
    this.key = `spool:${options.stream}`;
    this.#seq = options.seq;
    this.#length = options.length;
  }

  /** The last sequence number given out. */
  get lastSeq(): number {
    return this.#seq;
  }

  /**
   * Commits a reading with the next sequence number, then drops the oldest
   * readings beyond `maxEntries`.
   */
  async append(fields: Fields): Promise<AppendResult> {
    const seq = this.#seq + 1;
    const stamped: Fields = {
      ...fields,
      spool_device: this.device,
      spool_id: this.id,
      spool_seq: String(seq),
      spool_ts: String(Date.now()),
    };
    await this.store.add(this.key, stamped, { id: `${seq}-0` });
    this.#seq = seq;
    let dropped = 0;
    if (++this.#length > this.maxEntries) {
      dropped = await this.store.trim(this.key, { maxLen: this.maxEntries });
      this.dropped += dropped;
      this.#length = await this.store.len(this.key);
    }
    for (const wake of this.#waiters) wake();
    return { reading: { seq, fields: stamped }, dropped };
  }

  /** The oldest `count` readings, in order. */
  async peek(count: number): Promise<SpooledReading[]> {
    const entries = await this.store.range(this.key, { count });
    return entries.map((entry) => ({ seq: Number(entry.id.split("-")[0]), fields: entry.fields }));
  }

  /** Deletes readings by sequence number; returns how many were there. */
  async remove(seqs: readonly number[]): Promise<number> {
    if (seqs.length === 0) return 0;
    const removed = await this.store.del(this.key, seqs.map((seq) => `${seq}-0`));
    this.#length = Math.max(0, this.#length - removed);
    return removed;
  }

  /** How many readings wait in the spool. */
  async length(): Promise<number> {
    this.#length = await this.store.len(this.key);
    return this.#length;
  }

  /** Resolves on the next {@linkcode Spool.append}, after `timeoutMs`, or on abort. */
  appended(options: { timeoutMs: number; signal?: AbortSignal }): Promise<void> {
    return new Promise((resolve) => {
      if (options.signal?.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        this.#waiters.delete(done);
        options.signal?.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, options.timeoutMs);
      this.#waiters.add(done);
      options.signal?.addEventListener("abort", done, { once: true });
    });
  }

  /** Closes the embedded store. */
  async close(): Promise<void> {
    for (const wake of this.#waiters) wake();
    await this.store.close();
  }

  /** Closes the spool (`await using`). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * Opens (creating it if needed) the spool at `path`. Its directory must
 * exist, except a missing `.rstream/`, which is created as for the embedded
 * store. A spool belongs to one device: opening it under another name fails.
 *
 * @example Spool a reading while offline
 * ```ts
 * import { openSpool } from "@rstream/rstream";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await using spool = await openSpool(`${dir}/spool.db`, { stream: "app:event", device: "sensor2" });
 * const { reading } = await spool.append({ sensor_id: "sensor2", temp: "0.42", humidity: "0.1" });
 * assert.ok(reading.seq === 1 && reading.fields.spool_seq === "1");
 * ```
 *
 * @throws {Error} when the spool belongs to another device.
 * @throws {StoreFileError} when its file cannot be used (a missing directory,
 *   read-only, not an rstream store, not permitted).
 */
export async function openSpool(path: string, options: SpoolOptions): Promise<Spool> {
  if (path === "") throw new TypeError("openSpool() needs a path");
  if (options.device === "") throw new TypeError("openSpool() needs a device name");
  const store = await openStore(`file:${path}`);
  try {
    const owner = await store.get(DEVICE_KEY);
    if (owner === null) await store.set(DEVICE_KEY, options.device);
    else if (owner !== options.device) {
      throw new Error(
        `Spool ${path} belongs to device '${owner}', not '${options.device}'; use --spool-device ${owner} or another spool path`,
      );
    }
    const key = `spool:${options.stream}`;
    const length = await store.len(key);
    // The stream's last ID outlives deleted readings: sequences are never reused.
    const seq = await store.info(key).then(
      (info) => Number(info.lastGeneratedId.split("-")[0]),
      (error) => {
        if (isNoSuchKey(error)) return 0; // no such stream yet
        throw error;
      },
    );
    // A sequence that starts at 1 (a new spool, or its stream was deleted) gets a new ID.
    let id = await store.get(idKey(options.stream));
    if (id === null || seq === 0) {
      id = newSpoolId();
      await store.set(idKey(options.stream), id);
    }
    return new Spool(store, {
      stream: options.stream,
      device: options.device,
      id,
      maxEntries: options.maxEntries ?? 100_000,
      seq,
      length,
    });
  } catch (error) {
    await store.close();
    throw error;
  }
}
