import assert from "node:assert/strict";
import { openEmbeddedConnection } from "../../lib/embedded/connection.ts";
import { MAX_COUNTER } from "../../lib/embedded/replies.ts";
import { binary, payloadOf } from "./_dump_payloads.ts";

const TOO_MANY = String(2 ** 60);

Deno.test("the embedded store refuses counters above 2^52 in one line and stays readable", async () => {
  await using db = openEmbeddedConnection(":memory:");
  await db.send(["XADD", "s", "1-1", "a", "1"]);
  await db.send(["XGROUP", "CREATE", "s", "g", "0"]);
  await db.send(["XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"]);
  const refusals: [string[], string][] = [
    [["XSETID", "s", "2-0", "ENTRIESADDED", TOO_MANY], "ENTRIESADDED"],
    [["XGROUP", "SETID", "s", "g", "0", "ENTRIESREAD", TOO_MANY], "ENTRIESREAD"],
    [["XGROUP", "CREATE", "s", "h", "0", "ENTRIESREAD", TOO_MANY], "ENTRIESREAD"],
    [["XCLAIM", "s", "g", "c", "0", "1-1", "RETRYCOUNT", TOO_MANY], "RETRYCOUNT"],
  ];
  for (const [args, what] of refusals) {
    await assert.rejects(
      db.send(args),
      new RegExp(
        `^ReplyError: ERR The embedded store keeps ${what} up to ${MAX_COUNTER}; use Redis for larger values$`,
      ),
    );
  }
  // At the limit the counters are kept, and counting on from them still reads back.
  await db.send(["XSETID", "s", "2-0", "ENTRIESADDED", String(MAX_COUNTER)]);
  await db.send(["XADD", "s", "3-0", "a", "2"]);
  await db.send(["XCLAIM", "s", "g", "c", "0", "1-1", "RETRYCOUNT", String(MAX_COUNTER)]);
  await db.send(["XCLAIM", "s", "g", "c", "0", "1-1"]);
  const info = await db.send(["XINFO", "STREAM", "s"]) as unknown[];
  assert.equal(info[info.indexOf("entries-added") + 1], MAX_COUNTER + 1);
  const [[, , , count]] = await db.send(["XPENDING", "s", "g", "-", "+", "1"]) as unknown[][];
  assert.equal(count, MAX_COUNTER + 1);
  assert.deepEqual(await db.send(["XGROUP", "CREATE", "s", "h", "0"]), "OK");
});

Deno.test("RESTORE refuses a payload whose entries-added is above 2^52, and writes nothing", async () => {
  // Redis 7.0 stream (type 19), no nodes, length 0, last 5-0, first 0-0, max deleted 0-0,
  // entries added 2^52 + 1 (a 64-bit length: 0x81 + 8 bytes), no groups.
  const body = [19, 0, 0, 5, 0, 0, 0, 0, 0, 0x81, 0, 0x10, 0, 0, 0, 0, 0, 1, 0];
  const bytes = payloadOf(body);
  await using db = openEmbeddedConnection(":memory:");
  await assert.rejects(
    db.send(["RESTORE", "s", "0", binary(bytes)]),
    new RegExp(
      `^ReplyError: ERR The embedded store keeps entries-added up to ${MAX_COUNTER}; this payload has ${
        MAX_COUNTER + 1
      }$`,
    ),
  );
  assert.equal(await db.send(["EXISTS", "s"]), 0);
});
