import assert from "node:assert/strict";
import fc from "fast-check";
import { _encodeCommand, _encodeCommands, _utf8Length } from "./_resp.ts";

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

Deno.test("_encodeCommand() writes an array of bulk strings", () => {
  assert.equal(
    text(_encodeCommand(["XADD", "s", "*", "temp", "0.42"])),
    "*5\r\n$4\r\nXADD\r\n$1\r\ns\r\n$1\r\n*\r\n$4\r\ntemp\r\n$4\r\n0.42\r\n",
  );
});

Deno.test("_encodeCommand() writes an empty argument and one of 10+ arguments", () => {
  const args = ["MSET", ...Array.from({ length: 10 }, (_, i) => String(i)), ""];
  assert.equal(
    text(_encodeCommand(args)),
    `*12\r\n$4\r\nMSET\r\n${args.slice(1, 11).map((a) => `$1\r\n${a}\r\n`).join("")}$0\r\n\r\n`,
  );
});

Deno.test("_encodeCommand() counts UTF-8 bytes, not characters, in bulk lengths", () => {
  assert.deepEqual(
    [..._encodeCommand(["SET", "é€😀"])],
    [..."*2\r\n$3\r\nSET\r\n$9\r\n"].map((c) => c.charCodeAt(0))
      .concat([0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80, 13, 10]),
  );
});

Deno.test("_encodeCommand() writes a lone surrogate as U+FFFD, as TextEncoder does", () => {
  assert.deepEqual(
    [..._encodeCommand(["\ud800"])],
    [..."*1\r\n$3\r\n"].map((c) => c.charCodeAt(0)).concat([0xef, 0xbf, 0xbd, 13, 10]),
  );
});

Deno.test("_encodeCommand() writes a long value (the encodeInto path) byte for byte", () => {
  const value = "x".repeat(100_000);
  const bytes = _encodeCommand(["SET", "k", value]);
  assert.equal(text(bytes), `*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$100000\r\n${value}\r\n`);
});

Deno.test("_encodeCommands() concatenates a pipeline into one buffer", () => {
  assert.equal(
    text(_encodeCommands([["PING"], ["GET", "k"], ["INCR", "n"]])),
    "*1\r\n$4\r\nPING\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n*2\r\n$4\r\nINCR\r\n$1\r\nn\r\n",
  );
  assert.equal(_encodeCommands([]).length, 0);
});

Deno.test("_encodeCommand() refuses an argument that is not a string", () => {
  assert.throws(() => _encodeCommand(["SET", 1 as unknown as string]), TypeError);
});

Deno.test("_utf8Length() agrees with TextEncoder for any string", () => {
  fc.assert(
    fc.property(fc.string({ unit: "binary" }), (s) => {
      assert.equal(_utf8Length(s), new TextEncoder().encode(s).length);
      const args = ["SET", s];
      const expected = `*2\r\n$3\r\nSET\r\n$${new TextEncoder().encode(s).length}\r\n`;
      const bytes = _encodeCommand(args);
      assert.equal(text(bytes.subarray(0, expected.length)), expected);
      assert.deepEqual(bytes.subarray(expected.length, -2), new TextEncoder().encode(s));
    }),
    { numRuns: 500 },
  );
});
