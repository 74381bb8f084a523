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

import { checkInteger, checkName } from "../checks.ts";
import { deadLetterFields } from "./dead_letter.ts";
import { AuthenticationError, NoGroupError, NoPermissionError, WrongTypeError } from "../errors.ts";
import type { GroupEntry } from "../store.ts";
import { Watchdog } from "./_stall_watchdog.ts";
import type { ConsumeOptions, ConsumeStats, Delivery, WorkerEvent } from "./options.ts";

export type {
  ConsumeOptions,
  ConsumeStats,
  Delivery,
  HealthEvent,
  WorkerEvent,
} from "./options.ts";
import { removeIdleConsumers } from "./idle_consumers.ts";
import { abortableSleep } from "../backoff.ts";

const REPEAT_WINDOW_MS = 10_000;

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
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
  #claiming = false;
  /** Who waits in `#waitForSlot` for a handler to finish. */
  #slotWaiters: (() => void)[] = [];
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
    if (options.claimIntervalMs !== undefined) {
      checkInteger(options.claimIntervalMs, "claimIntervalMs", 1);
    }
    if (options.deadLetterStream !== undefined) {
      checkName(options.deadLetterStream, "deadLetterStream");
    }
    if (options.removeIdleConsumersMs !== undefined) {
      checkInteger(options.removeIdleConsumersMs, "removeIdleConsumersMs", 1);
      if (options.removeIdleConsumersMs <= this.#o.blockMs) {
        throw new RangeError(
          `removeIdleConsumersMs (${options.removeIdleConsumersMs}) must exceed blockMs (${this.#o.blockMs}): a live consumer blocked in a read looks idle that long`,
        );
      }
    }
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
      while (!this.#stopping && !await this.#withRecovery(() => this.#ensureGroup(o.start)));
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

  /** Runs `step`; on a retryable error reports it, backs off and returns false. */
  async #withRecovery(step: () => Promise<void>): Promise<boolean> {
    try {
      await step();
      this.#backoffMs = 0;
      return true;
    } catch (error) {
      if (this.#o.signal?.aborted) return false;
      // Retrying cannot fix these: stop and let consume() reject with the error.
      if (
        error instanceof WrongTypeError || error instanceof NoPermissionError ||
        error instanceof AuthenticationError || error instanceof TypeError ||
        error instanceof RangeError
      ) {
        throw error;
      }
      this.#report(error);
      this.#recheckOwn = true;
      if (error instanceof NoGroupError) {
        // Policy: the group vanished (server restarted empty, or destroyed):
        // re-create it from 0 so that entries added since are not skipped.
        await this.#ensureGroup("0").catch(() => {});
      }
      this.#backoffMs = Math.min(Math.max(this.#backoffMs * 2, 100), 5000);
      await abortableSleep(this.#backoffMs, this.#o.signal);
      return false;
    }
  }

  /**
   * Emits an error event; the same error again within 10 s is only counted,
   * and reported with that count (`repeated`) once the window has passed.
   */
  #report(error: unknown) {
    const text = message(error);
    const now = Date.now();
    const last = this.#lastError;
    if (text === last.text && now - last.at < REPEAT_WINDOW_MS) {
      last.repeated++;
      return;
    }
    const repeated = text === last.text ? last.repeated : 0;
    this.#emit({ type: "error", error, repeated });
    this.#lastError = { text, at: now, repeated: 0 };
  }

  async #ensureGroup(start: string) {
    const o = this.#o;
    if (await o.store.createGroup(o.stream, o.group, { start, mkStream: true })) {
      this.#emit({ type: "group-created", stream: o.stream, group: o.group, start });
    }
  }

  /** Waits until fewer than `concurrency` handlers run (woken by the one that finishes). */
  async #waitForSlot() {
    while (this.#inFlight.size >= this.#o.concurrency) {
      await new Promise<void>((resolve) => this.#slotWaiters.push(resolve));
    }
  }

  /**
   * Each entry's delivery count, looked up by its own ID (one XPENDING per
   * entry, sent together): a range query could be filled up by this
   * consumer's other pending entries and miss some.
   */
  async #deliveryCounts(entries: GroupEntry[]): Promise<Map<string, number>> {
    const o = this.#o;
    const found = await Promise.all(
      entries.map((e) => o.store.pending(o.stream, o.group, { start: e.id, end: e.id, count: 1 })),
    );
    return new Map(found.flat().map((p) => [p.id, p.deliveries]));
  }

  /** Acks the entries whose ack failed, then re-reads own pending entries a lost reply left. */
  async #recoverOwn() {
    this.#recheckOwn = false;
    await this.#ackAgain();
    await this.#drainOwnPending({ skipFailed: true });
  }

  async #ackAgain() {
    if (this.#unacked.size === 0) return;
    const o = this.#o;
    const batch = [...this.#unacked.values()];
    await o.store.ack(o.stream, o.group, { ids: batch.map((d) => d.id) });
    for (const delivery of batch) {
      this.#unacked.delete(delivery.id);
      this.#lastErrors.delete(delivery.id);
      this.stats.succeeded++;
      this.#emit({ type: "handled", delivery });
    }
  }

  /**
   * Delivers this consumer's own pending entries. With `skipFailed`, entries
   * whose handler failed in this run are left to the reclaim (after
   * `claimIdleMs`), so a flapping connection does not burn their deliveries.
   */
  async #drainOwnPending(options: { skipFailed?: boolean } = {}) {
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
        if (options.skipFailed && this.#lastErrors.has(entry.id)) continue;
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
      const removed = await removeIdleConsumers(o.store, o.stream, {
        group: o.group,
        idleMs: o.removeIdleConsumersMs,
        keep: [o.consumer],
      });
      for (const consumer of removed) this.#emit({ type: "consumer-removed", consumer });
    }
  }

  async #dispatch(entry: GroupEntry, deliveries: number) {
    const o = this.#o;
    if (entry.fields === null) {
      await o.store.ack(o.stream, o.group, { ids: [entry.id] });
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
    })().finally(() => {
      this.#inFlight.delete(delivery.id);
      this.#slotWaiters.shift()?.();
    });
    this.#inFlight.set(delivery.id, run);
  }

  async #deadLetter(delivery: Delivery) {
    const o = this.#o;
    const stream = o.deadLetterStream ?? `${o.stream}:dead-letter`;
    const error = this.#lastErrors.get(delivery.id) ??
      "unknown (failed in an earlier run or another consumer)";
    await o.store.add(stream, deadLetterFields({ ...delivery, group: o.group, error }));
    await o.store.ack(o.stream, o.group, { ids: [delivery.id] });
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
      await o.store.ack(o.stream, o.group, { ids: batch.map((a) => a.id) });
      for (const a of batch) a.resolve();
    } catch (error) {
      for (const a of batch) a.reject(error);
    }
  }

  /** Resets the idle time of in-flight entries (XCLAIM … JUSTID) so no one else claims them. */
  #keepClaimed() {
    const o = this.#o;
    const ids = [...this.#inFlight.keys()];
    if (ids.length === 0 || this.#claiming) return; // one XCLAIM at a time, none piling up
    this.#claiming = true;
    o.store.claimIds(o.stream, o.group, { consumer: o.consumer, minIdleMs: 0, ids })
      .catch((error) => this.#report(error))
      .finally(() => this.#claiming = false);
  }
}

/**
 * Runs the at-least-once loop until `signal` aborts or `maxHandled`
 * deliveries were handled, and returns what it did.
 *
 * @example Consume a group, acking after each successful handler
 * ```ts
 * import { consume, openStore } from "@rstream/rstream";
 * import assert from "node:assert/strict";
 * await using store = await openStore("memory:");
 * await store.createGroup("app:event", "workers", { start: "0", mkStream: true });
 * await store.add("app:event", { sensor_id: "sensor1", temp: "0.3" });
 * const stats = await consume((delivery) => {
 *   assert.equal(delivery.fields.sensor_id, "sensor1");
 * }, { store, stream: "app:event", group: "workers", consumer: "c1", maxHandled: 1 });
 * assert.equal(stats.succeeded, 1);
 * assert.equal((await store.pendingSummary("app:event", "workers")).count, 0);
 * ```
 */
export async function consume(
  handler: (delivery: Delivery) => void | Promise<void>,
  options: ConsumeOptions,
): Promise<ConsumeStats> {
  // async: bad options reject the promise like every other failure does.
  return await new ConsumerWorker(handler, options).run();
}
