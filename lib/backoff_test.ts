import assert from "node:assert/strict";
import { abortableSleep, Backoff } from "./backoff.ts";

Deno.test("Backoff doubles from initialMs to maxMs and starts over after reset()", () => {
  const backoff = new Backoff({ initialMs: 250, maxMs: 1000 });
  assert.deepEqual([1, 2, 3, 4].map(() => backoff.next()), [250, 500, 1000, 1000]);
  backoff.reset();
  assert.equal(backoff.next(), 250);
});

Deno.test("Backoff defaults to 100 ms up to 5 s", () => {
  const backoff = new Backoff();
  const delays = Array.from({ length: 8 }, () => backoff.next());
  assert.deepEqual(delays, [100, 200, 400, 800, 1600, 3200, 5000, 5000]);
});

Deno.test("abortableSleep() returns at once when the signal is already aborted", async () => {
  const started = performance.now();
  await abortableSleep(5000, AbortSignal.abort());
  assert.ok(performance.now() - started < 1000);
});
