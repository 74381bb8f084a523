/**
 * Waiting between retries: the one backoff policy of the worker, the spool
 * forwarder and the Redis connection, and the one abortable sleep.
 *
 * @module
 */

/** Options of {@linkcode Backoff}. */
export interface BackoffOptions {
  /** The first delay after a failure, in ms (default 100). */
  initialMs?: number;
  /** The largest delay, in ms (default 5000). */
  maxMs?: number;
}

/**
 * Exponential backoff: each failure doubles the delay, from `initialMs` up to
 * `maxMs`; a success resets it.
 *
 * @example Delays double up to the ceiling, and reset after a success
 * ```ts
 * import { Backoff } from "@rstream/rstream";
 * import assert from "node:assert/strict";
 * const backoff = new Backoff({ initialMs: 100, maxMs: 300 });
 * assert.deepEqual([backoff.next(), backoff.next(), backoff.next()], [100, 200, 300]);
 * backoff.reset();
 * assert.equal(backoff.next(), 100);
 * ```
 */
export class Backoff {
  readonly #initialMs: number;
  readonly #maxMs: number;
  #currentMs = 0;

  /** Creates a backoff at its first delay. */
  constructor(options: BackoffOptions = {}) {
    this.#initialMs = options.initialMs ?? 100;
    this.#maxMs = options.maxMs ?? 5000;
  }

  /** The delay to wait after one more failure. */
  next(): number {
    this.#currentMs = Math.min(Math.max(this.#currentMs * 2, this.#initialMs), this.#maxMs);
    return this.#currentMs;
  }

  /** Back to the first delay, after a success. */
  reset(): void {
    this.#currentMs = 0;
  }

  /** Waits the next delay, or less when `signal` aborts (never rejects). */
  wait(signal?: AbortSignal): Promise<void> {
    return abortableSleep(this.next(), signal);
  }
}

/**
 * Waits `ms`, or less when `signal` aborts (never rejects).
 *
 * @example A stop cuts the wait short
 * ```ts
 * import { abortableSleep } from "@rstream/rstream";
 * import assert from "node:assert/strict";
 * const started = performance.now();
 * await abortableSleep(10_000, AbortSignal.timeout(10));
 * assert.ok(performance.now() - started < 5_000);
 * ```
 */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}
