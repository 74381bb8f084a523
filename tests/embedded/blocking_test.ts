import assert from "node:assert/strict";
import { openEmbeddedConnection } from "../../lib/embedded/connection.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test("sendBlocking() returns at once when entries are there", async () => {
  await using connection = openEmbeddedConnection(":memory:");
  await connection.send(["XADD", "s", "1-1", "a", "1"]);
  assert.deepEqual(
    await connection.sendBlocking(["XREAD", "BLOCK", "0", "STREAMS", "s", "0"]),
    [["s", [["1-1", ["a", "1"]]]]],
  );
});

Deno.test("sendBlocking() wakes when this connection adds after $", async () => {
  await using connection = openEmbeddedConnection(":memory:");
  await connection.send(["XADD", "s", "1-1", "a", "1"]);
  const read = connection.sendBlocking(["XREAD", "BLOCK", "0", "STREAMS", "s", "$"]);
  await sleep(20);
  await connection.send(["XADD", "s", "2-1", "b", "2"]);
  assert.deepEqual(await read, [["s", [["2-1", ["b", "2"]]]]]);
});

Deno.test("sendBlocking() wakes when another connection on the file adds", async () => {
  const dir = await Deno.makeTempDir({ prefix: "rstream-blocking-" });
  try {
    await using reader = openEmbeddedConnection(`${dir}/s.db`);
    await using writer = openEmbeddedConnection(`${dir}/s.db`);
    const read = reader.sendBlocking(["XREAD", "BLOCK", "5000", "STREAMS", "s", "$"]);
    await sleep(20);
    const started = Date.now();
    await writer.send(["XADD", "s", "7-1", "a", "1"]);
    assert.deepEqual(await read, [["s", [["7-1", ["a", "1"]]]]]);
    assert.ok(Date.now() - started < 1000);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("sendBlocking() returns null when BLOCK times out", async () => {
  await using connection = openEmbeddedConnection(":memory:");
  const started = Date.now();
  assert.equal(await connection.sendBlocking(["XREAD", "BLOCK", "60", "STREAMS", "s", "$"]), null);
  assert.ok(Date.now() - started >= 55);
});

Deno.test("sendBlocking() returns null when the signal aborts", async () => {
  await using connection = openEmbeddedConnection(":memory:");
  const controller = new AbortController();
  const read = connection.sendBlocking(["XREAD", "BLOCK", "0", "STREAMS", "s", "$"], {
    signal: controller.signal,
  });
  controller.abort();
  assert.equal(await read, null);
});

Deno.test("sendBlocking() returns null when the connection closes", async () => {
  const connection = openEmbeddedConnection(":memory:");
  const read = connection.sendBlocking(["XREAD", "BLOCK", "0", "STREAMS", "s", "$"]);
  await connection.close();
  assert.equal(await read, null);
});

Deno.test("sendBlocking() with XREADGROUP > gives a new entry to exactly one waiting consumer", async () => {
  await using connection = openEmbeddedConnection(":memory:");
  await connection.send(["XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"]);
  const controller = new AbortController();
  const reads = ["c1", "c2"].map((c) =>
    connection.sendBlocking(
      ["XREADGROUP", "GROUP", "g", c, "BLOCK", "0", "STREAMS", "s", ">"],
      { signal: controller.signal },
    )
  );
  await sleep(20);
  await connection.send(["XADD", "s", "1-1", "a", "1"]);
  const first = await Promise.race(reads);
  assert.deepEqual(first, [["s", [["1-1", ["a", "1"]]]]]);
  controller.abort();
  const replies = await Promise.all(reads);
  assert.equal(replies.filter((r) => r !== null).length, 1);
  assert.deepEqual(await connection.send(["XPENDING", "s", "g"]), [1, "1-1", "1-1", [[
    replies[0] ? "c1" : "c2",
    "1",
  ]]]);
});

Deno.test("send() with BLOCK waits like sendBlocking()", async () => {
  await using connection = openEmbeddedConnection(":memory:");
  const read = connection.send(["XREAD", "BLOCK", "0", "STREAMS", "s", "$"]);
  await sleep(10);
  await connection.send(["XADD", "s", "3-1", "a", "1"]);
  assert.deepEqual(await read, [["s", [["3-1", ["a", "1"]]]]]);
});
