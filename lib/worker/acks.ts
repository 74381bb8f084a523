/**
 * The worker's acknowledgements: handled deliveries wait in a queue and go
 * out as one XACK per batch, either on their own (once per tick) or together
 * with the worker's next read in one pipeline. A delivery whose XACK was sent
 * but not yet answered is *unconfirmed*: it still counts as the worker's (kept
 * claimed, waited for on stop); one whose XACK failed (the connection dropped)
 * is acked again later, never handled again.
 *
 * @module
 */

import type { Delivery } from "./options.ts";

/** What becomes of acks: the worker's callbacks. */
export interface AckOutcomes {
  /** The XACK of these deliveries was answered; `count` is its reply (entries it removed). */
  acked(deliveries: readonly Delivery[], count?: number): void;
  /** The XACK of these deliveries failed; they are kept for {@linkcode AckBatcher.ackAgain}. */
  failed(deliveries: readonly Delivery[], error: unknown): void;
  /**
   * Asked of each delivery as its batch is sent: returning `true` takes it
   * out of the batch (the worker acks it alone).
   */
  alone?(delivery: Delivery): boolean;
}

/**
 * Batches acks: {@linkcode AckBatcher.add} queues a handled delivery, and
 * each batch is one call of `send` (an XACK of the batch's IDs).
 *
 * @example Three acks in one tick are one XACK
 * ```ts
 * import { AckBatcher } from "@rstream/rstream/worker";
 * import assert from "node:assert/strict";
 * const sent: string[][] = [];
 * const acked: string[] = [];
 * const acks = new AckBatcher((ids) => Promise.resolve(sent.push(ids) && ids.length), {
 *   acked: (deliveries) => acked.push(...deliveries.map((d) => d.id)),
 *   failed: () => {},
 * });
 * for (const id of ["1-0", "2-0", "3-0"]) {
 *   acks.add({ stream: "s", id, fields: { a: "1" }, deliveries: 1, consumer: "c1" });
 * }
 * await acks.settled();
 * assert.deepEqual(sent, [["1-0", "2-0", "3-0"]]);
 * assert.deepEqual(acked, ["1-0", "2-0", "3-0"]);
 * ```
 */
export class AckBatcher {
  readonly #send: (ids: string[]) => Promise<number>;
  readonly #outcomes: AckOutcomes;
  /** Handled, XACK not sent yet. */
  #queued: Delivery[] = [];
  #scheduled = false;
  #held = false;
  /** XACK sent, no answer yet. */
  readonly #sent = new Map<string, Delivery>();
  /** Batches in flight, for {@linkcode settled}. */
  readonly #batches = new Set<Promise<void>>();
  /** XACK failed: acked again later, not handled again. */
  readonly #unconfirmed = new Map<string, Delivery>();
  /** Those of them that were acked alone: acked alone again, their count checked. */
  readonly #alone = new Set<string>();

  /** Sends each batch with `send` and reports its outcome to `outcomes`. */
  constructor(send: (ids: string[]) => Promise<number>, outcomes: AckOutcomes) {
    this.#send = send;
    this.#outcomes = outcomes;
  }

