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
 * The worker sends its commands over the store's connection, through a stall
 * watchdog (see `watchdog.ts`): `unhealthy` when a command has not returned
 * within `stallMs` (a blocking read: its BLOCK time plus `stallMs`), `healthy`
 * once one succeeds again; the connection's own command timeout then makes
 * the stuck call fail so the loop retries with backoff.
 *
 * @module
 */

import { Backoff } from "../backoff.ts";
import { XACK, XREADGROUP } from "../commands/groups.ts";
import {
  AuthenticationError,
  NoGroupError,
  NoPermissionError,
  StoreFileError,
  toStreamError,
  WrongTypeError,
} from "../errors.ts";
import { CommandStore, type GroupEntry, type StreamStore } from "../store.ts";
import { AckBatcher } from "./acks.ts";
import { TakeoverGuard } from "./_takeover.ts";
import { deadLetterFields } from "./dead_letter.ts";
import { removeIdleConsumers } from "./idle_consumers.ts";
import {
  type ConsumeOptions,
  type ConsumeSettings,
  type ConsumeStats,
  type Delivery,
  resolveConsumeOptions,
  type WorkerEvent,
} from "./options.ts";
import { deliveryCounts, ownPendingPages, reclaimRounds } from "./_pending_scans.ts";
import { RepeatedErrors } from "./_repeated_errors.ts";
import { StallWatchdog } from "./watchdog.ts";

/** How {@linkcode deliveries} learns what became of a delivery: not for logging. */
export interface WorkerHooks {
  /** The delivery's outcome is final: acked (XACK confirmed), or failed and left pending. */
  settled?(id: string, acked: boolean): void;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | undefined)?.then === "function";
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Errors that retrying cannot fix: the worker stops and `consume()` rejects. */
function isPermanent(error: unknown): boolean {
  return error instanceof WrongTypeError || error instanceof NoPermissionError ||
    error instanceof StoreFileError ||
    // Refused on a reconnect: the server changed (restarted with another password) and may
    // change back; the connection keeps trying. A refused first connect never gets here.
    (error instanceof AuthenticationError && !error.reconnecting) || error instanceof TypeError ||
    error instanceof RangeError;
}

/** One run of the consumer loop. */
export class ConsumerWorker {
  /** What the worker did so far. */
  readonly stats: ConsumeStats = {
    handled: 0,
    succeeded: 0,
    failed: 0,
    deadLettered: 0,
    reclaimed: 0,
    deleted: 0,
  };
  readonly #o: ConsumeSettings;
  readonly #handler: (delivery: Delivery) => void | Promise<void>;
  readonly #hooks: WorkerHooks;
  /** The store the loop uses: the given store's connection, watched for stalls. */
  #store!: StreamStore;
  #acks!: AckBatcher;
  /** Handlers that returned a promise and have not settled: what `concurrency` bounds. */
  readonly #inFlight = new Map<string, Promise<void>>();
  /** XACKs of re-delivered or at-risk entries, sent one by one (see #handled). */
  readonly #singleAcks = new Set<Promise<void>>();
  /** The IDs of those XACKs (kept claimed, not reclaimed, until answered). */
  readonly #singleAckIds = new Set<string>();
  /** First deliveries another consumer may have taken over during a stall: acked alone. */
  #guard!: TakeoverGuard;
  /** Entries of the read batch being dispatched that have not started yet (kept claimed). */
  readonly #waiting = new Set<string>();
  /** Whether the last handler returned synchronously: a whole batch can then be read at once. */
  #syncHandlers = true;
  /** Whether the last read returned entries: the next one goes with the acks, without BLOCK. */
  #backlog = false;
  /** Why an entry's handler failed in this run (for its dead letter). */
  readonly #lastErrors = new Map<string, string>();
  readonly #repeats = new RepeatedErrors();
  readonly #backoff = new Backoff({ initialMs: 100, maxMs: 5000 });
  /** Deliveries started (handled or in flight): what `maxHandled` counts. */
  #dispatched = 0;
  #claiming = false;
  /** Who waits in `#waitForSlot` for a handler to finish. */
  readonly #slotWaiters: (() => void)[] = [];
  /** Set after a failed store call: a read reply may have been lost, so re-read own pending. */
  #recheckOwn = false;
  /** The last failure of a step and when the first of the run began, until one succeeds. */
  #failure: { error: unknown; since: number } | undefined;

