// Replies below are verbatim RESP2 replies of redis-server 7.0.15 (bulk strings as
// strings, integers as numbers, nil as null), captured with a raw RESP client.
import assert from "node:assert/strict";
import { parseConsumerInfo, parseGroupInfo } from "./info.ts";

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
