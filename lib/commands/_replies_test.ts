// Replies below are verbatim RESP2 replies of redis-server 7.0.15 (bulk strings as
// strings, integers as numbers, nil as null), captured with a raw RESP client.
import assert from "node:assert/strict";
import {
  parseEntries,
  parseFields,
  parseGroupEntry,
  parsePairs,
  parseReadReply,
} from "./_replies.ts";

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
