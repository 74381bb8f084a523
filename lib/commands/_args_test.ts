import assert from "node:assert/strict";
import { fieldArgs, streamsArgs, trimArgs } from "./_args.ts";
import type { Fields } from "../types.ts";

// fieldArgs

Deno.test("fieldArgs() flattens fields in insertion order", () => {
  assert.deepEqual(fieldArgs({ sensor_id: "sensor2", temp: "0.42" }), [
    "sensor_id",
    "sensor2",
    "temp",
    "0.42",
  ]);
});

Deno.test("fieldArgs() keeps empty field names and values", () => {
  assert.deepEqual(fieldArgs({ "": "" }), ["", ""]);
});

Deno.test("fieldArgs() rejects a non-string value naming the field", () => {
  assert.throws(() => fieldArgs({ a: "1", temp: 0.42 } as unknown as Fields), {
    name: "TypeError",
    message: /^Field 'temp' must be a string, got number; convert it/,
  });
});

Deno.test("fieldArgs() rejects a non-object with a TypeError", () => {
  for (const bad of [null, "a=1", ["a", "1"]]) {
    assert.throws(() => fieldArgs(bad as unknown as Fields), {
      name: "TypeError",
      message: /^Fields must be an object of string values$/,
    });
  }
});

Deno.test("fieldArgs() rejects an empty object with a RangeError", () => {
  assert.throws(() => fieldArgs({}), {
    name: "RangeError",
    message: /^An entry needs at least one field$/,
  });
});

// trimArgs

Deno.test("trimArgs() returns nothing without maxLen or minId", () => {
  assert.deepEqual(trimArgs({}), []);
});

Deno.test("trimArgs() writes exact MAXLEN", () => {
  assert.deepEqual(trimArgs({ maxLen: 0 }), ["MAXLEN", "0"]);
});

Deno.test("trimArgs() writes MINID ~ with LIMIT", () => {
  assert.deepEqual(trimArgs({ minId: "5-0", approximate: true, limit: 100 }), [
    "MINID",
    "~",
    "5-0",
    "LIMIT",
    "100",
  ]);
});

Deno.test("trimArgs() accepts an incomplete minId", () => {
  assert.deepEqual(trimArgs({ minId: "1526919030474" }), ["MINID", "1526919030474"]);
});

Deno.test("trimArgs() rejects maxLen and minId together", () => {
  assert.throws(() => trimArgs({ maxLen: 1, minId: "1-0" }), {
    name: "TypeError",
    message: /^Give either maxLen or minId, not both$/,
  });
});

Deno.test("trimArgs() requires maxLen or minId when required", () => {
  assert.throws(() => trimArgs({}, true), {
    name: "TypeError",
    message: /^Trimming needs maxLen or minId$/,
  });
});

Deno.test("trimArgs() rejects limit without a threshold", () => {
  assert.throws(() => trimArgs({ limit: 5 }), {
    name: "TypeError",
    message: /^limit needs maxLen or minId$/,
  });
});

Deno.test("trimArgs() rejects limit without approximate", () => {
  assert.throws(() => trimArgs({ maxLen: 10, limit: 5 }), {
    name: "TypeError",
    message: /^limit needs approximate trimming \(~\)$/,
  });
});

Deno.test("trimArgs() rejects an exclusive or special minId naming it", () => {
  for (const bad of ["(5-0", "-", "+"]) {
    assert.throws(() => trimArgs({ minId: bad }), {
      name: "RangeError",
      message: new RegExp(`^Invalid minId '\\${bad}': expected an ID`),
    });
  }
});

Deno.test("trimArgs() rejects a malformed minId naming it", () => {
  assert.throws(() => trimArgs({ minId: "abc" }), { name: "RangeError", message: /'abc'/ });
});

Deno.test("trimArgs() rejects a negative maxLen or limit", () => {
  assert.throws(() => trimArgs({ maxLen: -1 }), { name: "RangeError", message: /^maxLen .*-1$/ });
  assert.throws(() => trimArgs({ maxLen: 1, approximate: true, limit: -2 }), {
    name: "RangeError",
    message: /^limit .*-2$/,
  });
});

// streamsArgs

Deno.test("streamsArgs() gives one stream the default ID", () => {
  assert.deepEqual(streamsArgs("s", "$", ["$"]), ["STREAMS", "s", "$"]);
});

Deno.test("streamsArgs() lists all names, then all IDs", () => {
  assert.deepEqual(streamsArgs({ a: "0", b: "$", c: "5-1" }, "$", ["$"]), [
    "STREAMS",
    "a",
    "b",
    "c",
    "0",
    "$",
    "5-1",
  ]);
});

Deno.test("streamsArgs() rejects no streams", () => {
  assert.throws(() => streamsArgs({}, "$", ["$"]), {
    name: "RangeError",
    message: /^Read at least one stream$/,
  });
});

Deno.test("streamsArgs() rejects an ID not allowed here naming it", () => {
  assert.throws(() => streamsArgs({ s: ">" }, "$", ["$"]), {
    name: "RangeError",
    message: /^Invalid stream ID '>': expected \$ or an ID/,
  });
});
