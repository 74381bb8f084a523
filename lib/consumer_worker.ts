/**
 * The at-least-once consumer worker: a consumer group loop that acks an entry
 * only after its handler succeeded.
 *
 * On start it re-delivers its own pending entries, then reads new ones. Entries
 * idle longer than `claimIdleMs` anywhere in the group (its own failed ones
 * included) are reclaimed with XAUTOCLAIM at start and then every
 * `claimIntervalMs`, which is how failures are retried. An entry delivered
 * more than `maxDeliveries` times goes to the dead-letter stream and is acked.
 * While a handler runs, the worker re-claims its entry every `claimIdleMs / 3`
 * so that no other consumer takes it over. An AbortSignal stops it gracefully.
 *
 * A watchdog reports `unhealthy` when a store call has not returned within
 * `stallMs` (a blocking read: its BLOCK time plus `stallMs`), and `healthy`
 * once a call succeeds again; the store's own command timeout then makes the
 * stuck call fail so the loop retries with backoff.
 *
 * @module
 */

import { checkInteger, checkName } from "./command_args.ts";
import { deadLetterFields } from "./dead_letter.ts";
import { NoGroupError } from "./errors.ts";
import type { Fields, GroupEntry, StreamStore } from "./store.ts";

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
  | { type: "unhealthy"; operation: string; waitedMs: number }
  | { type: "healthy"; unhealthyMs: number };

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

const REPEAT_WINDOW_MS = 10_000;

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A store call the watchdog is waiting for. */
interface Call {
  operation: string;
  started: number;
  budgetMs: number;
}

/**
 * Watches the calls made through {@linkcode Watchdog.store}: `onChange(false, …)`
 * when one has run past its budget, `onChange(true, …)` when one succeeds after that.
 */
class Watchdog {
  readonly store: StreamStore;
  #calls = new Set<Call>();
  #unhealthySince: number | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  #onChange: (event: WorkerEvent) => void;

  constructor(store: StreamStore, stallMs: number, onChange: (event: WorkerEvent) => void) {
    this.#onChange = onChange;
    const watch = <T>(operation: string, budgetMs: number, call: Promise<T>): Promise<T> => {
      const entry = { operation, started: performance.now(), budgetMs };
      this.#calls.add(entry);
      return call.then((value) => {
        this.#calls.delete(entry);
        this.#recovered();
        return value;
      }, (error) => {
        this.#calls.delete(entry);
        throw error;
      });
    };
    // Calls go to the real store (`this` = the store: it has private fields).
    this.store = new Proxy(store, {
      get(target, key) {
        const value = Reflect.get(target, key, target);
        if (typeof value !== "function" || key === "close") return value;
        return (...args: unknown[]) => {
          const result = value.apply(target, args);
          if (!(result instanceof Promise)) return result;
          const options = key === "readGroup" ? args[2] : key === "read" ? args[1] : undefined;
          const blockMs = (options as { blockMs?: number } | undefined)?.blockMs ?? 0;
          return watch(String(key), blockMs + stallMs, result);
        };
      },
    });
    this.#timer = setInterval(() => this.#check(), Math.max(20, Math.min(1000, stallMs / 4)));
  }

  #check() {
    if (this.#unhealthySince !== undefined) return;
    const now = performance.now();
    for (const call of this.#calls) {
      const waitedMs = Math.round(now - call.started);
      if (waitedMs > call.budgetMs) {
        this.#unhealthySince = call.started + call.budgetMs;
        this.#onChange({ type: "unhealthy", operation: call.operation, waitedMs });
        return;
      }
    }
  }

