import assert from "node:assert/strict";
import { blockMsOf } from "./connection.ts";

Deno.test("blockMsOf() reads BLOCK from XREAD/XREADGROUP, 0 for BLOCK 0, undefined without BLOCK", () => {
  assert.equal(blockMsOf(["XREAD", "BLOCK", "500", "STREAMS", "s", "$"]), 500);
  assert.equal(
    blockMsOf(["xreadgroup", "GROUP", "g", "c", "block", "20", "STREAMS", "s", ">"]),
    20,
  );
  assert.equal(blockMsOf(["XREAD", "BLOCK", "0", "STREAMS", "s", "$"]), 0);
  assert.equal(blockMsOf(["XREAD", "STREAMS", "s", "$"]), undefined);
});

Deno.test("blockMsOf() ignores a stream, group or consumer named block", () => {
  assert.equal(blockMsOf(["XREAD", "STREAMS", "block", "$"]), undefined);
  assert.equal(blockMsOf(["XREADGROUP", "GROUP", "block", "c", "STREAMS", "s", ">"]), undefined);
  assert.equal(blockMsOf(["XREADGROUP", "GROUP", "g", "block", "STREAMS", "s", ">"]), undefined);
  assert.equal(
    blockMsOf(["XREADGROUP", "GROUP", "block", "block", "BLOCK", "30", "STREAMS", "block", ">"]),
    30,
  );
});

Deno.test("blockMsOf() finds BLOCK after COUNT and NOACK, and GROUP anywhere before STREAMS", () => {
  assert.equal(blockMsOf(["XREAD", "COUNT", "block", "BLOCK", "7", "STREAMS", "s", "$"]), 7);
  assert.equal(
    blockMsOf([
      "XREADGROUP",
      "COUNT",
      "1",
      "GROUP",
      "g",
      "c",
      "NOACK",
      "BLOCK",
      "9",
      "STREAMS",
      "s",
      ">",
    ]),
    9,
  );
  assert.equal(blockMsOf(["XREAD", "BLOCK", "x", "STREAMS", "s", "$"]), undefined);
  assert.equal(blockMsOf(["XADD", "s", "BLOCK", "5"]), undefined);
});
