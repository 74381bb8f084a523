/**
 * The consumer worker as an async iterator: each delivery is acked
 * explicitly, when the caller is done with it.
 *
 * @module
 */

import { ConsumerWorker } from "./consume.ts";
import type { ConsumeOptions, ConsumeStats, Delivery } from "./options.ts";

/** A delivery to ack (or fail) by hand. */
export interface AckableDelivery extends Delivery {
  /** Marks it processed: the worker acks it; resolves once the ack was sent. */
  ack(): Promise<void>;
  /** Marks it failed: it stays pending, to be retried after `claimIdleMs`. */
  fail(error?: unknown): Promise<void>;
}

/**
 * Consumes a group as an async iterator. Up to `concurrency` deliveries
 * (default: `count`, 10) may be held un-acked at once. Leaving the loop stops
 * the worker; deliveries not acked by then stay pending.
 *
 * @example Ack by hand
 * ```ts
 * import { deliveries, openStore } from "@rstream/rstream";
 * import assert from "node:assert/strict";
 * await using store = await openStore("memory:");
 * await store.add("jobs", { task: "resize" });
 * const options = { store, stream: "jobs", group: "g", consumer: "c1", start: "0", maxHandled: 1 };
 * for await (const delivery of deliveries(options)) {
 *   await delivery.ack();
 * }
 * assert.equal((await store.pendingSummary("jobs", "g")).count, 0);
 * ```
 */
export function deliveries(options: ConsumeOptions): AsyncIterableIterator<AckableDelivery> & {
  /** What the worker did, once the iteration ended. */
  readonly stats: Promise<ConsumeStats>;
} {
  const controller = new AbortController();
  const onAbort = () => controller.abort();
  options.signal?.addEventListener("abort", onAbort, { once: true });
  const ready: AckableDelivery[] = [];
  const waiting: ((value: IteratorResult<AckableDelivery>) => void)[] = [];
  const settlers = new Map<string, { resolve: () => void; reject: (e: unknown) => void }>();
  /** Callers waiting in `ack()` for the worker's XACK. */
  const acked = new Map<string, { done: () => void; fail: (e: unknown) => void }>();
  let finished = false;
  let stopped = false;
  const push = (delivery: AckableDelivery) => {
    const next = waiting.shift();
    if (next) next({ value: delivery, done: false });
    else ready.push(delivery);
  };
  const handler = (delivery: Delivery) =>
    new Promise<void>((resolve, reject) => {
      if (stopped) return reject(new Error("iteration stopped before delivery"));
      settlers.set(delivery.id, { resolve, reject });
      push({
        ...delivery,
        ack: () =>
          new Promise<void>((done, fail) => {
            acked.set(delivery.id, { done, fail });
            settlers.get(delivery.id)?.resolve();
          }),
        fail: (error?: unknown) => {
          settlers.get(delivery.id)?.reject(error ?? new Error("failed by the caller"));
          return Promise.resolve();
        },
      });
    });
  // The worker tells when a delivery's outcome is final: acked (by its XACK, or by another
  // consumer's after a takeover), or not (failed, or taken over by another consumer).
  const settled = (id: string, isAcked: boolean) => {
    settlers.delete(id);
    const waiter = acked.get(id);
    acked.delete(id);
    if (isAcked) waiter?.done();
    else {
      waiter?.fail(
        new Error("another consumer took the entry over before its ack; it is handled there"),
      );
    }
  };
  const worker = (async () =>
    await new ConsumerWorker(handler, {
      ...options,
      concurrency: options.concurrency ?? options.count ?? 10,
      signal: controller.signal,
    }, { settled }).run())();
  const stats = worker.finally(() => {
    finished = true;
    // The worker stopped without confirming these acks (the XACK kept failing):
    // the entries stay pending and will be delivered again.
    for (const { fail } of acked.values()) {
      fail(new Error("ack not confirmed before the worker stopped; the entry stays pending"));
    }
    acked.clear();
    options.signal?.removeEventListener("abort", onAbort);
    for (const next of waiting.splice(0)) next({ value: undefined, done: true });
  });
  const stop = async (): Promise<IteratorResult<AckableDelivery>> => {
    stopped = true;
    controller.abort();
    for (const { reject } of settlers.values()) reject(new Error("iteration stopped before ack"));
    await stats;
    return { value: undefined, done: true };
  };
  return {
    stats,
    next() {
      const delivery = ready.shift();
      if (delivery) return Promise.resolve({ value: delivery, done: false });
      if (finished) return Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve) => waiting.push(resolve));
    },
    return: stop,
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
