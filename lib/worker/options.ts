/**
 * What the consumer worker takes and reports: its options, the deliveries its
 * handler gets, its events and its final statistics.
 *
 * @module
 */

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