  #recovered() {
    if (this.#unhealthySince === undefined) return;
    const unhealthyMs = Math.round(performance.now() - this.#unhealthySince);
    this.#unhealthySince = undefined;
    this.#onChange({ type: "healthy", unhealthyMs });
  }

  stop() {
    clearInterval(this.#timer);
  }
}

class ConsumerWorker {
  readonly stats: ConsumeStats = {
    handled: 0,
    succeeded: 0,
    failed: 0,
    deadLettered: 0,
    reclaimed: 0,
    deleted: 0,
  };
  #o:
    & Required<Pick<ConsumeOptions, "count" | "blockMs" | "concurrency" | "claimIdleMs" | "start">>
    & ConsumeOptions;
  #handler: (delivery: Delivery) => void | Promise<void>;
  #inFlight = new Map<string, Promise<void>>();
  #lastErrors = new Map<string, string>();
  #acks: { id: string; resolve: () => void; reject: (e: unknown) => void }[] = [];
  /** While a read batch is dispatched, acks wait for its end (no slot waits happen there). */
  #holdAcks = false;
  #max: number;
  #lastError = { text: "", at: 0, repeated: 0 };
  /** Deliveries started (handled or in flight): what `maxHandled` counts. */
  #dispatched = 0;
  #backoffMs = 0;
  #stallMs: number;
  /** Handled entries whose XACK failed (connection lost): acked again, not re-run. */
  #unacked = new Map<string, Delivery>();
  /** Set after a failed store call: a read reply may have been lost, so re-read own pending. */
  #recheckOwn = false;

  constructor(handler: (delivery: Delivery) => void | Promise<void>, options: ConsumeOptions) {
    if (typeof handler !== "function") throw new TypeError("consume() needs a handler function");
    checkName(options.stream, "Stream name");
    checkName(options.group, "Group name");
    checkName(options.consumer, "Consumer name");
    this.#handler = handler;
    this.#o = {
      ...options,
      start: options.start ?? "$",
      count: checkInteger(options.count ?? 10, "count", 1),
      blockMs: checkInteger(options.blockMs ?? 5000, "blockMs"),
      concurrency: checkInteger(options.concurrency ?? 1, "concurrency", 1),
      claimIdleMs: checkInteger(options.claimIdleMs ?? 60_000, "claimIdleMs", 1),
    };
    if (options.maxDeliveries !== undefined) {
      checkInteger(options.maxDeliveries, "maxDeliveries", 1);
    }
    this.#stallMs = checkInteger(options.stallMs ?? 10_000, "stallMs", 1);
    this.#max = options.maxHandled === undefined
      ? Infinity
      : checkInteger(options.maxHandled, "maxHandled", 1);
  }

  get #stopping(): boolean {
    return this.#o.signal?.aborted === true || this.#dispatched >= this.#max;
  }

