import assert from "node:assert/strict";
import { StallDetector, type StalledCall } from "./stall.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

Deno.test("StallDetector reports a call past its budget once, with its wait and budget", async () => {
  const stalls: StalledCall[] = [];
  using detector = new StallDetector({ onStall: (call) => stalls.push(call), checkEveryMs: 5 });
  await detector.track("XREADGROUP", 30, sleep(120));
  assert.equal(stalls.length, 1);
  assert.equal(stalls[0]!.operation, "XREADGROUP");
  assert.equal(stalls[0]!.budgetMs, 30);
  assert.ok(stalls[0]!.waitedMs > 30 && stalls[0]!.waitedMs < 120, `${stalls[0]!.waitedMs}`);
});

Deno.test("StallDetector with repeat reports again after each further budget", async () => {
  const stalls: number[] = [];
  using detector = new StallDetector({
    onStall: (call) => stalls.push(call.waitedMs),
    repeat: true,
    checkEveryMs: 5,
  });
  await detector.track("XADD", 40, sleep(300));
  // Reported after 40 ms, again after 80, 120 …: under load a check may come late, never early.
  assert.ok(stalls.length >= 2 && stalls.length <= 7, `${stalls}`);
  stalls.forEach((waited, i) => assert.ok(waited >= 40 * (i + 1), `${stalls}`));
});

Deno.test("StallDetector never reports a call within its budget or with an infinite one", async () => {
  const stalls: StalledCall[] = [];
  using detector = new StallDetector({ onStall: (call) => stalls.push(call), checkEveryMs: 5 });
  await Promise.all([
    detector.track("XLEN", 1000, sleep(30)),
    detector.track("XREAD", Infinity, sleep(60)),
  ]);
  assert.deepEqual(stalls, []);
  assert.equal(detector.size, 0);
});

Deno.test("StallDetector passes a rejection through and stops tracking the call", async () => {
  using detector = new StallDetector({ onStall: () => {}, checkEveryMs: 5 });
  await assert.rejects(detector.track("XADD", 100, Promise.reject(new Error("lost"))), /lost/);
  assert.equal(detector.size, 0);
});
