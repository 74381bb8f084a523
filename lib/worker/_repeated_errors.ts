/**
 * The worker's rule for repeated errors: the same error again within 10 s is
 * only counted, and reported with that count once the window has passed.
 *
 * @module
 */

const REPEAT_WINDOW_MS = 10_000;

/** Decides which errors to report, counting the repeats it holds back. */
export class RepeatedErrors {
  #last = { text: "", at: 0, repeated: 0 };

  /**
   * Returns how many times the previous report's error was held back when
   * `error` is to be reported now, or `undefined` when it is a repeat to hold.
   */
  admit(error: unknown, now = Date.now()): number | undefined {
    const text = error instanceof Error ? error.message : String(error);
    const last = this.#last;
    if (text === last.text && now - last.at < REPEAT_WINDOW_MS) {
      last.repeated++;
      return undefined;
    }
    const repeated = text === last.text ? last.repeated : 0;
    this.#last = { text, at: now, repeated: 0 };
    return repeated;
  }
}
