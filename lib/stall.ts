/**
 * Stall detection, the one rule the worker's watchdog and the spool forwarder
 * share: a call in flight has a time budget, and a call still running past it
 * is reported, with how long it has waited.
 *
 * @module
 */

/** A call that has run past its budget. */
export interface StalledCall {
  /** What the call is, e.g. `XREADGROUP`. */
  operation: string;
  /** How long it has been running, in ms. */
  waitedMs: number;
  /** Its budget, in ms. */
  budgetMs: number;
}

/** Options of {@linkcode StallDetector}. */
export interface StallDetectorOptions {
  /** Receives each call that runs past its budget. */
  onStall: (call: StalledCall) => void;
  /** Report a stalled call again each time another budget has passed (default: once). */
  repeat?: boolean;
  /** How often to look, in ms (default: a quarter of the smallest budget, 20 ms to 1 s). */
  checkEveryMs?: number;
}

interface Tracked {
  operation: string;
  started: number;
  budgetMs: number;
  reported: number;
}

/**
 * Tracks calls in flight, each with a time budget, and reports those that
 * run past it. Budgets of `Infinity` (a read that blocks forever) never stall.
 *
 * @example A call past its budget is reported once, with its wait
 * ```ts
 * import { StallDetector } from "@rstream/rstream";
 * import assert from "node:assert/strict";
 * const stalls: string[] = [];
 * using detector = new StallDetector({ onStall: (call) => stalls.push(call.operation), checkEveryMs: 5 });
 * await detector.track("XADD", 20, new Promise((resolve) => setTimeout(resolve, 80)));
 * await detector.track("XLEN", 1000, Promise.resolve(1));
 * assert.deepEqual(stalls, ["XADD"]);
 * ```
 */
export class StallDetector implements Disposable {
  readonly #calls = new Set<Tracked>();
  readonly #options: StallDetectorOptions;
  #timer: ReturnType<typeof setInterval> | undefined;
  #checkEveryMs: number;

  /** Creates a detector; it looks only while calls are in flight. */
  constructor(options: StallDetectorOptions) {
    this.#options = options;
    this.#checkEveryMs = options.checkEveryMs ?? 1000;
  }

  /** Calls in flight now. */
  get size(): number {
    return this.#calls.size;
  }

  /** Tracks `call` under `operation` with a budget of `budgetMs`; resolves as it does. */
  track<T>(operation: string, budgetMs: number, call: Promise<T>): Promise<T> {
    const tracked = { operation, started: performance.now(), budgetMs, reported: 0 };
    this.#calls.add(tracked);
    if (this.#options.checkEveryMs === undefined && Number.isFinite(budgetMs)) {
      this.#checkEveryMs = Math.min(this.#checkEveryMs, Math.max(20, Math.min(1000, budgetMs / 4)));
    }
    this.#timer ??= setInterval(() => this.#check(), this.#checkEveryMs);
    const done = () => {
      this.#calls.delete(tracked);
      if (this.#calls.size === 0) this.#idle();
    };
    return call.finally(done);
  }

  #check() {
    const now = performance.now();
    for (const call of this.#calls) {
      const waitedMs = now - call.started;
      const due = (call.reported + 1) * call.budgetMs;
      if (waitedMs <= due || (call.reported > 0 && !this.#options.repeat)) continue;
      call.reported++;
      this.#options.onStall({
        operation: call.operation,
        waitedMs: Math.round(waitedMs),
        budgetMs: call.budgetMs,
      });
    }
  }

  #idle() {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Stops looking and forgets the calls in flight. */
  [Symbol.dispose](): void {
    this.#calls.clear();
    this.#idle();
  }
}
