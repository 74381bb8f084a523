/**
 * Waiting for XREAD/XREADGROUP with BLOCK in the embedded backend.
 *
 * A waiting read is tried again whenever the file may hold new data: at once
 * after a write by this connection (in-process notification), and when
 * `PRAGMA data_version` changes, which SQLite bumps whenever another
 * connection — another process, or another connection in this one — commits.
 * The pragma is read every {@linkcode POLL_INTERVAL_MS} ms, and only while
 * some read waits; it costs a few microseconds. So a reader in another
 * process wakes within about one interval of the commit.
 *
 * @module
 */

import type { RedisReply } from "../connection.ts";

/** How often `PRAGMA data_version` is polled while a read waits. */
export const POLL_INTERVAL_MS = 5;

interface Waiter {
  version: number;
  attempt: () => void;
}

/** Tells waiting reads when the database may have changed. */
export class ChangeWatcher {
  readonly #readVersion: () => number;
  readonly #waiters = new Set<Waiter>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #notifyQueued = false;

  /** `readVersion` reads `PRAGMA data_version` on the connection. */
  constructor(readVersion: () => number) {
    this.#readVersion = readVersion;
  }

  /** The current data version, to pass to {@linkcode subscribe}. */
  version(): number {
    return this.#readVersion();
  }

  /**
   * Calls `attempt` after each possible change seen after `version` was read.
   * Returns the function that unsubscribes.
   */
  subscribe(version: number, attempt: () => void): () => void {
    const waiter: Waiter = { version, attempt };
    this.#waiters.add(waiter);
    this.#timer ??= setInterval(() => this.#poll(), POLL_INTERVAL_MS);
    return () => {
      this.#waiters.delete(waiter);
      if (this.#waiters.size === 0 && this.#timer !== undefined) {
        clearInterval(this.#timer);
        this.#timer = undefined;
      }
    };
  }

  /** Reports a change made through this connection (wakes waiters soon, once). */
  notify(): void {
    if (this.#notifyQueued || this.#waiters.size === 0) return;
    this.#notifyQueued = true;
    queueMicrotask(() => {
      this.#notifyQueued = false;
      for (const waiter of [...this.#waiters]) waiter.attempt();
    });
  }

  #poll(): void {
    let version: number;
    try {
      version = this.#readVersion();
    } catch {
      return; // closed or busy: try again next tick
    }
    for (const waiter of [...this.#waiters]) {
      if (waiter.version === version) continue;
      waiter.version = version;
      waiter.attempt();
    }
  }

  /** Stops polling and forgets all waiters. */
  close(): void {
    this.#waiters.clear();
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}

/** Options for {@linkcode waitForReply}. */
export interface WaitOptions {
  /** Milliseconds to wait; 0 waits until data, abort or close. */
  timeoutMs: number;
  /** The data version read before the first (unsuccessful) attempt. */
  version: number;
  signal?: AbortSignal;
  /** Aborted when the connection closes. */
  closed: AbortSignal;
}

/**
 * Waits until `attempt` returns a non-null reply (or throws), the timeout
 * elapses, or a signal aborts — the last two settle with `null`.
 */
export function waitForReply(
  watcher: ChangeWatcher,
  attempt: () => RedisReply,
  options: WaitOptions,
): Promise<RedisReply> {
  return new Promise<RedisReply>((resolve, reject) => {
    let done = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const finish = (settle: () => void) => {
      if (done) return;
      done = true;
      unsubscribe();
      if (timer !== undefined) clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
      options.closed.removeEventListener("abort", onAbort);
      settle();
    };
    const onAbort = () => finish(() => resolve(null));
    const unsubscribe = watcher.subscribe(options.version, () => {
      if (done) return;
      let reply: RedisReply;
      try {
        reply = attempt();
      } catch (error) {
        finish(() => reject(error));
        return;
      }
      if (reply !== null) finish(() => resolve(reply));
    });
    if (options.timeoutMs > 0) timer = setTimeout(onAbort, options.timeoutMs);
    if (options.signal?.aborted || options.closed.aborted) return onAbort();
    options.signal?.addEventListener("abort", onAbort);
    options.closed.addEventListener("abort", onAbort);
  });
}
