/**
 * The seed article's plain consumer: no group, a checkpoint instead. It stores
 * the last processed ID under `<consumer>:lastid` and resumes from it.
 *
 * @module
 */

import { checkInteger, checkName } from "../checks.ts";
import type { StreamEntry, StreamStore } from "../store.ts";
import { currentLastId } from "./tail.ts";

/** Options of {@linkcode readFromCheckpoint}. */
export interface CheckpointReaderOptions {
  /** The store to read. */
  store: StreamStore;
  /** The stream to read. */
  stream: string;
  /** The reader's name; its checkpoint is the key `<consumer>:lastid`. */
  consumer: string;
  /** Where to start without a checkpoint: `$` (latest, default) or `0` (beginning). */
  start?: "$" | "0";
  /** BLOCK per read in ms (default 5000). */
  blockMs?: number;
  /** Entries per read (default 10). */
  count?: number;
  /** Stop after this many entries were handled. */
  maxHandled?: number;
  /** Stops the reader after the entry in progress. */
  signal?: AbortSignal;
  /** Called when a read times out with no entries, with the checkpoint. */
  onIdle?: (lastId: string) => void;
  /**
   * Called once before the first read: the ID it reads after, and whether it
   * came from the checkpoint (`resumed`) or from `start`.
   */
  onStart?: (from: { lastId: string; resumed: boolean }) => void;
}

/** What {@linkcode readFromCheckpoint} did. */
export interface CheckpointReaderStats {
  /** Entries handled. */
  handled: number;
  /** The checkpoint when it stopped. */
  lastId: string;
}

/**
 * The key a reader's checkpoint is stored under.
 *
 * @example Where readFromCheckpoint() saves the last handled ID
 * ```ts
 * import { checkpointKey, openStore, readFromCheckpoint } from "@rstream/rstream";
 * import assert from "node:assert/strict";
 * assert.equal(checkpointKey("c1"), "c1:lastid");
 * assert.throws(() => checkpointKey(""), RangeError);
 * await using store = await openStore("memory:");
 * const id = await store.add("app:event", { temp: "0.42" });
 * await readFromCheckpoint(() => {}, {
 *   store,
 *   stream: "app:event",
 *   consumer: "c1",
 *   start: "0",
 *   maxHandled: 1,
 * });
 * assert.equal(await store.get(checkpointKey("c1")), id);
 * ```
 */
export function checkpointKey(consumer: string): string {
  return `${checkName(consumer, "Consumer name")}:lastid`;
}

/**
 * Reads a stream in order, calling `handler` for each entry and saving the
 * entry's ID as the checkpoint after the handler succeeded. A restart resumes
 * after the checkpoint; a handler that throws stops the reader with the
 * checkpoint before that entry, so it is read again next time.
 *
 * @example Resume where the last run stopped
 * ```ts
 * import { openStore, readFromCheckpoint } from "@rstream/rstream";
 * import assert from "node:assert/strict";
 * await using store = await openStore("memory:");
 * await store.addMany("app:event", [{ n: "1" }, { n: "2" }]);
 * const seen: string[] = [];
 * const options = { store, stream: "app:event", consumer: "c1", start: "0" as const, maxHandled: 1 };
 * await readFromCheckpoint((entry) => void seen.push(entry.fields.n), options);
 * await readFromCheckpoint((entry) => void seen.push(entry.fields.n), options);
 * assert.equal(seen.join(), "1,2");
 * ```
 */
export async function readFromCheckpoint(
  handler: (entry: StreamEntry) => void | Promise<void>,
  options: CheckpointReaderOptions,
): Promise<CheckpointReaderStats> {
  const { store, stream, signal } = options;
  const key = checkpointKey(options.consumer);
  const blockMs = checkInteger(options.blockMs ?? 5000, "blockMs");
  const count = checkInteger(options.count ?? 10, "count", 1);
  const max = options.maxHandled === undefined
    ? Infinity
    : checkInteger(options.maxHandled, "maxHandled", 1);
  const checkpoint = await store.get(key);
  let lastId = checkpoint ??
    (options.start === "0" ? "0-0" : await currentLastId(store, stream));
  options.onStart?.({ lastId, resumed: checkpoint !== null });
  let handled = 0;
  while (!signal?.aborted && handled < max) {
    const reads = await store.read({ [stream]: lastId }, {
      count: Math.min(count, max - handled),
      blockMs,
      signal,
    });
    if (reads.length === 0) {
      if (!signal?.aborted) options.onIdle?.(lastId);
      continue;
    }
    for (const entry of reads[0]!.entries) {
      await handler(entry);
      await store.set(key, entry.id);
      lastId = entry.id;
      handled++;
      if (signal?.aborted || handled >= max) break;
    }
  }
  return { handled, lastId };
}
