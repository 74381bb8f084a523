// Replies below are verbatim RESP2 replies of redis-server 7.0.15 (bulk strings as
// strings, integers as numbers, nil as null), captured with a raw RESP client.
import assert from "node:assert/strict";
import {
  parseAutoClaim,
  parsePendingEntries,
  parsePendingSummary,
  XAUTOCLAIM,
  XCLAIM,
  XCLAIM_JUSTID,
  XPENDING,
  XPENDING_SUMMARY,
} from "./pending.ts";

// xpendingArgs

Deno.test("XPENDING.args() without options is the summary form", () => {
  assert.deepEqual(XPENDING_SUMMARY.args("s", "g"), ["XPENDING", "s", "g"]);
});

Deno.test("XPENDING.args() with options is the extended form with count 100", () => {
  assert.deepEqual(XPENDING.args("s", "g", {}), ["XPENDING", "s", "g", "-", "+", "100"]);
});

Deno.test("XPENDING.args() puts IDLE before the range and the consumer last", () => {
  assert.deepEqual(
    XPENDING.args("s", "g", {
      minIdleMs: 60000,
      start: "1-0",
      end: "(9-0",
      count: 10,
      consumer: "c",
    }),
    ["XPENDING", "s", "g", "IDLE", "60000", "1-0", "(9-0", "10", "c"],
  );
});

Deno.test("XPENDING.args() rejects a negative minIdleMs", () => {
  assert.throws(() => XPENDING.args("s", "g", { minIdleMs: -5 }), {
    name: "RangeError",
    message: /^minIdleMs .*-5$/,
  });
});

Deno.test("XPENDING.args() rejects a bad end bound naming it", () => {
  assert.throws(() => XPENDING.args("s", "g", { end: "later" }), {
    name: "RangeError",
    message: /'later'/,
  });
});

// xclaimArgs

Deno.test("XCLAIM.args() lists the IDs after min-idle-time", () => {
  assert.deepEqual(
    XCLAIM.args("s", "g", { consumer: "c", minIdleMs: 3600000, ids: ["1-0", "2-0"] }),
    [
      "XCLAIM",
      "s",
      "g",
      "c",
      "3600000",
      "1-0",
      "2-0",
    ],
  );
});

Deno.test("XCLAIM_JUSTID.args() puts IDLE, TIME, RETRYCOUNT, FORCE and then JUSTID after the IDs", () => {
  assert.deepEqual(
    XCLAIM_JUSTID.args("s", "g", {
      consumer: "c",
      minIdleMs: 0,
      ids: ["1-0"],
      idleMs: 5,
      timeMs: 1700000000000,
      retryCount: 3,
      force: true,
    }),
    [
      "XCLAIM",
      "s",
      "g",
      "c",
      "0",
      "1-0",
      "IDLE",
      "5",
      "TIME",
      "1700000000000",
      "RETRYCOUNT",
      "3",
      "FORCE",
      "JUSTID",
    ],
  );
});

Deno.test("XCLAIM.args() rejects no IDs with a RangeError", () => {
  assert.throws(() => XCLAIM.args("s", "g", { consumer: "c", minIdleMs: 0, ids: [] }), {
    name: "RangeError",
    message: /^Claim at least one ID$/,
  });
});

Deno.test("XCLAIM.args() rejects ids that are not an array with a TypeError", () => {
  assert.throws(
    () => XCLAIM.args("s", "g", { consumer: "c", minIdleMs: 0, ids: "1-0" as unknown as string[] }),
    { name: "TypeError", message: /^ids must be an array of IDs, got string$/ },
  );
});

Deno.test("XCLAIM.args() rejects a special ID naming it", () => {
  assert.throws(() => XCLAIM.args("s", "g", { consumer: "c", minIdleMs: 0, ids: ["1-0", ">"] }), {
    name: "RangeError",
    message: /^Invalid stream ID '>': expected an ID like/,
  });
});

Deno.test("XCLAIM.args() rejects a missing minIdleMs with a TypeError", () => {
  assert.throws(
    () =>
      XCLAIM.args(
        "s",
        "g",
        { consumer: "c", ids: ["1-0"] } as unknown as Parameters<typeof XCLAIM.args>[2],
      ),
    { name: "TypeError", message: /^minIdleMs must be a number, got undefined$/ },
  );
});

// xautoclaimArgs

Deno.test("XAUTOCLAIM.args() starts at 0-0 with COUNT 100 by default", () => {
  assert.deepEqual(XAUTOCLAIM.args("s", "g", { consumer: "c", minIdleMs: 1000 }), [
    "XAUTOCLAIM",
    "s",
    "g",
    "c",
    "1000",
    "0-0",
    "COUNT",
    "100",
  ]);
});

Deno.test("XAUTOCLAIM.args() passes start and count", () => {
  assert.deepEqual(
    XAUTOCLAIM.args("s", "g", { consumer: "c", minIdleMs: 0, start: "5-1", count: 1 }),
    ["XAUTOCLAIM", "s", "g", "c", "0", "5-1", "COUNT", "1"],
  );
});

