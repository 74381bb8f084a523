/**
 * Reading a stream without a group: {@linkcode tail} (new entries as they
 * come), {@linkcode entries} (a range, page by page) and
 * {@linkcode readFromCheckpoint} (resume after the last ID a reader saved).
 *
 * @example Page through a range
 * ```ts
 * import { entries, openStore } from "@rstream/rstream";
 * import assert from "node:assert/strict";
 * await using store = await openStore("memory:");
 * await store.addMany("app:event", [{ n: "1" }, { n: "2" }, { n: "3" }]);
 * const seen: string[] = [];
 * for await (const entry of entries(store, "app:event", { pageSize: 2 })) seen.push(entry.fields.n!);
 * assert.deepEqual(seen, ["1", "2", "3"]);
 * ```
 *
 * @module
 */

export { currentLastId, entries, tail } from "./tail.ts";
export type { EntriesOptions, TailOptions } from "./tail.ts";
export { checkpointKey, readFromCheckpoint } from "./checkpoint_reader.ts";
export type { CheckpointReaderOptions, CheckpointReaderStats } from "./checkpoint_reader.ts";
