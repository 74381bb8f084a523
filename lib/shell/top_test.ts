import assert from "node:assert/strict";
import { styleFor } from "./style.ts";
import { addsPerSecond, renderTop, type StreamSnapshot, type TopSnapshot } from "./top.ts";

const T0 = 1_700_000_010_000;

function stream(overrides: Partial<StreamSnapshot> = {}): StreamSnapshot {
  return {
    name: "app:event",
    length: 100,
    entriesAdded: 100,
    lastGeneratedId: "1700000009000-0",
    firstId: "1700000000000-0",
    lastId: "1700000009000-0",
    groups: [{
      name: "workers",
      pending: 3,
      lag: 7,
      oldestPendingIdleMs: 12_000,
      consumers: [{ name: "alice", pending: 3, idleMs: 500 }, {
        name: "bob",
        pending: 0,
        idleMs: 65_000,
      }],
    }],
    ...overrides,
  };
}

Deno.test("addsPerSecond() divides the entries-added delta by the elapsed time", () => {
  assert.equal(addsPerSecond(stream({ entriesAdded: 150 }), stream(), 2000), 25);
  assert.equal(addsPerSecond(stream(), undefined, 1000), null);
  assert.equal(
    addsPerSecond(stream({ entriesAdded: null }), stream({ entriesAdded: null }), 1000),
    0,
  );
  assert.equal(
    addsPerSecond(
      stream({ entriesAdded: null, lastGeneratedId: "2-0" }),
      stream({ entriesAdded: null }),
      1000,
    ),
    null,
  );
});

Deno.test("renderTop() shows streams with rates and ages, and groups with their consumers", () => {
  const previous: TopSnapshot = { takenAt: T0 - 1000, streams: [stream({ entriesAdded: 90 })] };
  const current: TopSnapshot = { takenAt: T0, streams: [stream()] };
  const frame = renderTop(current, previous, { style: styleFor(false), storeLabel: "embedded" });
  const lines = frame.split("\n");
  assert.match(
    lines[0],
    /^rstream top {2}embedded {2}\* {2}1 stream {2}\d\d:\d\d:\d\d {2}\(Ctrl-C to stop\)$/,
  );
  assert.deepEqual(lines.slice(1), [
    "",
    "STREAM     LENGTH  ADDS/S  FIRST-AGE  LAST-AGE  GROUPS",
    "app:event     100    10.0      10.0s      1.0s       1",
    "",
    "GROUP / CONSUMER   CONSUMERS  PENDING  LAG  OLDEST-PENDING   IDLE",
    "app:event workers          2        3    7           12.0s",
    "  alice                             3                       500ms",
    "  bob                               0                        1m5s",
    "",
  ]);
});

Deno.test("renderTop() says so when no stream matches", () => {
  const frame = renderTop({ takenAt: T0, streams: [] }, undefined, {
    style: styleFor(false),
    storeLabel: "redis://127.0.0.1:6379",
    pattern: "x:*",
  });
  assert.match(frame, /x:\* {2}0 streams .*\n\nno streams\n$/);
});
