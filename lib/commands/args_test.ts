import assert from "node:assert/strict";
import {
  checkInteger,
  checkName,
  fieldArgs,
  streamsArgs,
  trimArgs,
  xaddArgs,
  xautoclaimArgs,
  xclaimArgs,
  xpendingArgs,
  xrangeArgs,
  xreadArgs,
  xreadgroupArgs,
} from "./args.ts";
import type { Fields } from "../store.ts";

// checkInteger

Deno.test("checkInteger() returns an integer at least min", () => {
  assert.equal(checkInteger(0, "count"), 0);
  assert.equal(checkInteger(5, "count", 5), 5);
});

Deno.test("checkInteger() rejects a non-number with a TypeError showing the value", () => {
  assert.throws(() => checkInteger("10", "count"), {
    name: "TypeError",
    message: /^count must be a number, got "10"$/,
  });
  assert.throws(() => checkInteger(undefined, "count"), {
    name: "TypeError",
    message: /^count must be a number, got undefined$/,
  });
});

Deno.test("checkInteger() rejects NaN with a TypeError that says NaN", () => {
  assert.throws(() => checkInteger(NaN, "blockMs"), {
    name: "TypeError",
    message: /^blockMs must be a number, got NaN$/,
  });
});

Deno.test("checkInteger() rejects a bigint with a TypeError showing the value", () => {
  assert.throws(() => checkInteger(10n, "count"), {
    name: "TypeError",
    message: /^count must be a number, got 10n$/,
  });
});

Deno.test("checkInteger() rejects a fraction with a RangeError showing the value", () => {
  assert.throws(() => checkInteger(1.5, "count"), {
    name: "RangeError",
    message: /^count must be an integer >= 0, got 1\.5$/,
  });
});

Deno.test("checkInteger() rejects a value below min with a RangeError", () => {
  assert.throws(() => checkInteger(0, "count", 1), {
    name: "RangeError",
    message: /^count must be an integer >= 1, got 0$/,
  });
  assert.throws(() => checkInteger(-1, "maxLen"), { name: "RangeError", message: /got -1$/ });
});

Deno.test("checkInteger() rejects Infinity and unsafe integers with a RangeError", () => {
  assert.throws(() => checkInteger(Infinity, "count"), {
    name: "RangeError",
    message: /got Infinity$/,
  });
  assert.throws(() => checkInteger(2 ** 53, "count"), {
    name: "RangeError",
    message: /got 9007199254740992$/,
  });
});

// checkName

Deno.test("checkName() returns a non-empty string", () => {
  assert.equal(checkName("app:event", "Stream name"), "app:event");
});

Deno.test("checkName() rejects an empty string with a RangeError", () => {
  assert.throws(() => checkName("", "Group name"), {
    name: "RangeError",
    message: /^Group name must not be empty$/,
  });
});

Deno.test("checkName() rejects a non-string with a TypeError naming its type", () => {
  assert.throws(() => checkName(42, "Consumer name"), {
    name: "TypeError",
    message: /^Consumer name must be a string, got number$/,
  });
});

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

// xaddArgs

Deno.test("xaddArgs() uses * and the fields by default", () => {
  assert.deepEqual(xaddArgs("app:event", { a: "1", b: "2" }), [
    "XADD",
    "app:event",
    "*",
    "a",
    "1",
    "b",
    "2",
  ]);
});

