/**
 * The consumer worker's stall watchdog: wraps a store so that every call is
 * timed, and reports `unhealthy` when one has run past its budget (`stallMs`,
 * plus the BLOCK time of a blocking read) and `healthy` when a call succeeds
 * again.
 *
 * @module
 */

import type { HealthEvent } from "./options.ts";
import type { StreamStore } from "../store.ts";

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
export class Watchdog {
  readonly store: StreamStore;
  #calls = new Set<Call>();
  #unhealthySince: number | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  #onChange: (event: HealthEvent) => void;

  constructor(store: StreamStore, stallMs: number, onChange: (event: HealthEvent) => void) {
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
    const wrapped = new Map<PropertyKey, unknown>(); // one wrapper per method, not per call
    this.store = new Proxy(store, {
      get(target, key) {
        const value = Reflect.get(target, key, target);
        if (typeof value !== "function" || key === "close") return value;
        const known = wrapped.get(key);
        if (known) return known;
        const wrapper = (...args: unknown[]) => {
          const result = value.apply(target, args);
          if (!(result instanceof Promise)) return result;
          const options = key === "readGroup" ? args[2] : key === "read" ? args[1] : undefined;
          const blockMs = (options as { blockMs?: number } | undefined)?.blockMs ?? 0;
          return watch(String(key), blockMs + stallMs, result);
        };
        wrapped.set(key, wrapper);
        return wrapper;
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
