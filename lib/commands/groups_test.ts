import assert from "node:assert/strict";
import { XREADGROUP } from "./groups.ts";

// xreadgroupArgs

Deno.test("XREADGROUP.args() reads never-delivered entries (>) by default", () => {
  assert.deepEqual(XREADGROUP.args("s", "g", { consumer: "c" }), [
    "XREADGROUP",
    "GROUP",
    "g",
    "c",
    "STREAMS",
    "s",
    ">",
  ]);
});

Deno.test("XREADGROUP.args() puts COUNT, BLOCK and NOACK before STREAMS", () => {
  assert.deepEqual(
    XREADGROUP.args({ a: "0", b: ">" }, "g", {
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

Deno.test("XREADGROUP.args() rejects $ (XREAD only)", () => {
  assert.throws(() => XREADGROUP.args("s", "g", { consumer: "c", id: "$" }), {
    name: "RangeError",
    message: /^Invalid stream ID '\$': expected > or an ID/,
  });
});

Deno.test("XREADGROUP.args() rejects an empty consumer name", () => {
  assert.throws(() => XREADGROUP.args("s", "g", { consumer: "" }), {
    name: "RangeError",
    message: /^Consumer name must not be empty$/,
  });
});

Deno.test("XREADGROUP.args() rejects a missing group name", () => {
  assert.throws(() => XREADGROUP.args("s", undefined as unknown as string, { consumer: "c" }), {
    name: "TypeError",
    message: /^Group name must be a string/,
  });
});
