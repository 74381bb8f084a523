/**
 * Timing helpers shared by the bench parts.
 *
 * @module
 */

/** Wall-clock ms with sub-ms resolution, comparable across processes on one machine. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

/** Runs `fn` and returns how long it took in ms. */
export async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The median of a few samples. */
export function median(samples: readonly number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Reads a child's whole stdout and when its first line arrived (ms after
 * `t0`, NaN when it printed none): what the start-up figures measure.
 */
export async function stdoutWithFirstLine(
  stdout: ReadableStream<Uint8Array>,
  t0: number,
): Promise<{ text: string; firstLineMs: number }> {
  const reader = stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  let firstLineMs = NaN;
  while (true) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
    if (Number.isNaN(firstLineMs) && text.includes("\n")) firstLineMs = performance.now() - t0;
  }
  return { text, firstLineMs };
}
