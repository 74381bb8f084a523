import assert from "node:assert/strict";
import { XADD, XRANGE, XREAD, XSETID } from "./streams.ts";

// xaddArgs

Deno.test("XADD.args() uses * and the fields by default", () => {
  assert.deepEqual(XADD.args("app:event", { a: "1", b: "2" }), [
    "XADD",
    "app:event",
    "*",
    "a",
    "1",
    "b",
    "2",
  ]);
});

Deno.test("XADD.args() puts MAXLEN ~ and LIMIT before the ID", () => {
  assert.deepEqual(XADD.args("s", { a: "1" }, { maxLen: 10, approximate: true, limit: 5 }), [
    "XADD",
    "s",
    "MAXLEN",
    "~",
    "10",
    "LIMIT",
    "5",
    "*",
    "a",
    "1",
  ]);
});

Deno.test("XADD.args() puts NOMKSTREAM and MAXLEN ~ before the ID", () => {
  assert.deepEqual(
    XADD.args("s", { a: "1" }, { noMkStream: true, maxLen: 1000, approximate: true, id: "5-*" }),
    ["XADD", "s", "NOMKSTREAM", "MAXLEN", "~", "1000", "5-*", "a", "1"],
  );
});

Deno.test("XADD.args() passes an explicit ID", () => {
  assert.deepEqual(XADD.args("s", { a: "1" }, { id: "7-3" }), ["XADD", "s", "7-3", "a", "1"]);
});

Deno.test("XADD.args() rejects ID 0-0", () => {
  assert.throws(() => XADD.args("s", { a: "1" }, { id: "0-0" }), {
    name: "RangeError",
    message: /'0-0'/,
  });
});

Deno.test("XADD.args() rejects an empty stream name", () => {
  assert.throws(() => XADD.args("", { a: "1" }), {
    name: "RangeError",
    message: /^Stream name must not be empty$/,
  });
});

// xrangeArgs

Deno.test("XRANGE.args() reads the whole stream by default", () => {
  assert.deepEqual(XRANGE.args("s"), ["XRANGE", "s", "-", "+"]);
});

Deno.test("XRANGE.args() passes bounds and COUNT", () => {
  assert.deepEqual(XRANGE.args("s", { start: "(5-0", end: "9", count: 2 }), [
    "XRANGE",
    "s",
    "(5-0",
    "9",
    "COUNT",
    "2",
  ]);
});

Deno.test("XRANGE.args() puts the high bound first for XREVRANGE", () => {
  assert.deepEqual(XRANGE.args("s", { start: "1-0", end: "9-0", reverse: true, count: 1 }), [
    "XREVRANGE",
    "s",
    "9-0",
    "1-0",
    "COUNT",
    "1",
  ]);
});

Deno.test("XRANGE.args() rejects a bad bound naming it", () => {
  assert.throws(() => XRANGE.args("s", { start: "yesterday" }), {
    name: "RangeError",
    message: /^Invalid range bound 'yesterday'/,
  });
});

Deno.test("XRANGE.args() rejects a fractional count", () => {
  assert.throws(() => XRANGE.args("s", { count: 2.5 }), {
    name: "RangeError",
    message: /^count .*2\.5$/,
  });
});

Deno.test("XRANGE.args() rejects a non-string stream name", () => {
  assert.throws(() => XRANGE.args(undefined as unknown as string), {
    name: "TypeError",
    message: /^Stream name must be a string, got undefined$/,
  });
});

// xreadArgs

Deno.test("XREAD.args() reads new entries ($) by default", () => {
  assert.deepEqual(XREAD.args("s"), ["XREAD", "STREAMS", "s", "$"]);
});

Deno.test("XREAD.args() puts COUNT and BLOCK before STREAMS", () => {
  assert.deepEqual(XREAD.args("s", { id: "0", count: 10, blockMs: 0 }), [
    "XREAD",
    "COUNT",
    "10",
    "BLOCK",
    "0",
    "STREAMS",
    "s",
    "0",
  ]);
});

Deno.test("XREAD.args() accepts + for the last entry", () => {
  assert.deepEqual(XREAD.args({ s: "+" }), ["XREAD", "STREAMS", "s", "+"]);
});

Deno.test("XREAD.args() rejects > (group only)", () => {
  assert.throws(() => XREAD.args("s", { id: ">" }), {
    name: "RangeError",
    message: /^Invalid stream ID '>': expected \$, \+ or an ID/,
  });
});

Deno.test("XREAD.args() rejects count 0", () => {
  assert.throws(() => XREAD.args("s", { count: 0 }), {
    name: "RangeError",
    message: /^count must be an integer >= 1, got 0$/,
  });
});

Deno.test("XREAD.args() rejects a negative blockMs", () => {
  assert.throws(() => XREAD.args("s", { blockMs: -1 }), {
    name: "RangeError",
    message: /^blockMs .*-1$/,
  });
});

// XSETID

Deno.test("XSETID.args() puts ENTRIESADDED and MAXDELETEDID after the ID", () => {
  assert.deepEqual(XSETID.args("s", { id: "5-0" }), ["XSETID", "s", "5-0"]);
  assert.deepEqual(
    XSETID.args("s", { id: "5-0", entriesAdded: 0, maxDeletedId: "3" }),
    ["XSETID", "s", "5-0", "ENTRIESADDED", "0", "MAXDELETEDID", "3"],
  );
});

Deno.test("XSETID.args() rejects a special ID, a negative entriesAdded and an empty name", () => {
  assert.throws(() => XSETID.args("s", { id: "$" }), { name: "RangeError", message: /'\$'/ });
  assert.throws(() => XSETID.args("s", { id: "5-0", entriesAdded: -1 }), RangeError);
  assert.throws(() => XSETID.args("s", { id: "5-0", maxDeletedId: "+" }), RangeError);
  assert.throws(() => XSETID.args("", { id: "5-0" }), RangeError);
});

Deno.test("XSETID.parse() reads OK as done", () => {
  assert.equal(XSETID.parse("OK"), undefined);
});
