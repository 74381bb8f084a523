import assert from "node:assert/strict";
import { TakeoverGuard } from "./_takeover.ts";

/** A guard for claimIdleMs 1000 on a clock the test moves. */
function guardAt(start = 0) {
  const clock = { now: start };
  return { guard: new TakeoverGuard(1000, () => clock.now), clock };
}

Deno.test("TakeoverGuard.atRisk() is false while a read or beat claimed the entry within claimIdleMs / 2", () => {
  const { guard, clock } = guardAt();
  guard.track(["1-0", "2-0"], 0);
  clock.now = 499;
  assert.equal(guard.atRisk("1-0"), false);
  guard.refresh(["1-0"], 400);
  clock.now = 899;
  assert.equal(guard.atRisk("1-0"), false, "refreshed by the beat sent at 400");
  assert.equal(guard.atRisk("2-0"), true, "no beat since the read at 0");
  assert.equal(guard.atRisk("9-0"), false, "untracked (re-deliveries are always acked alone)");
});

Deno.test("TakeoverGuard.atRisk() stays true after a late beat claimed the entry again", () => {
  const { guard, clock } = guardAt();
  guard.track(["1-0"], 0);
  clock.now = 2500; // a stall: another consumer may have taken it and a beat taken it back
  assert.equal(guard.atRisk("1-0"), true);
  guard.refresh(["1-0"], 2500);
  clock.now = 2501;
  assert.equal(guard.atRisk("1-0"), true);
  guard.forget("1-0");
  assert.equal(guard.size, 0);
  assert.equal(guard.atRisk("1-0"), false);
});

Deno.test("TakeoverGuard.acked() returns every ID when XACK's count covers the batch", () => {
  const { guard, clock } = guardAt();
  guard.track(["1-0", "2-0"], 0);
  clock.now = 5000;
  assert.deepEqual(guard.acked(["1-0", "2-0"], 2), ["1-0", "2-0"]);
});

Deno.test("TakeoverGuard.acked() leaves out the exposed IDs when they are exactly the ones missing", () => {
  const { guard, clock } = guardAt();
  guard.track(["1-0", "2-0"], 0);
  guard.track(["3-0"], 1200);
  clock.now = 1300; // 1-0 and 2-0 unprotected for 1300 ms, 3-0 for 100 ms
  assert.deepEqual(guard.acked(["1-0", "2-0", "3-0"], 1), ["3-0"]);
});

Deno.test("TakeoverGuard.acked() returns every ID when the missing ones cannot be told apart", () => {
  const { guard, clock } = guardAt();
  guard.track(["1-0", "2-0"], 0);
  guard.track(["3-0"], 1200);
  clock.now = 1300;
  // One of the two exposed entries was acked by another consumer, but which is unknown.
  assert.deepEqual(guard.acked(["1-0", "2-0", "3-0"], 2), ["1-0", "2-0", "3-0"]);
});
