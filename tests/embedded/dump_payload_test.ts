import assert from "node:assert/strict";
import { _DumpPayloadError, _readDumpPayload } from "../../lib/embedded/_dump_payload.ts";
import { payloadOf } from "./_dump_payloads.ts";

function refusal(payload: Uint8Array): string {
  try {
    _readDumpPayload(payload);
  } catch (error) {
    assert.ok(error instanceof _DumpPayloadError, String(error));
    return error.message;
  }
  assert.fail("the payload was read");
}

/** One stream node holding `5-0 a 1` (the listpack of _listpack.ts's example). */
const NODE = [
  18,
  0,
  0,
  0,
  9,
  0,
  1,
  1,
  0,
  1,
  1,
  1,
  0x81,
  0x61,
  2,
  0,
  1,
  2,
  1,
  0,
  1,
  0,
  1,
  1,
  1,
  4,
  1,
  0xff,
];
NODE[0] = NODE.length;

/** A Redis 7.0 stream (RDB type 19) of that node, with `last` as its last ID. */
const stream = (last: [number, number]) => [
  19,
  1, // one node
  16,
  ...[0, 0, 0, 0, 0, 0, 0, 5],
  ...[0, 0, 0, 0, 0, 0, 0, 0], // its master ID 5-0
  NODE.length,
  ...NODE,
  1, // length
  ...last,
  5,
  0, // first ID
  0,
  0, // max deleted ID
  1, // entries added
  0, // no groups
];

Deno.test("_readDumpPayload() reads a hand-made Redis 7.0 stream payload", () => {
  assert.deepEqual(_readDumpPayload(payloadOf(stream([5, 0]))), {
    type: "stream",
    entries: [{ id: { ms: 5, seq: 0 }, fields: ["a", "1"] }],
    length: 1,
    lastId: { ms: 5, seq: 0 },
    maxDeletedId: { ms: 0, seq: 0 },
    entriesAdded: 1,
    groups: [],
  });
});

Deno.test("_readDumpPayload() refuses a last ID below the top entry: a later XADD would collide", () => {
  assert.equal(refusal(payloadOf(stream([1, 0]))), "Bad data format");
});

Deno.test("_readDumpPayload() refuses a cut payload, a wrong checksum and a newer RDB version", () => {
  const good = payloadOf(stream([5, 0]));
  assert.equal(refusal(payloadOf(stream([5, 0]).slice(0, 30))), "Bad data format");
  const flipped = good.slice();
  flipped[3] ^= 1;
  assert.equal(refusal(flipped), "DUMP payload version or checksum are wrong");
  const newer = good.slice();
  newer[newer.length - 10] = 13;
  assert.equal(refusal(newer), "DUMP payload version or checksum are wrong");
});

Deno.test("_readDumpPayload() refuses an LZF string claiming 2^40 bytes from 2", () => {
  // type string, LZF-encoded (0xc3): compressed length 2, length 2^40 (64-bit length), data.
  const body = [0, 0xc3, 2, 0x81, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x41];
  assert.equal(refusal(payloadOf(body)), "Bad data format");
});

Deno.test("_readDumpPayload() refuses entries out of ID order: SQLite would refuse the second", () => {
  // master: count 2, deleted 0, field "a", 0; then 5-0 a 1, and (5 + delta)-0 a 1, the ms delta
  // as a 13-bit integer (2 bytes and a 1-byte back length).
  const payload = (delta: [number, number]) => {
    const node = [
      0,
      0,
      0,
      0,
      0,
      0,
      2,
      1,
      0,
      1,
      1,
      1,
      0x81,
      0x61,
      2,
      0,
      1,
      2,
      1,
      0,
      1,
      0,
      1,
      1,
      1,
      4,
      1,
      2,
      1,
      ...delta,
      2,
      0,
      1,
      1,
      1,
      4,
      1,
      0xff,
    ];
    node[0] = node.length;
    return payloadOf([
      19,
      1,
      16,
      ...[0, 0, 0, 0, 0, 0, 0, 5],
      ...[0, 0, 0, 0, 0, 0, 0, 0],
      node.length,
      ...node,
      2,
      6,
      0,
      5,
      0,
      0,
      0,
      2,
      0,
    ]);
  };
  assert.deepEqual(
    (_readDumpPayload(payload([0xc0, 0x01])) as { entries: unknown[] }).entries,
    [
      { id: { ms: 5, seq: 0 }, fields: ["a", "1"] },
      { id: { ms: 6, seq: 0 }, fields: ["a", "1"] },
    ],
  );
  assert.equal(refusal(payload([0xdf, 0xff])), "Bad data format"); // delta -1: 4-0 after 5-0
});