  /** Checks the options (throwing before anything is sent). */
  constructor(
    handler: (delivery: Delivery) => void | Promise<void>,
    options: ConsumeOptions,
    hooks: WorkerHooks = {},
  ) {
    if (typeof handler !== "function") throw new TypeError("consume() needs a handler function");
    this.#handler = handler;
    this.#o = resolveConsumeOptions(options);
    this.#hooks = hooks;
  }

  get #stopping(): boolean {
    return this.#o.signal?.aborted === true || this.#dispatched >= this.#o.maxHandled;
  }

  #emit(event: WorkerEvent) {
    try {
      this.#o.onEvent?.(event);
    } catch { /* a logging hook must not stop the worker */ }
  }

  /** Runs until `signal` aborts or `maxHandled` deliveries were handled. */
  async run(): Promise<ConsumeStats> {
    using watchdog = new StallWatchdog(this.#o.store.connection, {
      stallMs: this.#o.stallMs,
      onChange: (event) => this.#emit(event),
    });
    this.#store = new CommandStore(watchdog.connection);
    const o = this.#o;
    this.#guard = new TakeoverGuard(o.claimIdleMs);
    this.#acks = new AckBatcher((ids) => this.#store.ack(o.stream, o.group, { ids }), {
      acked: (deliveries, count) => {
        if (count === undefined || count >= deliveries.length) {
          for (const delivery of deliveries) this.#succeeded(delivery);
          return;
        }
        const ours = new Set(this.#guard.acked(deliveries.map((d) => d.id), count));
        for (const delivery of deliveries) {
          if (ours.has(delivery.id)) this.#succeeded(delivery);
          else this.#ackedByAnother(delivery.id);
        }
      },
      alone: (delivery) => {
        if (!this.#guard.atRisk(delivery.id)) return false;
        this.#ackAlone(delivery);
        return true;
      },
      failed: (_, error) => {
        // The handlers succeeded: ack them again once the store answers, don't run them again.
        this.#recheckOwn = true;
        this.#report(error);
      },
    });
    return await this.#run();
  }

  async #run(): Promise<ConsumeStats> {
    const o = this.#o;
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
        if (performance.now() - lastReclaim >= o.claimIntervalMs) {
          await this.#withRecovery(() => this.#reclaim());
          lastReclaim = performance.now();
          continue;
        }
        await this.#waitForSlot();
        if (this.#stopping) break;
        const untilReclaim = Math.max(
          1,
          Math.ceil(lastReclaim + o.claimIntervalMs - performance.now()),
        );
        await this.#withRecovery(() => this.#readNew(untilReclaim));
      }
    } finally {
      await Promise.allSettled([...this.#inFlight.values()]);
      await this.#acks.settled(); // its last batch may hand at-risk deliveries to single acks
      while (this.#singleAcks.size > 0) await Promise.allSettled([...this.#singleAcks]);
      clearInterval(heartbeat); // only now: in-flight entries stay claimed until acked
      await this.#ackAgain().catch(() => {/* they stay pending for the next run */});
    }
    return this.stats;
  }

  /**
   * Reads new entries (`>`) and dispatches them. After a read that returned
   * entries (a backlog), the acks of that batch and the next read go out in
   * one pipeline, without BLOCK; after an empty one, the read blocks at most
   * until the next reclaim.
   */
  async #readNew(untilReclaimMs: number) {
    const o = this.#o;
    const free = o.concurrency - this.#inFlight.size;
    // Synchronous handlers finish one by one: a whole batch never waits for a slot long.
    const count = Math.min(o.count, this.#remaining(), this.#syncHandlers ? o.count : free);
    let entries: GroupEntry[];
    const sentAt = performance.now();
    if (this.#backlog) {
      entries = await this.#ackAndRead(count);
    } else {
      this.#acks.flush();
      const reads = await this.#store.readGroup(o.stream, o.group, {
        consumer: o.consumer,
        count,
        blockMs: o.blockMs === 0 ? untilReclaimMs : Math.min(o.blockMs, untilReclaimMs),
        signal: o.signal,
      });
      entries = reads[0]?.entries ?? [];
    }
    this.#backlog = entries.length > 0;
    // The acks of this batch wait for the next read (or the next tick's flush).
    this.#acks.hold();
    for (const entry of entries) this.#waiting.add(entry.id);
    this.#guard.track(this.#waiting, sentAt);
    try {
      for (const entry of entries) {
        // Entries read but not started when stopping stay pending for the next run.
        if (this.#stopping) break;
        await this.#waitForSlot();
        if (this.#stopping) break;
        this.#waiting.delete(entry.id);
        await this.#dispatch(entry, 1);
      }
    } finally {
      for (const id of this.#waiting) this.#guard.forget(id); // not started: pending for later
      this.#waiting.clear();
      this.#acks.release();
      if (!this.#backlog) this.#acks.flush();
    }
  }

  /** The queued acks and a non-blocking read of `count` new entries, in one round trip. */
  async #ackAndRead(count: number): Promise<GroupEntry[]> {
    const o = this.#o;
    const read = XREADGROUP.args(o.stream, o.group, { consumer: o.consumer, count });
    const batch = this.#acks.take();
    if (batch.length === 0) {
      return XREADGROUP.parse(await this.#store.connection.send(read))[0]?.entries ?? [];
    }
    const context = { stream: o.stream, group: o.group, displayUrl: this.#store.displayUrl };
    let replies;
    try {
      const ack = XACK.args(o.stream, o.group, { ids: batch.map((d) => d.id) });
      replies = await this.#store.connection.pipeline([ack, read]);
    } catch (error) {
      const named = toStreamError(error, { ...context, command: "XACK" });
      this.#acks.report(batch, { error: named });
      throw named;
    }
    const [acked, reply] = replies;
    if (acked instanceof Error) {
      this.#acks.report(batch, { error: toStreamError(acked, { ...context, command: "XACK" }) });
    } else this.#acks.report(batch, { count: XACK.parse(acked!) });
    if (reply instanceof Error) throw toStreamError(reply, { ...context, command: "XREADGROUP" });
    return XREADGROUP.parse(reply!)[0]?.entries ?? [];
  }

  #remaining(): number {
    return Math.max(1, Math.min(this.#o.maxHandled - this.#dispatched, 1e9));
  }

  /** Runs `step`; on a retryable error reports it, backs off and returns false. */
  async #withRecovery(step: () => Promise<void>): Promise<boolean> {
    try {
      await step();
      this.#backoff.reset();
      const failure = this.#failure;
      if (failure) {
        this.#failure = undefined;
        const failedMs = Math.round(performance.now() - failure.since);
        this.#emit({ type: "recovered", error: failure.error, failedMs });
      }
      return true;
    } catch (error) {
      if (this.#o.signal?.aborted) return false;
      if (isPermanent(error)) throw error;
      this.#failure = { error, since: this.#failure?.since ?? performance.now() };
      this.#report(error);
      this.#recheckOwn = true;
      if (error instanceof NoGroupError) {
        // Policy: the group vanished (server restarted empty, or destroyed):
        // re-create it from 0 so that entries added since are not skipped.
        await this.#ensureGroup("0").catch(() => {});
      }
      await this.#backoff.wait(this.#o.signal);
      return false;
    }
  }

  /** Emits an error event, unless it repeats the last one within 10 s. */
  #report(error: unknown) {
    const repeated = this.#repeats.admit(error);
    if (repeated !== undefined) this.#emit({ type: "error", error, repeated });
  }

  async #ensureGroup(start: string) {
    const o = this.#o;
    if (await this.#store.createGroup(o.stream, o.group, { start, mkStream: true })) {
      this.#emit({ type: "group-created", stream: o.stream, group: o.group, start });
    }
  }

  /** Waits until fewer than `concurrency` handlers run (woken by the one that finishes). */
  async #waitForSlot() {
    while (this.#inFlight.size >= this.#o.concurrency) {
      await new Promise<void>((resolve) => this.#slotWaiters.push(resolve));
    }
  }

  /** Acks the entries whose ack failed, then re-reads own pending entries a lost reply left. */
  async #recoverOwn() {
    this.#recheckOwn = false;
    await this.#ackAgain();
    await this.#drainOwnPending({ skipFailed: true });
  }

  async #ackAgain() {
    const o = this.#o;
    const stillOwned = async (ids: string[]) => {
      const found = await Promise.all(
        ids.map((id) => this.#store.pending(o.stream, o.group, { start: id, end: id, count: 1 })),
      );
      // Not pending under another consumer: still ours, or acked already (a lost reply).
      const others = new Set(
        found.flat().filter((p) => p.consumer !== o.consumer).map((p) => p.id),
      );
      return new Set(ids.filter((id) => !others.has(id)));
    };
    const { acked, gone, takenOver } = await this.#acks.ackAgain({ stillOwned });
    for (const delivery of acked) this.#succeeded(delivery);
    for (const delivery of gone) this.#ackedByAnother(delivery.id);
    for (const delivery of takenOver) {
      // Another consumer owns it now: its outcome is that consumer's.
      this.#guard.forget(delivery.id);
      this.#hooks.settled?.(delivery.id, false);
    }
  }

  /**
   * The entry is acked, but not by this XACK: by another consumer that took
   * it over (and reported it), or by an earlier XACK of this worker whose
   * reply was lost. Settled, not reported.
   */
  #ackedByAnother(id: string) {
    this.#guard.forget(id);
    this.#hooks.settled?.(id, true);
  }

  #succeeded(delivery: Delivery) {
    this.#guard.forget(delivery.id);
    this.#lastErrors.delete(delivery.id);
    this.stats.succeeded++;
    this.#hooks.settled?.(delivery.id, true);
    this.#emit({ type: "handled", delivery });
  }

  /**
   * Delivers this consumer's own pending entries. With `skipFailed`, entries
   * whose handler failed in this run are left to the reclaim (after
   * `claimIdleMs`), so a flapping connection does not burn their deliveries.
   */
  async #drainOwnPending(options: { skipFailed?: boolean } = {}) {
    if (this.#stopping) return;
    for await (const entries of ownPendingPages(this.#store, this.#o)) {
      if (this.#stopping) return;
      const counts = await deliveryCounts(this.#store, this.#o, entries);
      for (const entry of entries) {
        // Entries still being handled here are pending too: leave them to their handler.
        if (this.#inFlight.has(entry.id) || this.#isUnacked(entry.id)) continue;
        if (options.skipFailed && this.#lastErrors.has(entry.id)) continue;
        await this.#waitForSlot();
        if (this.#stopping) return;
        await this.#dispatch(entry, counts.get(entry.id) ?? 1, true);
      }
    }
  }

  async #reclaim() {
    const o = this.#o;
    const rounds = this.#stopping ? [] : reclaimRounds(this.#store, o);
    for await (const round of rounds) {
      for (const id of round.deletedIds) {
        this.stats.deleted++;
        this.#emit({ type: "deleted", id });
      }
      // XAUTOCLAIM also returns this consumer's own idle entries: leave those it is handling,
      // or has handled and is still acking (their XACK may not have been answered yet).
      const entries = round.entries.filter((entry) =>
        !this.#inFlight.has(entry.id) && !this.#waiting.has(entry.id) &&
        !this.#isUnacked(entry.id)
      );
      if (entries.length > 0) {
        this.stats.reclaimed += entries.length;
        this.#emit({ type: "reclaimed", ids: entries.map((e) => e.id) });
        const counts = await deliveryCounts(this.#store, o, entries);
        for (const entry of entries) {
          await this.#waitForSlot();
          if (this.#stopping) break;
          await this.#dispatch(entry, counts.get(entry.id) ?? 1, true);
        }
      }
      if (this.#stopping) break;
    }
    if (o.removeIdleConsumersMs !== undefined) {
      const removed = await removeIdleConsumers(this.#store, o.stream, {
        group: o.group,
        idleMs: o.removeIdleConsumersMs,
        keep: [o.consumer],
      });
      for (const consumer of removed) this.#emit({ type: "consumer-removed", consumer });
    }
  }

  /**
   * Starts the handler on an entry. A handler that returns synchronously is
   * done at once (its ack queued); one that returns a promise takes a slot
   * until it settles. Returns a promise only for the slow paths (a deleted
   * entry, a dead letter).
   */
  #dispatch(
    entry: GroupEntry,
    deliveries: number,
    recovered = false,
  ): Promise<void> | undefined {
    const o = this.#o;
    if (entry.fields === null) return this.#ackDeleted(entry.id);
    const delivery: Delivery = {
      stream: o.stream,
      id: entry.id,
      fields: entry.fields,
      deliveries,
      consumer: o.consumer,
    };
    this.#dispatched++;
    if (o.maxDeliveries !== undefined && deliveries > o.maxDeliveries) {
      return this.#deadLetter(delivery);
    }
    let result: void | Promise<void>;
    try {
      result = this.#handler(delivery);
    } catch (error) {
      this.#failed(delivery, error);
      return undefined;
    }
    if (!isThenable(result)) {
      this.#syncHandlers = true;
      this.#handled(delivery, recovered);
      return undefined;
    }
    this.#syncHandlers = false;
    const run = Promise.resolve(result).then(
      () => this.#handled(delivery, recovered),
      (error) => this.#failed(delivery, error),
    ).finally(() => {
      this.#inFlight.delete(delivery.id);
      this.#slotWaiters.shift()?.();
    });
    this.#inFlight.set(delivery.id, run);
    return undefined;
  }

  /** A pending entry deleted from the stream: ack it and report it. */
  async #ackDeleted(id: string) {
    const o = this.#o;
    await this.#store.ack(o.stream, o.group, { ids: [id] });
    this.stats.deleted++;
    this.#emit({ type: "deleted", id });
  }

  /** The handler succeeded: its ack goes out with the next batch. */
  #handled(delivery: Delivery, recovered = false) {
    this.stats.handled++;
    if (!recovered && !this.#guard.atRisk(delivery.id)) return this.#acks.add(delivery);
    this.#ackAlone(delivery);
  }

  /**
   * Acks one delivery alone and reports it handled only if XACK says it was
   * still pending: a re-delivered entry (its own after a restart, or
   * reclaimed) or one at risk after a stall may have been taken over, handled
   * and acked by another consumer meanwhile.
   */
  #ackAlone(delivery: Delivery) {
    const o = this.#o;
    this.#singleAckIds.add(delivery.id);
    const ack = this.#store.ack(o.stream, o.group, { ids: [delivery.id] }).then(
      (acked) => {
        if (acked > 0) this.#succeeded(delivery);
        else this.#ackedByAnother(delivery.id);
      },
      (error) => this.#acks.report([delivery], { error, alone: true }),
    ).finally(() => {
      this.#singleAckIds.delete(delivery.id);
      this.#singleAcks.delete(ack);
    });
    this.#singleAcks.add(ack);
  }

  /** Whether `id` was handled here and its ack is not confirmed yet. */
  #isUnacked(id: string): boolean {
    return this.#singleAckIds.has(id) || this.#acks.isUnacked(id);
  }

  /** The handler failed: the entry stays pending, to be reclaimed and retried. */
  #failed(delivery: Delivery, error: unknown) {
    this.stats.failed++;
    this.stats.handled++;
    this.#guard.forget(delivery.id);
    this.#lastErrors.set(delivery.id, message(error));
    this.#hooks.settled?.(delivery.id, false);
    this.#emit({ type: "failed", delivery, error });
  }

  async #deadLetter(delivery: Delivery) {
    const o = this.#o;
    const error = this.#lastErrors.get(delivery.id) ??
      "unknown (failed in an earlier run or another consumer)";
    await this.#store.add(
      o.deadLetterStream,
      deadLetterFields({ ...delivery, group: o.group, error }),
    );
    await this.#store.ack(o.stream, o.group, { ids: [delivery.id] });
    this.#lastErrors.delete(delivery.id);
    this.stats.deadLettered++;
    this.stats.handled++;
    this.#emit({
      type: "dead-lettered",
      delivery,
      error,
      deadLetterStream: o.deadLetterStream,
    });
  }

  /** Resets the idle time of in-flight entries (XCLAIM … JUSTID) so no one else claims them. */
  #keepClaimed() {
    const o = this.#o;
    // Entries being handled, waiting in the read batch, or handled and not yet acked for sure.
    const ids = [
      ...new Set([
        ...this.#inFlight.keys(),
        ...this.#waiting,
        ...this.#acks.ids(),
        ...this.#singleAckIds,
      ]),
    ];
    if (ids.length === 0 || this.#claiming) return; // one XCLAIM at a time, none piling up
    this.#claiming = true;
    const sentAt = performance.now();
    for (const id of ids) this.#guard.atRisk(id); // a late beat: those stay at risk
    this.#store.claimIds(o.stream, o.group, { consumer: o.consumer, minIdleMs: 0, ids })
      .then((claimed) => this.#guard.refresh(claimed, sentAt))
      .catch((error) => this.#report(error))
      .finally(() => this.#claiming = false);
  }
}

/**
 * Runs the at-least-once loop until `signal` aborts or `maxHandled`
 * deliveries were handled, and returns what it did. Bad options reject
 * before anything is sent.
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