Deno.test("XAUTOCLAIM.args() rejects count 0", () => {
  assert.throws(() => XAUTOCLAIM.args("s", "g", { consumer: "c", minIdleMs: 0, count: 0 }), {
    name: "RangeError",
    message: /^count must be an integer >= 1, got 0$/,
  });
});

Deno.test("XAUTOCLAIM.args() rejects a special start naming it", () => {
  assert.throws(() => XAUTOCLAIM.args("s", "g", { consumer: "c", minIdleMs: 0, start: "-" }), {
    name: "RangeError",
    message: /^Invalid stream ID '-'/,
  });
});

// parsePendingSummary (XPENDING summary form)

Deno.test("parsePendingSummary() reads a summary with per-consumer string counts", () => {
  // XPENDING s g: the per-consumer counts are bulk strings in RESP2
  assert.deepEqual(parsePendingSummary([3, "1-0", "3-0", [["c", "3"]]]), {
    count: 3,
    smallestId: "1-0",
    greatestId: "3-0",
    consumers: [{ name: "c", pending: 3 }],
  });
});

Deno.test("parsePendingSummary() reads several consumers in reply order", () => {
  assert.deepEqual(parsePendingSummary([5, "1-0", "9-0", [["alice", "2"], ["bob", "3"]]]), {
    count: 5,
    smallestId: "1-0",
    greatestId: "9-0",
    consumers: [{ name: "alice", pending: 2 }, { name: "bob", pending: 3 }],
  });
});

Deno.test("parsePendingSummary() reads the empty summary", () => {
  // XPENDING s g2 with nothing pending
  assert.deepEqual(parsePendingSummary([0, null, null, null]), {
    count: 0,
    smallestId: null,
    greatestId: null,
    consumers: [],
  });
});

Deno.test("parsePendingSummary() rejects a non-array reply", () => {
  assert.throws(() => parsePendingSummary(0), {
    name: "TypeError",
    message: /^Unexpected XPENDING reply: 0$/,
  });
});

// parsePendingEntries (extended XPENDING)

Deno.test("parsePendingEntries() reads the extended XPENDING reply", () => {
  // XPENDING s g - + 10
  const reply = [["1-0", "c", 28, 2], ["2-0", "c", 34, 1], ["3-0", "c", 28, 2]];
  assert.deepEqual(parsePendingEntries(reply), [
    { id: "1-0", consumer: "c", idleMs: 28, deliveries: 2 },
    { id: "2-0", consumer: "c", idleMs: 34, deliveries: 1 },
    { id: "3-0", consumer: "c", idleMs: 28, deliveries: 2 },
  ]);
});

Deno.test("parsePendingEntries() reads an empty reply", () => {
  assert.deepEqual(parsePendingEntries([]), []);
});

Deno.test("parsePendingEntries() rejects a malformed entry", () => {
  assert.throws(() => parsePendingEntries(["1-0"]), {
    name: "TypeError",
    message: /^Unexpected XPENDING entry reply: "1-0"$/,
  });
});

// parseAutoClaim (XAUTOCLAIM)

Deno.test("parseAutoClaim() reads the Redis 7 reply with deleted IDs", () => {
  // XAUTOCLAIM s g c2 0 0-0 COUNT 10, after XDEL s 2-0
  const reply = ["0-0", [["1-0", ["a", "1", "b", "2"]], ["3-0", ["d", "4"]]], ["2-0"]];
  assert.deepEqual(parseAutoClaim(reply), {
    nextStart: "0-0",
    entries: [{ id: "1-0", fields: { a: "1", b: "2" } }, { id: "3-0", fields: { d: "4" } }],
    deletedIds: ["2-0"],
  });
});

Deno.test("parseAutoClaim() reads a partial scan's next start", () => {
  // XAUTOCLAIM s g c3 0 0-0 COUNT 1
  assert.deepEqual(parseAutoClaim(["3-0", [["1-0", ["a", "1", "b", "2"]]], []]), {
    nextStart: "3-0",
    entries: [{ id: "1-0", fields: { a: "1", b: "2" } }],
    deletedIds: [],
  });
});

Deno.test("parseAutoClaim() reads the Redis 6.2 two-element reply", () => {
  assert.deepEqual(parseAutoClaim(["0-0", []]), { nextStart: "0-0", entries: [], deletedIds: [] });
});

Deno.test("parseAutoClaim() rejects a nil reply", () => {
  assert.throws(() => parseAutoClaim(null), {
    name: "TypeError",
    message: /^Unexpected XAUTOCLAIM reply: null$/,
  });
});

Deno.test("XCLAIM_JUSTID.parse() reads the claimed IDs", () => {
  assert.deepEqual(XCLAIM_JUSTID.parse(["1-0", "2-0"]), ["1-0", "2-0"]);
});
