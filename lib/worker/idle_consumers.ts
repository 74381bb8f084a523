/**
 * Removing consumers that left a group: restarts under fresh names leave
 * consumers behind that XINFO CONSUMERS keeps listing forever.
 *
 * @module
 */

import { checkInteger } from "../checks.ts";
import { StreamError } from "../errors.ts";
import type { StreamStore } from "../store.ts";

/** Options of {@linkcode removeIdleConsumers}. */
export interface RemoveIdleConsumersOptions {
  /** The consumer group. */
  group: string;
  /** Remove consumers idle at least this long. */
  idleMs: number;
  /** Names never to remove (e.g. the caller's own). */
  keep?: readonly string[];
}

/**
 * Deletes the group's consumers that have been idle at least `idleMs` and own
 * no pending entries, and returns their names. A consumer with pending
 * entries is never removed (XGROUP DELCONSUMER would drop them): the count is
 * checked again right before each delete, and if the consumer still read
 * something in between, a `StreamError` says how many entries were dropped.
 *
 * @example Remove a consumer that never read
 * ```ts
 * import { openStore, removeIdleConsumers } from "@rstream/rstream";
 * import assert from "node:assert/strict";
 * await using store = await openStore("memory:");
 * await store.createGroup("s", "g", { mkStream: true });
 * await store.createConsumer("s", "g", { consumer: "gone" });
 * const removed = await removeIdleConsumers(store, "s", { group: "g", idleMs: 0 });
 * assert.equal(removed.join(), "gone");
 * ```
 */
export async function removeIdleConsumers(
  store: StreamStore,
  stream: string,
  options: RemoveIdleConsumersOptions,
): Promise<string[]> {
  const idleMs = checkInteger(options.idleMs, "idleMs");
  const keep = new Set(options.keep ?? []);
  const removed: string[] = [];
  for (const c of await store.consumers(stream, options.group)) {
    if (keep.has(c.name) || c.pending > 0 || c.idleMs < idleMs) continue;
    const pending = await store.pending(stream, options.group, { consumer: c.name, count: 1 });
    if (pending.length > 0) continue;
    const dropped = await store.deleteConsumer(stream, options.group, { consumer: c.name });
    removed.push(c.name);
    if (dropped > 0) {
      // It read between the check and the delete: those entries left the pending list.
      throw new StreamError(
        `Removed consumer '${c.name}' of group '${options.group}' lost ${dropped} pending entries it had just read; they will not be redelivered: raise idleMs above the consumers' BLOCK time and longest handler`,
      );
    }
  }
  return removed;
}