  /** Queues a handled delivery for the next batch (sent within this tick unless held). */
  add(delivery: Delivery): void {
    this.#queued.push(delivery);
    if (!this.#held && !this.#scheduled) {
      this.#scheduled = true;
      queueMicrotask(() => {
        this.#scheduled = false;
        if (!this.#held) this.flush();
      });
    }
  }

  /** Keeps queued acks back (while a read batch is dispatched) until {@linkcode release}. */
  hold(): void {
    this.#held = true;
  }

  /** Stops holding; the queue is sent by the next read, or by {@linkcode flush}. */
  release(): void {
    this.#held = false;
  }

  /** Whether acks wait in the queue. */
  get hasQueued(): boolean {
    return this.#queued.length > 0;
  }

  /** Sends the queued acks now, as one batch. */
  flush(): void {
    const batch = this.take();
    if (batch.length === 0) return;
    this.#track(batch, this.#send(batch.map((d) => d.id)));
  }

  /**
   * Takes the queued acks to send them with another command (one pipeline);
   * report the answer with {@linkcode report}. They count as sent meanwhile.
   * Those `alone` claims are not in it.
   */
  take(): Delivery[] {
    const alone = this.#outcomes.alone;
    const batch = alone ? this.#queued.filter((d) => !alone(d)) : this.#queued;
    this.#queued = [];
    for (const delivery of batch) this.#sent.set(delivery.id, delivery);
    return batch;
  }

  /**
   * Reports the answer to a batch from {@linkcode take}: its XACK's `count`,
   * or the `error` it failed with. A failed XACK of one delivery the worker
   * acked alone (`alone: true`) is retried alone by {@linkcode ackAgain}.
   */
  report(
    batch: readonly Delivery[],
    answer: { count?: number; error?: unknown; alone?: boolean } = {},
  ): void {
    const { count, error } = answer;
    for (const delivery of batch) this.#sent.delete(delivery.id);
    if (batch.length === 0) return;
    if (error === undefined) return this.#outcomes.acked(batch, count);
    for (const delivery of batch) {
      this.#unconfirmed.set(delivery.id, delivery);
      if (answer.alone) this.#alone.add(delivery.id);
    }
    this.#outcomes.failed(batch, error);
  }

  #track(batch: readonly Delivery[], call: Promise<number>) {
    const done: Promise<void> = call.then(
      (count) => this.report(batch, { count }),
      (error) => this.report(batch, { error }),
    ).finally(() => this.#batches.delete(done));
    this.#batches.add(done);
  }

  /** Resolves once every batch sent so far has been answered (queued ones are sent first). */
  async settled(): Promise<void> {
    this.flush();
    while (this.#batches.size > 0) await Promise.allSettled([...this.#batches]);
  }

  /** IDs handled by this worker and not yet acked for sure: queued, sent or failed. */
  *ids(): IterableIterator<string> {
    for (const delivery of this.#queued) yield delivery.id;
    yield* this.#sent.keys();
    yield* this.#unconfirmed.keys();
  }

  /** Whether `id` was handled and waits for its ack (queued, sent, or to be acked again). */
  isUnacked(id: string): boolean {
    return this.#sent.has(id) || this.#unconfirmed.has(id) ||
      this.#queued.some((d) => d.id === id);
  }

  /**
   * Acks again every delivery whose XACK failed: those of batches in one
   * call (all `acked`: what is no longer pending was removed by the lost
   * reply's XACK), those acked alone one by one (`acked` only when XACK's
   * count says it was still pending, else `gone`: acked by another consumer,
   * or by the XACK whose reply was lost). With `stillOwned`, the deliveries
   * the consumer no longer owns are not acked but dropped (`takenOver`).
   */
  async ackAgain(
    options: { stillOwned?: (ids: string[]) => Promise<Set<string>> } = {},
  ): Promise<{ acked: Delivery[]; gone: Delivery[]; takenOver: Delivery[] }> {
    const acked: Delivery[] = [];
    const gone: Delivery[] = [];
    const takenOver: Delivery[] = [];
    if (this.#unconfirmed.size === 0) return { acked, gone, takenOver };
    let all = [...this.#unconfirmed.values()];
    if (options.stillOwned) {
      // While the XACK was failing, another consumer may have reclaimed (and handled) some:
      // those are its now, not acked (nor reported handled) by this one.
      const owned = await options.stillOwned(all.map((d) => d.id));
      for (const delivery of all) if (!owned.has(delivery.id)) takenOver.push(delivery);
      all = all.filter((d) => owned.has(d.id));
    }
    const batch = all.filter((d) => !this.#alone.has(d.id));
    if (batch.length > 0) {
      await this.#send(batch.map((d) => d.id));
      acked.push(...batch);
    }
    const alone = all.filter((d) => this.#alone.has(d.id));
    const counts = await Promise.all(alone.map((d) => this.#send([d.id])));
    alone.forEach((delivery, i) => (counts[i]! > 0 ? acked : gone).push(delivery));
    for (const delivery of [...acked, ...gone, ...takenOver]) {
      this.#unconfirmed.delete(delivery.id);
      this.#alone.delete(delivery.id);
    }
    return { acked, gone, takenOver };
  }
}