Deno.test("xaddArgs() puts MAXLEN ~ and LIMIT before the ID", () => {
  assert.deepEqual(xaddArgs("s", { a: "1" }, { maxLen: 10, approximate: true, limit: 5 }), [
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

Deno.test("xaddArgs() puts NOMKSTREAM and MAXLEN ~ before the ID", () => {
  assert.deepEqual(
    xaddArgs("s", { a: "1" }, { noMkStream: true, maxLen: 1000, approximate: true, id: "5-*" }),
    ["XADD", "s", "NOMKSTREAM", "MAXLEN", "~", "1000", "5-*", "a", "1"],
  );
});

Deno.test("xaddArgs() passes an explicit ID", () => {
  assert.deepEqual(xaddArgs("s", { a: "1" }, { id: "7-3" }), ["XADD", "s", "7-3", "a", "1"]);
});

Deno.test("xaddArgs() rejects ID 0-0", () => {
  assert.throws(() => xaddArgs("s", { a: "1" }, { id: "0-0" }), {
    name: "RangeError",
    message: /'0-0'/,
  });
});

Deno.test("xaddArgs() rejects an empty stream name", () => {
  assert.throws(() => xaddArgs("", { a: "1" }), {
    name: "RangeError",
    message: /^Stream name must not be empty$/,
  });
});

// xrangeArgs

Deno.test("xrangeArgs() reads the whole stream by default", () => {
  assert.deepEqual(xrangeArgs("s"), ["XRANGE", "s", "-", "+"]);
});

Deno.test("xrangeArgs() passes bounds and COUNT", () => {
  assert.deepEqual(xrangeArgs("s", { start: "(5-0", end: "9", count: 2 }), [
    "XRANGE",
    "s",
    "(5-0",
    "9",
    "COUNT",
    "2",
  ]);
});

Deno.test("xrangeArgs() puts the high bound first for XREVRANGE", () => {
  assert.deepEqual(xrangeArgs("s", { start: "1-0", end: "9-0", reverse: true, count: 1 }), [
    "XREVRANGE",
    "s",
    "9-0",
    "1-0",
    "COUNT",
    "1",
  ]);
});

Deno.test("xrangeArgs() rejects a bad bound naming it", () => {
  assert.throws(() => xrangeArgs("s", { start: "yesterday" }), {
    name: "RangeError",
    message: /^Invalid range bound 'yesterday'/,
  });
});

Deno.test("xrangeArgs() rejects a fractional count", () => {
  assert.throws(() => xrangeArgs("s", { count: 2.5 }), {
    name: "RangeError",
    message: /^count .*2\.5$/,
  });
});

Deno.test("xrangeArgs() rejects a non-string stream name", () => {
  assert.throws(() => xrangeArgs(undefined as unknown as string), {
    name: "TypeError",
    message: /^Stream name must be a string, got undefined$/,
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

// xreadArgs

Deno.test("xreadArgs() reads new entries ($) by default", () => {
  assert.deepEqual(xreadArgs("s"), ["XREAD", "STREAMS", "s", "$"]);
});

Deno.test("xreadArgs() puts COUNT and BLOCK before STREAMS", () => {
  assert.deepEqual(xreadArgs("s", { id: "0", count: 10, blockMs: 0 }), [
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

Deno.test("xreadArgs() accepts + for the last entry", () => {
  assert.deepEqual(xreadArgs({ s: "+" }), ["XREAD", "STREAMS", "s", "+"]);
});

Deno.test("xreadArgs() rejects > (group only)", () => {
  assert.throws(() => xreadArgs("s", { id: ">" }), {
    name: "RangeError",
    message: /^Invalid stream ID '>': expected \$, \+ or an ID/,
  });
});

Deno.test("xreadArgs() rejects count 0", () => {
  assert.throws(() => xreadArgs("s", { count: 0 }), {
    name: "RangeError",
    message: /^count must be an integer >= 1, got 0$/,
  });
});

Deno.test("xreadArgs() rejects a negative blockMs", () => {
  assert.throws(() => xreadArgs("s", { blockMs: -1 }), {
    name: "RangeError",
    message: /^blockMs .*-1$/,
  });
});

// xreadgroupArgs

Deno.test("xreadgroupArgs() reads never-delivered entries (>) by default", () => {
  assert.deepEqual(xreadgroupArgs("s", "g", { consumer: "c" }), [
    "XREADGROUP",
    "GROUP",
    "g",
    "c",
    "STREAMS",
    "s",
    ">",
  ]);
});

Deno.test("xreadgroupArgs() puts COUNT, BLOCK and NOACK before STREAMS", () => {
  assert.deepEqual(
    xreadgroupArgs({ a: "0", b: ">" }, "g", {
      consumer: "c",
      count: 5,
      blockMs: 2000,
      noAck: true,
    }),
    [
      "XREADGROUP",
      "GROUP",
      "g",
      "c",
      "COUNT",
      "5",
      "BLOCK",
      "2000",
      "NOACK",
      "STREAMS",
      "a",
      "b",
      "0",
      ">",
    ],
  );
});

Deno.test("xreadgroupArgs() rejects $ (XREAD only)", () => {
  assert.throws(() => xreadgroupArgs("s", "g", { consumer: "c", id: "$" }), {
    name: "RangeError",
    message: /^Invalid stream ID '\$': expected > or an ID/,
  });
});

Deno.test("xreadgroupArgs() rejects an empty consumer name", () => {
  assert.throws(() => xreadgroupArgs("s", "g", { consumer: "" }), {
    name: "RangeError",
    message: /^Consumer name must not be empty$/,
  });
});

Deno.test("xreadgroupArgs() rejects a missing group name", () => {
  assert.throws(() => xreadgroupArgs("s", undefined as unknown as string, { consumer: "c" }), {
    name: "TypeError",
    message: /^Group name must be a string/,
  });
});

// xpendingArgs

Deno.test("xpendingArgs() without options is the summary form", () => {
  assert.deepEqual(xpendingArgs("s", "g"), ["XPENDING", "s", "g"]);
});

Deno.test("xpendingArgs() with options is the extended form with count 100", () => {
  assert.deepEqual(xpendingArgs("s", "g", {}), ["XPENDING", "s", "g", "-", "+", "100"]);
});

Deno.test("xpendingArgs() puts IDLE before the range and the consumer last", () => {
  assert.deepEqual(
    xpendingArgs("s", "g", {
      minIdleMs: 60000,
      start: "1-0",
      end: "(9-0",
      count: 10,
      consumer: "c",
    }),
    ["XPENDING", "s", "g", "IDLE", "60000", "1-0", "(9-0", "10", "c"],
  );
});

Deno.test("xpendingArgs() rejects a negative minIdleMs", () => {
  assert.throws(() => xpendingArgs("s", "g", { minIdleMs: -5 }), {
    name: "RangeError",
    message: /^minIdleMs .*-5$/,
  });
});

Deno.test("xpendingArgs() rejects a bad end bound naming it", () => {
  assert.throws(() => xpendingArgs("s", "g", { end: "later" }), {
    name: "RangeError",
    message: /'later'/,
  });
});

// xclaimArgs

Deno.test("xclaimArgs() lists the IDs after min-idle-time", () => {
  assert.deepEqual(
    xclaimArgs("s", "g", { consumer: "c", minIdleMs: 3600000, ids: ["1-0", "2-0"] }),
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

Deno.test("xclaimArgs() puts IDLE, TIME, RETRYCOUNT, FORCE and JUSTID after the IDs", () => {
  assert.deepEqual(
    xclaimArgs("s", "g", {
      consumer: "c",
      minIdleMs: 0,
      ids: ["1-0"],
      idleMs: 5,
      timeMs: 1700000000000,
      retryCount: 3,
      force: true,
      justId: true,
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

Deno.test("xclaimArgs() rejects no IDs with a RangeError", () => {
  assert.throws(() => xclaimArgs("s", "g", { consumer: "c", minIdleMs: 0, ids: [] }), {
    name: "RangeError",
    message: /^Claim at least one ID$/,
  });
});

Deno.test("xclaimArgs() rejects ids that are not an array with a TypeError", () => {
  assert.throws(
    () => xclaimArgs("s", "g", { consumer: "c", minIdleMs: 0, ids: "1-0" as unknown as string[] }),
    { name: "TypeError", message: /^ids must be an array of IDs, got string$/ },
  );
});

Deno.test("xclaimArgs() rejects a special ID naming it", () => {
  assert.throws(() => xclaimArgs("s", "g", { consumer: "c", minIdleMs: 0, ids: ["1-0", ">"] }), {
    name: "RangeError",
    message: /^Invalid stream ID '>': expected an ID like/,
  });
});

Deno.test("xclaimArgs() rejects a missing minIdleMs with a TypeError", () => {
  assert.throws(
    () =>
      xclaimArgs(
        "s",
        "g",
        { consumer: "c", ids: ["1-0"] } as unknown as Parameters<typeof xclaimArgs>[2],
      ),
    { name: "TypeError", message: /^minIdleMs must be a number, got undefined$/ },
  );
});

// xautoclaimArgs

Deno.test("xautoclaimArgs() starts at 0-0 with COUNT 100 by default", () => {
  assert.deepEqual(xautoclaimArgs("s", "g", { consumer: "c", minIdleMs: 1000 }), [
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

Deno.test("xautoclaimArgs() passes start, count and JUSTID", () => {
  assert.deepEqual(
    xautoclaimArgs("s", "g", { consumer: "c", minIdleMs: 0, start: "5-1", count: 1, justId: true }),
    ["XAUTOCLAIM", "s", "g", "c", "0", "5-1", "COUNT", "1", "JUSTID"],
  );
});

Deno.test("xautoclaimArgs() rejects count 0", () => {
  assert.throws(() => xautoclaimArgs("s", "g", { consumer: "c", minIdleMs: 0, count: 0 }), {
    name: "RangeError",
    message: /^count must be an integer >= 1, got 0$/,
  });
});

Deno.test("xautoclaimArgs() rejects a special start naming it", () => {
  assert.throws(() => xautoclaimArgs("s", "g", { consumer: "c", minIdleMs: 0, start: "-" }), {
    name: "RangeError",
    message: /^Invalid stream ID '-'/,
  });
});
