// Replies below are verbatim RESP2 replies of redis-server 7.0.15 (bulk strings as
// strings, integers as numbers, nil as null), captured with a raw RESP client.
import assert from "node:assert/strict";
import {
  parseAutoClaim,
  parseConsumerInfo,
  parseEntries,
  parseFields,
  parseGroupEntry,
  parseGroupInfo,
  parsePairs,
  parsePendingEntries,
  parsePendingSummary,
  parseReadReply,
} from "./replies.ts";

// parseFields, parseGroupEntry

Deno.test("parseFields() turns a flat field/value list into an object", () => {
  assert.deepEqual(parseFields(["a", "1", "b", "2"]), { a: "1", b: "2" });
});

Deno.test("parseFields() lets a later duplicate field win", () => {
  assert.deepEqual(parseFields(["a", "1", "a", "2"]), { a: "2" });
});

Deno.test("parseFields() rejects a non-array reply showing it", () => {
  assert.throws(() => parseFields("OK"), {
    name: "TypeError",
    message: /^Unexpected fields reply: "OK"$/,
  });
});

Deno.test("parseGroupEntry() keeps a null fields part (deleted while pending)", () => {
  assert.deepEqual(parseGroupEntry(["2-0", null]), { id: "2-0", fields: null });
});

Deno.test("parseGroupEntry() rejects a non-array entry", () => {
  assert.throws(() => parseGroupEntry(null), {
    name: "TypeError",
    message: /^Unexpected entry reply: null$/,
  });
});

// parseEntries (XRANGE, XREVRANGE, XCLAIM)

Deno.test("parseEntries() reads an XRANGE reply", () => {
  // XRANGE s - +
  const reply = [["1-0", ["a", "1", "b", "2"]], ["2-0", ["c", "3"]], ["3-0", ["d", "4"]]];
  assert.deepEqual(parseEntries(reply), [
    { id: "1-0", fields: { a: "1", b: "2" } },
    { id: "2-0", fields: { c: "3" } },
    { id: "3-0", fields: { d: "4" } },
  ]);
});

Deno.test("parseEntries() reads an empty reply", () => {
  assert.deepEqual(parseEntries([]), []);
});

Deno.test("parseEntries() drops entries whose fields are null", () => {
  assert.deepEqual(parseEntries([["1-0", ["a", "1"]], ["2-0", null]]), [
    { id: "1-0", fields: { a: "1" } },
  ]);
});

Deno.test("parseEntries() rejects a nil reply", () => {
  assert.throws(() => parseEntries(null), {
    name: "TypeError",
    message: /^Unexpected entries reply: null$/,
  });
});

// parseReadReply (XREAD, XREADGROUP)

Deno.test("parseReadReply() reads null (BLOCK timed out, or $ with nothing new) as no results", () => {
  // XREAD STREAMS s $
  assert.deepEqual(parseReadReply(null), []);
});

Deno.test("parseReadReply() reads an XREAD reply", () => {
  // XREAD COUNT 2 STREAMS s 0
  const reply = [["s", [["1-0", ["a", "1", "b", "2"]], ["2-0", ["c", "3"]]]]];
  assert.deepEqual(parseReadReply(reply), [
    {
      stream: "s",
      entries: [{ id: "1-0", fields: { a: "1", b: "2" } }, { id: "2-0", fields: { c: "3" } }],
    },
  ]);
});

Deno.test("parseReadReply() keeps one result per stream in reply order", () => {
  const reply = [["b", [["5-0", ["x", "1"]]]], ["a", [["1-0", ["y", "2"]]]]];
  assert.deepEqual(parseReadReply(reply), [
    { stream: "b", entries: [{ id: "5-0", fields: { x: "1" } }] },
    { stream: "a", entries: [{ id: "1-0", fields: { y: "2" } }] },
  ]);
});

Deno.test("parseReadReply() keeps a pending entry deleted from the stream as null fields", () => {
  // XREADGROUP GROUP g c STREAMS s 0, after XDEL s 2-0
  const reply = [["s", [["1-0", ["a", "1", "b", "2"]], ["2-0", null], ["3-0", ["d", "4"]]]]];
  assert.deepEqual(parseReadReply(reply), [
    {
      stream: "s",
      entries: [
        { id: "1-0", fields: { a: "1", b: "2" } },
        { id: "2-0", fields: null },
        { id: "3-0", fields: { d: "4" } },
      ],
    },
  ]);
});

