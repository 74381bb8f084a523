/**
 * Waiting that a stop cuts short: the one sleep the worker, the spool
 * forwarder, the scripts and the shell's `top` share.
 *
 * @module
 */

/** Waits `ms`, or less when `signal` aborts (never rejects). */
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