  #emit(event: WorkerEvent) {
    try {
      this.#o.onEvent?.(event);
    } catch { /* a logging hook must not stop the worker */ }
  }

  async run(): Promise<ConsumeStats> {
    const watchdog = new Watchdog(this.#o.store, this.#stallMs, (event) => this.#emit(event));
    this.#o = { ...this.#o, store: watchdog.store };
    try {
      return await this.#run();
    } finally {
      watchdog.stop();
    }
  }

  async #run(): Promise<ConsumeStats> {
    const o = this.#o;
    const interval = o.claimIntervalMs ?? o.claimIdleMs;
    const heartbeat = setInterval(
      () => this.#keepClaimed(),
      Math.max(50, Math.floor(o.claimIdleMs / 3)),
    );
    try {
      await this.#withRecovery(() => this.#ensureGroup(o.start));
      await this.#withRecovery(() => this.#drainOwnPending());
      let lastReclaim = -Infinity;
      while (!this.#stopping) {
        if (this.#recheckOwn) {
          await this.#withRecovery(() => this.#recoverOwn());
          continue;
        }
        if (performance.now() - lastReclaim >= interval) {
          await this.#withRecovery(() => this.#reclaim());
          lastReclaim = performance.now();
          continue;
        }
        await this.#waitForSlot();
        if (this.#stopping) break;
        const untilReclaim = Math.max(1, Math.ceil(lastReclaim + interval - performance.now()));
        await this.#withRecovery(async () => {
          const reads = await o.store.readGroup(o.stream, o.group, {
            consumer: o.consumer,
            count: Math.min(o.count, o.concurrency - this.#inFlight.size, this.#remaining()),
            blockMs: o.blockMs === 0 ? untilReclaim : Math.min(o.blockMs, untilReclaim),
            signal: o.signal,
          });
          // Acks of the handlers that finish while the batch is dispatched go out as one XACK.
          this.#holdAcks = true;
          try {
            for (const entry of reads[0]?.entries ?? []) {
              // Entries read but not started when stopping stay pending for the next run.
              if (this.#stopping) break;
              await this.#dispatch(entry, 1);
            }
          } finally {
            this.#holdAcks = false;
            if (this.#acks.length > 0) queueMicrotask(() => this.#flushAcks());
          }
        });
      }
    } finally {
      await Promise.allSettled([...this.#inFlight.values()]);
      clearInterval(heartbeat); // only now: in-flight entries stay claimed until acked
      await this.#ackAgain().catch(() => {/* they stay pending for the next run */});
    }
    return this.stats;
  }

  #remaining(): number {
    return Math.max(1, Math.min(this.#max - this.#dispatched, 1e9));
  }

  async #withRecovery(step: () => Promise<void>): Promise<void> {
    try {
      await step();
      this.#backoffMs = 0;
    } catch (error) {
      if (this.#o.signal?.aborted) return;
      this.#report(error);
      this.#recheckOwn = true;
      if (error instanceof NoGroupError) {
        // Policy: the group vanished (server restarted empty, or destroyed):
        // re-create it from 0 so that entries added since are not skipped.
        await this.#ensureGroup("0").catch(() => {});
      }
      this.#backoffMs = Math.min(Math.max(this.#backoffMs * 2, 100), 5000);
      await this.#sleep(this.#backoffMs);
    }
  }

  #report(error: unknown) {
    const text = message(error);
    const now = Date.now();
    if (text === this.#lastError.text && now - this.#lastError.at < REPEAT_WINDOW_MS) {
      this.#lastError.repeated++;
      return;
    }
    this.#emit({ type: "error", error, repeated: this.#lastError.repeated });
    this.#lastError = { text, at: now, repeated: 0 };
  }

  #sleep(ms: number): Promise<void> {
    const signal = this.#o.signal;
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener("abort", done, { once: true });
    });
  }

  async #ensureGroup(start: string) {
    const o = this.#o;
    if (await o.store.createGroup(o.stream, o.group, { start, mkStream: true })) {
      this.#emit({ type: "group-created", stream: o.stream, group: o.group, start });
    }
  }

  async #waitForSlot() {
    while (this.#inFlight.size >= this.#o.concurrency) {
      await Promise.race(this.#inFlight.values());
    }
  }

  async #deliveryCounts(entries: GroupEntry[]): Promise<Map<string, number>> {
    if (entries.length === 0) return new Map();
    const o = this.#o;
    const pending = await o.store.pending(o.stream, o.group, {
      start: entries[0]!.id,
      end: entries[entries.length - 1]!.id,
      count: entries.length,
      consumer: o.consumer,
    });
    return new Map(pending.map((p) => [p.id, p.deliveries]));
  }

  /** Acks the entries whose ack failed, then re-reads own pending entries a lost reply left. */
  async #recoverOwn() {
    this.#recheckOwn = false;
    await this.#ackAgain();
    await this.#drainOwnPending();
  }

  async #ackAgain() {
    if (this.#unacked.size === 0) return;
    const o = this.#o;
    const batch = [...this.#unacked.values()];
    await o.store.ack(o.stream, o.group, batch.map((d) => d.id));
    for (const delivery of batch) {
      this.#unacked.delete(delivery.id);
      this.#lastErrors.delete(delivery.id);
      this.stats.succeeded++;
      this.#emit({ type: "handled", delivery });
    }
  }

  async #drainOwnPending() {
    const o = this.#o;
    let after = "0-0";
    while (!this.#stopping) {
      const reads = await o.store.readGroup(o.stream, o.group, {
        consumer: o.consumer,
        id: after,
        count: o.count,
      });
      const entries = reads[0]?.entries ?? [];
      if (entries.length === 0) return;
      const counts = await this.#deliveryCounts(entries);
      for (const entry of entries) {
        // Entries still being handled here are pending too: leave them to their handler.
        if (this.#inFlight.has(entry.id) || this.#unacked.has(entry.id)) continue;
        await this.#waitForSlot();
        if (this.#stopping) return;
        await this.#dispatch(entry, counts.get(entry.id) ?? 1);
      }
      after = entries[entries.length - 1]!.id;
    }
  }

  async #reclaim() {
    const o = this.#o;
    let start = "0-0";
    for (let round = 0; round < 100 && !this.#stopping; round++) {
      const result = await o.store.autoClaim(o.stream, o.group, {
        consumer: o.consumer,
        minIdleMs: o.claimIdleMs,
        start,
        count: o.count,
      });
      for (const id of result.deletedIds) {
        this.stats.deleted++;
        this.#emit({ type: "deleted", id });
      }
      const entries = result.entries.filter((entry) => !this.#inFlight.has(entry.id));
      if (entries.length > 0) {
        this.stats.reclaimed += entries.length;
        this.#emit({ type: "reclaimed", ids: entries.map((e) => e.id) });
        const counts = await this.#deliveryCounts(entries);
        for (const entry of entries) {
          await this.#waitForSlot();
          if (this.#stopping) break;
          await this.#dispatch(entry, counts.get(entry.id) ?? 1);
        }
      }
      start = result.nextStart;
      if (start === "0-0") break;
    }
    if (o.removeIdleConsumersMs !== undefined) {
      await this.#removeIdleConsumers(o.removeIdleConsumersMs);
    }
  }

  async #removeIdleConsumers(idleMs: number) {
    const o = this.#o;
    for (const c of await o.store.consumers(o.stream, o.group)) {
      if (c.name === o.consumer || c.pending > 0 || c.idleMs < idleMs) continue;
      // Re-check right before deleting: DELCONSUMER drops the consumer's pending entries.
      const summary = await o.store.pending(o.stream, o.group, { consumer: c.name, count: 1 });
      if (summary.length > 0) continue;
      await o.store.deleteConsumer(o.stream, o.group, { consumer: c.name });
      this.#emit({ type: "consumer-removed", consumer: c.name });
    }
  }

  async #dispatch(entry: GroupEntry, deliveries: number) {
    const o = this.#o;
    if (entry.fields === null) {
      await o.store.ack(o.stream, o.group, [entry.id]);
      this.stats.deleted++;
      this.#emit({ type: "deleted", id: entry.id });
      return;
    }
    const delivery: Delivery = {
      stream: o.stream,
      id: entry.id,
      fields: entry.fields,
      deliveries,
      consumer: o.consumer,
    };
    this.#dispatched++;
    if (o.maxDeliveries !== undefined && deliveries > o.maxDeliveries) {
      await this.#deadLetter(delivery);
      return;
    }
    const run = (async () => {
      try {
        await this.#handler(delivery);
      } catch (error) {
        this.stats.failed++;
        this.#lastErrors.set(delivery.id, message(error));
        this.#emit({ type: "failed", delivery, error });
        return;
      } finally {
        this.stats.handled++;
      }
      try {
        await this.#ack(delivery.id);
        this.#lastErrors.delete(delivery.id);
        this.stats.succeeded++;
        this.#emit({ type: "handled", delivery });
      } catch (error) {
        // The handler succeeded: ack it again once the store answers, don't run it again.
        this.#unacked.set(delivery.id, delivery);
        this.#recheckOwn = true;
        this.#report(error);
      }
    })().finally(() => this.#inFlight.delete(delivery.id));
    this.#inFlight.set(delivery.id, run);
  }

  async #deadLetter(delivery: Delivery) {
    const o = this.#o;
    const stream = o.deadLetterStream ?? `${o.stream}:dead-letter`;
    const error = this.#lastErrors.get(delivery.id) ??
      "unknown (failed in an earlier run or another consumer)";
    await o.store.add(stream, deadLetterFields({ ...delivery, group: o.group, error }));
    await o.store.ack(o.stream, o.group, [delivery.id]);
    this.#lastErrors.delete(delivery.id);
    this.stats.deadLettered++;
    this.stats.handled++;
    this.#emit({ type: "dead-lettered", delivery, error, deadLetterStream: stream });
  }

  /** Acks are gathered per tick and sent as one XACK. */
  #ack(id: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#acks.push({ id, resolve, reject });
      if (this.#acks.length === 1 && !this.#holdAcks) queueMicrotask(() => this.#flushAcks());
    });
  }

  async #flushAcks() {
    const batch = this.#acks.splice(0);
    if (batch.length === 0) return;
    const o = this.#o;
    try {
      await o.store.ack(o.stream, o.group, batch.map((a) => a.id));
      for (const a of batch) a.resolve();
    } catch (error) {
      for (const a of batch) a.reject(error);
    }
  }

  /** Resets the idle time of in-flight entries (XCLAIM … JUSTID) so no one else claims them. */
  #keepClaimed() {
    const o = this.#o;
    const ids = [...this.#inFlight.keys()];
    if (ids.length === 0) return;
    o.store.claimIds(o.stream, o.group, { consumer: o.consumer, minIdleMs: 0, ids })
      .catch((error) => this.#report(error));
  }
}

/**
 * Runs the at-least-once loop until `signal` aborts or `maxHandled`
 * deliveries were handled, and returns what it did.
 *
 * @example Consume a group, acking after each successful handler
 * ```ts
 * import { consume, openStore } from "@rstream/rstream";
 * await using store = await openStore("memory:");
 * await store.createGroup("app:event", "workers", { start: "0", mkStream: true });
 * await store.add("app:event", { sensor_id: "sensor1", temp: "0.3" });
 * const stats = await consume((delivery) => {
 *   console.assert(delivery.fields.sensor_id === "sensor1");
 * }, { store, stream: "app:event", group: "workers", consumer: "c1", maxHandled: 1 });
 * console.assert(stats.succeeded === 1);
 * console.assert((await store.pendingSummary("app:event", "workers")).count === 0);
 * ```
 */
export function consume(
  handler: (delivery: Delivery) => void | Promise<void>,
  options: ConsumeOptions,
): Promise<ConsumeStats> {
  return new ConsumerWorker(handler, options).run();
}
