/**
 * Exactly-once adds under IDs the producer chooses. A stream accepts an ID
 * only above its last one, so an XADD with an explicit ID can succeed at most
 * once: a retry after a lost reply, or the first attempt arriving late after
 * a stalled connection, is refused by the server instead of stored twice.
 * {@linkcode addOnce} tells such a refusal (the entry is already there) from a
 * real conflict (another entry took the ID: choose a new one).
 *
 * @module
 */

import { StreamIdTooSmallError } from "./errors.ts";
import { compareStreamIds, nextStreamId, parseStreamId } from "./stream_id.ts";
import type { Fields, StreamStore } from "./store.ts";
import type { TrimOptions } from "./types.ts";

/**
 * Options of {@linkcode addOnce}.
 *
 * @example An explicit ID, with trimming
 * ```ts
 * import { type AddOnceOptions, producerId } from "@rstream/rstream";
 * import assert from "node:assert/strict";
 * const options: AddOnceOptions = { id: producerId(undefined, 1000), maxLen: 1000 };
 * assert.equal(options.id, "1000-0");
 * ```
 */
export interface AddOnceOptions extends TrimOptions {
  /** The entry's explicit ID `<ms>-<seq>`, the same on every attempt (see {@linkcode producerId}). */
  id: string;
}

/**
 * What {@linkcode addOnce} did.
 *
 * @example Count the retries that found their entry already stored
 * ```ts
 * import type { AddOnceResult } from "@rstream/rstream";
 * import assert from "node:assert/strict";
 * const results: AddOnceResult[] = [{ id: "1-0", added: true }, { id: "1-0", added: false }];
 * assert.equal(results.filter((r) => !r.added).length, 1);
 * ```
 */
export interface AddOnceResult {
  /** The entry's ID (the one given). */
  id: string;
  /** `false` when an earlier attempt had already stored the entry. */
  added: boolean;
}

function sameFields(a: Fields, b: Fields): boolean {
  const x = Object.entries(a);
  const y = Object.entries(b);
  return x.length === y.length && x.every(([k, v], i) => y[i]![0] === k && y[i]![1] === v);
}

/**
 * Adds `fields` under the explicit ID `options.id`, or finds that an earlier
 * attempt with the same ID and fields already did: retried with the same ID
 * after any failure (a timeout, a dropped connection, a crash before the reply
 * was read), the entry is stored exactly once, on Redis and on the embedded
 * store alike. Give each reading its own ID (with {@linkcode producerId}) and
 * keep it until the add succeeds.
 *
 * @example A retry of an add that had succeeded stores nothing more
 * ```ts
 * import { addOnce, openStore } from "@rstream/rstream";
 * import assert from "node:assert/strict";
 * await using store = await openStore("memory:");
 * const fields = { sensor_id: "sensor2", temp: "0.42" };
 * assert.deepEqual(await addOnce(store, "app:event", fields, { id: "1700000000000-0" }), {
 *   id: "1700000000000-0",
 *   added: true,
 * });
 * const retry = await addOnce(store, "app:event", fields, { id: "1700000000000-0" });
 * assert.equal(retry.added, false);
 * assert.equal(await store.len("app:event"), 1);
 * ```
 *
 * @throws {TypeError} when `options.id` is not an explicit `<ms>-<seq>` ID
 * @throws {StreamIdTooSmallError} when the ID is not above the stream's last ID
 *   and no entry with these fields holds it: nothing was stored, and it never
 *   will be under that ID; add again under `producerId(error.lastId)`
 */
export async function addOnce(
  store: StreamStore,
  stream: string,
  fields: Fields,
  options: AddOnceOptions,
): Promise<AddOnceResult> {
  const { id, ...trim } = options;
  if (typeof id !== "string" || !/^\d+-\d+$/.test(id)) {
    throw new TypeError(
      `addOnce() needs an explicit ID <ms>-<seq>, not '${id}'; choose one with producerId()`,
    );
  }
  parseStreamId(id); // range check
  try {
    await store.add(stream, fields, { ...trim, id });
    return { id, added: true };
  } catch (error) {
    if (!(error instanceof StreamIdTooSmallError)) throw error;
    const [entry] = await store.range(stream, { start: id, end: id, count: 1 });
    if (entry !== undefined && sameFields(entry.fields, fields)) return { id, added: false };
    throw error;
  }
}

/**
 * The ID for a producer's next entry: `<now>-0`, or just above `previous`
 * (the producer's last ID, or the stream's last ID from a
 * {@linkcode StreamIdTooSmallError}) when the clock has not moved past it.
 *
 * @example IDs follow the clock, and never go back
 * ```ts
 * import { producerId } from "@rstream/rstream";
 * import assert from "node:assert/strict";
 * assert.equal(producerId(undefined, 1000), "1000-0");
 * assert.equal(producerId("1000-0", 1000), "1000-1");
 * assert.equal(producerId("1200-3", 1000), "1200-4");
 * assert.equal(producerId("1000-5", 2000), "2000-0");
 * ```
 */
export function producerId(previous?: string, now: number = Date.now()): string {
  const clock = `${Math.max(0, Math.floor(now))}-0`;
  if (previous === undefined || compareStreamIds(clock, previous) > 0) return clock;
  const next = nextStreamId(previous);
  if (next === undefined) throw new RangeError(`No stream ID is above ${previous}`);
  return next;
}
