/**
 * What the consumer worker takes and reports: its options, the deliveries its
 * handler gets, its events and its final statistics.
 *
 * @module
 */

import { checkInteger, checkName } from "../checks.ts";
import type { Fields, StreamStore } from "../store.ts";

/** One delivery of an entry to the handler. */
export interface Delivery {
  /** The stream it came from. */
  stream: string;
  /** The entry's ID. */
  id: string;
  /** The entry's fields. */
  fields: Fields;
  /** How many times it has been delivered, this time included (1 on first delivery). */
  deliveries: number;
  /** The consumer it was delivered to. */
  consumer: string;
}

/** What the stall watchdog reports: a store call ran past its budget, or calls succeed again. */
export type HealthEvent =
  | { type: "unhealthy"; operation: string; waitedMs: number }
  | { type: "healthy"; unhealthyMs: number };

/** What the worker reports, for logging and metrics. */
export type WorkerEvent =
  | { type: "group-created"; stream: string; group: string; start: string }
  | { type: "handled"; delivery: Delivery }
  | { type: "failed"; delivery: Delivery; error: unknown }
  | { type: "dead-lettered"; delivery: Delivery; error: string; deadLetterStream: string }
  | { type: "deleted"; id: string }
  | { type: "reclaimed"; ids: string[] }
  | { type: "consumer-removed"; consumer: string }
  | { type: "error"; error: unknown; repeated: number }
  /** A store call succeeded after failed ones: `error` is the last failure, `failedMs` since the first. */
  | { type: "recovered"; error: unknown; failedMs: number }
  | HealthEvent;

/** Options of {@linkcode consume}. */
export interface ConsumeOptions {
  /** The store to consume from. */
  store: StreamStore;
  /** The stream to consume. */
  stream: string;
  /** The consumer group (created with MKSTREAM when missing). */
  group: string;
  /** This consumer's name, unique within the group. */
  consumer: string;
  /** Where a group created now starts: `$` (new entries, default), `0` or an ID. */
  start?: string;
  /** Entries per read (default 10). */
  count?: number;
  /** BLOCK per read in ms (default 5000). */
  blockMs?: number;
  /** Handlers running at once (default 1). */
  concurrency?: number;
  /** Reclaim entries pending longer than this, in any consumer (default 60000). */
  claimIdleMs?: number;
  /** How often to reclaim (default `claimIdleMs`). */
  claimIntervalMs?: number;
  /** Dead-letter an entry delivered more times than this (default: never). */
  maxDeliveries?: number;
  /** Where dead letters go (default `<stream>:dead-letter`). */
  deadLetterStream?: string;
  /** Remove other consumers idle this long with nothing pending (default: never). */
  removeIdleConsumersMs?: number;
  /**
   * Report `unhealthy` when a store call has not returned within this many ms
   * (a blocking read: its BLOCK time plus this), and `healthy` when one
   * succeeds again (default 10000).
   */
  stallMs?: number;
  /** Stop after this many deliveries were handled, succeeded or failed. */
  maxHandled?: number;
  /** Stop gracefully: no new reads; in-flight handlers finish and are acked. */
  signal?: AbortSignal;
  /** Receives the worker's events; the same error is reported at most once per 10 s. */
  onEvent?: (event: WorkerEvent) => void;
}

/** What {@linkcode consume} did. */
export interface ConsumeStats {
  /** Deliveries handled (succeeded, failed or dead-lettered). */
  handled: number;
  /** Handlers that succeeded and were acked. */
  succeeded: number;
  /** Handlers that threw; their entries stay pending. */
  failed: number;
  /** Entries moved to the dead-letter stream. */
  deadLettered: number;
  /** Entries taken over from idle consumers (or retried from this one). */
  reclaimed: number;
  /** Pending entries found deleted from the stream. */
  deleted: number;
}

/** {@linkcode ConsumeOptions} checked, with every default filled in. */
export interface ConsumeSettings extends ConsumeOptions {
  /** Where a group created now starts. */
  start: string;
  /** Entries per read. */
  count: number;
  /** BLOCK per read in ms. */
  blockMs: number;
  /** Handlers running at once. */
  concurrency: number;
  /** Reclaim entries pending longer than this. */
  claimIdleMs: number;
  /** How often to reclaim. */
  claimIntervalMs: number;
  /** The stall watchdog's budget per command. */
  stallMs: number;
  /** Where dead letters go. */
  deadLetterStream: string;
  /** Stop after this many deliveries (`Infinity`: never). */
  maxHandled: number;
}

/**
 * Checks the worker's options before anything is sent and fills in the
 * defaults. Bad values are `TypeError`/`RangeError` naming the option.
 *
 * @example Defaults, and a rule between two options
 * ```ts
 * import { openStore, resolveConsumeOptions } from "@rstream/rstream";
 * import assert from "node:assert/strict";
 * await using store = await openStore("memory:");
 * const settings = resolveConsumeOptions({ store, stream: "s", group: "g", consumer: "c1" });
 * assert.deepEqual([settings.count, settings.blockMs, settings.claimIdleMs], [10, 5000, 60000]);
 * assert.equal(settings.deadLetterStream, "s:dead-letter");
 * assert.throws(
 *   () => resolveConsumeOptions({ store, stream: "s", group: "g", consumer: "c1", removeIdleConsumersMs: 10 }),
 *   /removeIdleConsumersMs \(10\) must exceed blockMs \(5000\)/,
 * );
 * ```
 */
export function resolveConsumeOptions(options: ConsumeOptions): ConsumeSettings {
  checkName(options?.stream, "Stream name");
  checkName(options.group, "Group name");
  checkName(options.consumer, "Consumer name");
  const blockMs = checkInteger(options.blockMs ?? 5000, "blockMs");
  const claimIdleMs = checkInteger(options.claimIdleMs ?? 60_000, "claimIdleMs", 1);
  if (options.maxDeliveries !== undefined) {
    checkInteger(options.maxDeliveries, "maxDeliveries", 1);
  }
  if (options.removeIdleConsumersMs !== undefined) {
    checkInteger(options.removeIdleConsumersMs, "removeIdleConsumersMs", 1);
    if (options.removeIdleConsumersMs <= blockMs) {
      throw new RangeError(
        `removeIdleConsumersMs (${options.removeIdleConsumersMs}) must exceed blockMs (${blockMs}): a live consumer blocked in a read looks idle that long`,
      );
    }
  }
  return {
    ...options,
    start: options.start ?? "$",
    count: checkInteger(options.count ?? 10, "count", 1),
    blockMs,
    concurrency: checkInteger(options.concurrency ?? 1, "concurrency", 1),
    claimIdleMs,
    claimIntervalMs: checkInteger(options.claimIntervalMs ?? claimIdleMs, "claimIntervalMs", 1),
    stallMs: checkInteger(options.stallMs ?? 10_000, "stallMs", 1),
    deadLetterStream: checkName(
      options.deadLetterStream ?? `${options.stream}:dead-letter`,
      "deadLetterStream",
    ),
    maxHandled: options.maxHandled === undefined
      ? Infinity
      : checkInteger(options.maxHandled, "maxHandled", 1),
  };
}
