/**
 * Following and paging through streams: {@linkcode tail} yields new entries
 * until its signal aborts; {@linkcode entries} walks a whole range page by
 * page in bounded memory.
 *
 * @module
 */

import { checkInteger } from "../checks.ts";
import type { StreamEntry, StreamStore } from "../store.ts";

/** Options of {@linkcode tail}. */
export interface TailOptions {
  /** Start after this ID; `$` (default) = only entries added from now on, `0` = from the start. */
  from?: string;
  /** At most this many entries per read (default 100). */
  count?: number;
  /** BLOCK per read in ms (default 5000); the loop goes on after a timeout. */
  blockMs?: number;
  /** Stops the iteration; a read in progress is cancelled. */
  signal?: AbortSignal;
}

/**
 * The ID to read after when following `stream` from `$`: the stream's last ID
 * now (`0-0` when empty or missing). Resolving `$` once, then reading after
 * explicit IDs, is what makes sure no entry is missed between reads.
 *
 * @example The last ID, or 0-0 for a stream that does not exist
 * ```ts
 * import { currentLastId, openStore } from "@rstream/rstream";
 * import assert from "node:assert/strict";
 * await using store = await openStore("memory:");
 * assert.equal(await currentLastId(store, "app:event"), "0-0");
 * await store.add("app:event", { temp: "0.41" }, { id: "5-0" });
 * await store.add("app:event", { temp: "0.42" }, { id: "7-0" });
 * assert.equal(await currentLastId(store, "app:event"), "7-0");
 * ```
 */
export async function currentLastId(store: StreamStore, stream: string): Promise<string> {
  const [last] = await store.range(stream, { reverse: true, count: 1 });
  return last?.id ?? "0-0";
}

/**
 * Follows a stream: yields every entry added after `from`, in order, until
 * `signal` aborts. No entry is missed between reads.
 *
 * @example Follow a stream until aborted
 * ```ts
 * import { openStore, tail } from "@rstream/rstream";
 * import assert from "node:assert/strict";
 * await using store = await openStore("memory:");
 * const controller = new AbortController();
 * setTimeout(() => store.add("app:event", { temp: "0.4" }), 10);
 * for await (const entry of tail(store, "app:event", { signal: controller.signal })) {
 *   assert.equal(entry.fields.temp, "0.4");
 *   controller.abort();
 * }
 * ```
 */
export async function* tail(
  store: StreamStore,
  stream: string,
  options: TailOptions = {},
): AsyncGenerator<StreamEntry> {
  const { signal } = options;
  const count = checkInteger(options.count ?? 100, "count", 1);
  const blockMs = checkInteger(options.blockMs ?? 5000, "blockMs");
  let after = options.from === undefined || options.from === "$"
    ? await currentLastId(store, stream)
    : options.from === "0"
    ? "0-0"
    : options.from;
  while (!signal?.aborted) {
    const reads = await store.read({ [stream]: after }, { count, blockMs, signal });
    for (const read of reads) {
      for (const entry of read.entries) {
        after = entry.id;
        yield entry;
      }
    }
  }
}

/** Options of {@linkcode entries}. */
export interface EntriesOptions {
  /** Low bound (default `-`). */
  start?: string;
  /** High bound (default `+`). */
  end?: string;
  /** Entries fetched per round trip (default 500). */
  pageSize?: number;
  /** Newest first. */
  reverse?: boolean;
  /** Stops between pages. */
  signal?: AbortSignal;
}

/**
 * Walks every entry between two bounds, one page per round trip, holding at
 * most one page in memory.
 *
 * @example Count a whole stream page by page
 * ```ts
 * import { entries, openStore } from "@rstream/rstream";
 * import assert from "node:assert/strict";
 * await using store = await openStore("memory:");
 * await store.addMany("s", [{ n: "1" }, { n: "2" }, { n: "3" }]);
 * let n = 0;
 * for await (const _ of entries(store, "s", { pageSize: 2 })) n++;
 * assert.equal(n, 3);
 * ```
 */
export async function* entries(
  store: StreamStore,
  stream: string,
  options: EntriesOptions = {},
): AsyncGenerator<StreamEntry> {
  const pageSize = checkInteger(options.pageSize ?? 500, "pageSize", 1);
  let start = options.start ?? "-";
  let end = options.end ?? "+";
  while (!options.signal?.aborted) {
    const page = await store.range(stream, {
      start,
      end,
      count: pageSize,
      reverse: options.reverse,
    });
    yield* page;
    if (page.length < pageSize) return;
    const last = page[page.length - 1]!.id;
    if (options.reverse) end = `(${last}`;
    else start = `(${last}`;
  }
}
