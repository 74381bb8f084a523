/**
 * The worker's scans of the pending list: its own pending entries page by
 * page, the group's idle entries through XAUTOCLAIM, and each entry's
 * delivery count.
 *
 * @module
 */

import type { GroupEntry, StreamEntry, StreamStore } from "../store.ts";
import type { ConsumeSettings } from "./options.ts";

/** Most XAUTOCLAIM rounds in one reclaim: a bound, so a reclaim always ends. */
const MAX_RECLAIM_ROUNDS = 100;

/** Pages of this consumer's own pending entries (XREADGROUP from `0`), until none are left. */
export async function* ownPendingPages(
  store: StreamStore,
  o: ConsumeSettings,
): AsyncGenerator<GroupEntry[]> {
  let after = "0-0";
  while (true) {
    const reads = await store.readGroup(o.stream, o.group, {
      consumer: o.consumer,
      id: after,
      count: o.count,
    });
    const entries = reads[0]?.entries ?? [];
    if (entries.length === 0) return;
    yield entries;
    after = entries[entries.length - 1]!.id;
  }
}

/** One XAUTOCLAIM round: entries now owned by this consumer, and IDs found deleted. */
export interface ReclaimRound {
  /** Entries taken over (idle longer than `claimIdleMs`). */
  entries: StreamEntry[];
  /** Pending IDs whose entries no longer exist. */
  deletedIds: string[];
}

/** XAUTOCLAIM rounds over the whole pending list, idle longer than `claimIdleMs`. */
export async function* reclaimRounds(
  store: StreamStore,
  o: ConsumeSettings,
): AsyncGenerator<ReclaimRound> {
  let start = "0-0";
  for (let round = 0; round < MAX_RECLAIM_ROUNDS; round++) {
    const result = await store.autoClaim(o.stream, o.group, {
      consumer: o.consumer,
      minIdleMs: o.claimIdleMs,
      start,
      count: o.count,
    });
    yield { entries: result.entries, deletedIds: result.deletedIds };
    start = result.nextStart;
    if (start === "0-0") return;
  }
}

/**
 * Each entry's delivery count, looked up by its own ID (one XPENDING per
 * entry, sent together): a range query could be filled up by this
 * consumer's other pending entries and miss some.
 */
export async function deliveryCounts(
  store: StreamStore,
  o: ConsumeSettings,
  entries: readonly GroupEntry[],
): Promise<Map<string, number>> {
  const found = await Promise.all(
    entries.map((e) => store.pending(o.stream, o.group, { start: e.id, end: e.id, count: 1 })),
  );
  return new Map(found.flat().map((p) => [p.id, p.deliveries]));
}
