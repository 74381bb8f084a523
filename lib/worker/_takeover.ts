/**
 * Which of a consumer's first deliveries another consumer may have taken
 * over. A live worker keeps its entries claimed (`XCLAIM … JUSTID` every
 * `claimIdleMs / 3`), so no one else's `XAUTOCLAIM` finds them idle; but a
 * worker that stalls (a frozen process, a long GC, a starved SQLite lock)
 * misses those beats, and after `claimIdleMs` another consumer may take an
 * entry over, handle it and ack it. One XACK of a whole batch then cannot
 * say which of its entries this worker acked, so an entry whose protection
 * (the read or beat that last claimed it) is older than `claimIdleMs / 2` is
 * *at risk* from then on and is acked alone, its XACK count saying whether
 * it was still pending.
 *
 * @module
 */

/** A map of delivery IDs to the send time of the call that last claimed them. */
export class TakeoverGuard {
  readonly #claimIdleMs: number;
  readonly #now: () => number;
  /** ID → when the read or the beat that last claimed it was sent. */
  readonly #protectedAt = new Map<string, number>();
  /** IDs found at risk once: they stay so (a later beat may have taken them back). */
  readonly #atRisk = new Set<string>();

  /** Watches deliveries of a worker with this `claimIdleMs`; `now` is the clock (ms). */
  constructor(claimIdleMs: number, now: () => number = () => performance.now()) {
    this.#claimIdleMs = claimIdleMs;
    this.#now = now;
  }

  /** New entries were delivered by a read sent at `sentAt`. */
  track(ids: Iterable<string>, sentAt: number): void {
    for (const id of ids) this.#protectedAt.set(id, sentAt);
  }

  /** A beat sent at `sentAt` claimed these IDs again (those at risk stay at risk). */
  refresh(ids: Iterable<string>, sentAt: number): void {
    for (const id of ids) {
      if (this.#protectedAt.has(id) && !this.atRisk(id)) this.#protectedAt.set(id, sentAt);
    }
  }

  /**
   * Whether an XACK of `id` sent now might land after another consumer took
   * it over: its protection is older than `claimIdleMs / 2` (or was once).
   */
  atRisk(id: string): boolean {
    if (this.#atRisk.has(id)) return true;
    const at = this.#protectedAt.get(id);
    if (at === undefined || this.#now() - at < this.#claimIdleMs / 2) return false;
    this.#atRisk.add(id);
    return true;
  }

  /**
   * Of the IDs of one XACK just answered with `count` (first attempt), those
   * this worker acked: all when `count` covers them. Otherwise another
   * consumer acked some after taking them over, which only an entry
   * unprotected for `claimIdleMs` allows: when exactly the missing number
   * was, those are left out; when that does not add up, all are returned
   * (their handlers succeeded; which ones it acked cannot be told).
   */
  acked(ids: readonly string[], count: number): readonly string[] {
    if (count >= ids.length) return ids;
    const now = this.#now();
    const exposed = new Set(
      ids.filter((id) => now - (this.#protectedAt.get(id) ?? -Infinity) >= this.#claimIdleMs),
    );
    if (exposed.size !== ids.length - count) return ids;
    return ids.filter((id) => !exposed.has(id));
  }

  /** The delivery is settled (acked, failed, dead-lettered, or left pending). */
  forget(id: string): void {
    this.#protectedAt.delete(id);
    this.#atRisk.delete(id);
  }

  /** How many deliveries are watched (for tests: nothing is kept after it settles). */
  get size(): number {
    return this.#protectedAt.size;
  }
}