Deno.test("parseReadReply() reads a stream with no pending history", () => {
  // XREADGROUP GROUP g c STREAMS s 0, when nothing is pending
  assert.deepEqual(parseReadReply([["s", []]]), [{ stream: "s", entries: [] }]);
});

Deno.test("parseReadReply() rejects a malformed stream item", () => {
  assert.throws(() => parseReadReply(["s"]), {
    name: "TypeError",
    message: /^Unexpected XREAD stream reply: "s"$/,
  });
});

// parsePairs

Deno.test("parsePairs() keeps the values as replied", () => {
  assert.deepEqual(
    parsePairs(["name", "g", "consumers", 0, "entries-read", null]),
    new Map<string, unknown>([["name", "g"], ["consumers", 0], ["entries-read", null]]),
  );
});

// parseGroupInfo (XINFO GROUPS items)

Deno.test("parseGroupInfo() reads an XINFO GROUPS item", () => {
  // XINFO GROUPS s, after group g read all three entries
  const item = [
    "name",
    "g",
    "consumers",
    1,
    "pending",
    3,
    "last-delivered-id",
    "3-0",
    "entries-read",
    3,
    "lag",
    0,
  ];
  assert.deepEqual(parseGroupInfo(item), {
    name: "g",
    consumers: 1,
    pending: 3,
    lastDeliveredId: "3-0",
    entriesRead: 3,
    lag: 0,
  });
});

Deno.test("parseGroupInfo() reads a null entries-read of a group that read nothing", () => {
  // XGROUP CREATE s g 0, then XINFO GROUPS s
  const item = [
    "name",
    "g",
    "consumers",
    0,
    "pending",
    0,
    "last-delivered-id",
    "0-0",
    "entries-read",
    null,
    "lag",
    3,
  ];
  assert.deepEqual(parseGroupInfo(item), {
    name: "g",
    consumers: 0,
    pending: 0,
    lastDeliveredId: "0-0",
    entriesRead: null,
    lag: 3,
  });
});

Deno.test("parseGroupInfo() reads a null lag Redis cannot compute after deletions", () => {
  // XGROUP CREATE s g3 0 after XDEL s 2-0, then XINFO GROUPS s
  const item = [
    "name",
    "g3",
    "consumers",
    0,
    "pending",
    0,
    "last-delivered-id",
    "0-0",
    "entries-read",
    null,
    "lag",
    null,
  ];
  assert.deepEqual(parseGroupInfo(item), {
    name: "g3",
    consumers: 0,
    pending: 0,
    lastDeliveredId: "0-0",
    entriesRead: null,
    lag: null,
  });
});

Deno.test("parseGroupInfo() reads a Redis 6 item without entries-read and lag as null", () => {
  const item = ["name", "g", "consumers", 2, "pending", 1, "last-delivered-id", "9-0"];
  assert.deepEqual(parseGroupInfo(item), {
    name: "g",
    consumers: 2,
    pending: 1,
    lastDeliveredId: "9-0",
    entriesRead: null,
    lag: null,
  });
});

// parseConsumerInfo (XINFO CONSUMERS items)

Deno.test("parseConsumerInfo() reads a Redis 7.0 XINFO CONSUMERS item", () => {
  // XINFO CONSUMERS s g
  assert.deepEqual(parseConsumerInfo(["name", "c", "pending", 3, "idle", 14]), {
    name: "c",
    pending: 3,
    idleMs: 14,
  });
});

Deno.test("parseConsumerInfo() reads inactive from Redis 7.2+", () => {
  assert.deepEqual(
    parseConsumerInfo(["name", "c", "pending", 0, "idle", 120, "inactive", 120]),
    { name: "c", pending: 0, idleMs: 120, inactiveMs: 120 },
  );
});

Deno.test("parseConsumerInfo() reads inactive -1 of a consumer that never read", () => {
  assert.deepEqual(
    parseConsumerInfo(["name", "c", "pending", 0, "idle", 5, "inactive", -1]),
    { name: "c", pending: 0, idleMs: 5, inactiveMs: -1 },
  );
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
