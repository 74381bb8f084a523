/**
 * The worker's acknowledgements: the acks of handlers that finish together
 * go out as one XACK, and a handled entry whose XACK failed (the connection
 * dropped) is kept to be acked again, never handled again.
 *
 * @module
 */

import type { Delivery } from "./options.ts";

interface WaitingAck {
  id: string;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Gathers acks per tick (or, while {@linkcode AckBatcher.hold} is on, until
 * {@linkcode AckBatcher.release}) and sends each batch as one call.
 *
 * @example Three acks in one tick are one XACK
 * ```ts
 * import { AckBatcher } from "@rstream/rstream/worker";
 * import assert from "node:assert/strict";
 * const sent: string[][] = [];
 * const acks = new AckBatcher((ids) => Promise.resolve(void sent.push(ids)));
 * await Promise.all([acks.ack("1-0"), acks.ack("2-0"), acks.ack("3-0")]);
 * assert.deepEqual(sent, [["1-0", "2-0", "3-0"]]);
 * ```
 */
export class AckBatcher {
  readonly #send: (ids: string[]) => Promise<unknown>;
  #waiting: WaitingAck[] = [];
  #held = false;
  /** Handled entries whose XACK failed: acked again later, not handled again. */
  readonly #unconfirmed = new Map<string, Delivery>();

  /** Sends each batch with `send` (an XACK of the given IDs). */
  constructor(send: (ids: string[]) => Promise<unknown>) {
    this.#send = send;
  }

  /** Acks `id` with the next batch; resolves once that XACK was answered. */
  ack(id: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ id, resolve, reject });
      if (this.#waiting.length === 1 && !this.#held) queueMicrotask(() => this.#flush());
    });
  }

  /** Holds acks back (while a read batch is dispatched) until {@linkcode release}. */
  hold(): void {
    this.#held = true;
  }

  /** Sends the acks held back, as one batch. */
  release(): void {
    this.#held = false;
    if (this.#waiting.length > 0) queueMicrotask(() => this.#flush());
  }

  async #flush() {
    const batch = this.#waiting.splice(0);
    if (batch.length === 0) return;
    try {
      await this.#send(batch.map((a) => a.id));
      for (const a of batch) a.resolve();
    } catch (error) {
      for (const a of batch) a.reject(error);
    }
  }

  /** Keeps a handled delivery whose XACK failed, to ack it again. */
  keepUnconfirmed(delivery: Delivery): void {
    this.#unconfirmed.set(delivery.id, delivery);
  }

  /** Whether `id` was handled and waits to be acked again. */
  isUnconfirmed(id: string): boolean {
    return this.#unconfirmed.has(id);
  }

  /** Acks every unconfirmed delivery in one call and returns them (none when there were none). */
  async ackAgain(): Promise<Delivery[]> {
    if (this.#unconfirmed.size === 0) return [];
    const batch = [...this.#unconfirmed.values()];
    await this.#send(batch.map((d) => d.id));
    for (const delivery of batch) this.#unconfirmed.delete(delivery.id);
    return batch;
  }
}
