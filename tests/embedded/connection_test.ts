import { ReplyError } from "../../lib/errors.ts";
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { openEmbeddedConnection } from "../../lib/embedded/connection.ts";

async function withTempDir(fn: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "rstream-embedded-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("openEmbeddedConnection() creates a missing .rstream directory and a WAL-mode file", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/.rstream/streams.db`;
    {
      await using connection = openEmbeddedConnection(path);
      assert.equal(connection.backend, "embedded");
      assert.equal(connection.displayUrl, `file:${path}`);
      await connection.send(["XADD", "s", "1-1", "a", "1"]);
    }
    const db = new DatabaseSync(path);
    try {
      assert.deepEqual({ ...db.prepare("PRAGMA journal_mode").get() }, { journal_mode: "wal" });
      assert.deepEqual({ ...db.prepare("SELECT COUNT(*) AS n FROM entries").get() }, { n: 1 });
    } finally {
      db.close();
    }
  });
});

Deno.test("openEmbeddedConnection() keeps data across reopening a file", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/streams.db`;
    {
      await using connection = openEmbeddedConnection(path);
      await connection.send(["XADD", "s", "1-1", "a", "1"]);
      await connection.send(["XGROUP", "CREATE", "s", "g", "0"]);
      await connection.send(["XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"]);
    }
    await using again = openEmbeddedConnection(path, { displayUrl: "file:custom" });
    assert.equal(again.displayUrl, "file:custom");
    assert.deepEqual(await again.send(["XPENDING", "s", "g"]), [1, "1-1", "1-1", [["c", "1"]]]);
  });
});

Deno.test("openEmbeddedConnection() shows memory: for an in-memory store", async () => {
  await using connection = openEmbeddedConnection(":memory:");
  assert.equal(connection.displayUrl, "memory:");
});

Deno.test("send() uses the injected clock for IDs and idle times", async () => {
  let now = 1_000;
  await using connection = openEmbeddedConnection(":memory:", { now: () => now });
  assert.equal(await connection.send(["XADD", "s", "*", "a", "1"]), "1000-0");
  now = 900; // the clock steps back: IDs stay monotonic
  assert.equal(await connection.send(["XADD", "s", "*", "a", "2"]), "1000-1");
  await connection.send(["XGROUP", "CREATE", "s", "g", "0"]);
  await connection.send(["XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "STREAMS", "s", ">"]);
  now = 5_900;
  assert.deepEqual(await connection.send(["XPENDING", "s", "g", "-", "+", "10"]), [
    ["1000-0", "c", 5000, 1],
  ]);
  assert.deepEqual(await connection.send(["XINFO", "CONSUMERS", "s", "g"]), [
    ["name", "c", "pending", 1, "idle", 5000],
  ]);
});

Deno.test("send() throws Redis's error replies as ReplyError", async () => {
  await using connection = openEmbeddedConnection(":memory:");
  await connection.send(["XADD", "s", "5-0", "a", "1"]);
  await assert.rejects(
    connection.send(["XADD", "s", "4-0", "a", "1"]),
    (error: unknown) =>
      error instanceof ReplyError && error.code === "ERR" &&
      error.message ===
        "ERR The ID specified in XADD is equal or smaller than the target stream top item",
  );
  await assert.rejects(
    connection.send(["foo", "bar"]),
    { message: "ERR unknown command 'foo', with args beginning with: 'bar' " },
  );
  await connection.send(["SET", "k", "v"]);
  await assert.rejects(connection.send(["XLEN", "k"]), { code: "WRONGTYPE" });
});

Deno.test("pipeline() returns each command's reply or error in order", async () => {
  await using connection = openEmbeddedConnection(":memory:");
  const replies = await connection.pipeline([
    ["XADD", "s", "1-1", "a", "1"],
    ["XADD", "s", "1-1", "a", "1"],
    ["XLEN"],
    ["XLEN", "s"],
  ]);
  assert.equal(replies[0], "1-1");
  assert.ok(replies[1] instanceof ReplyError);
  assert.equal((replies[2] as Error).message, "ERR wrong number of arguments for 'xlen' command");
  assert.equal(replies[3], 1);
});

Deno.test("pipeline() adds 10 000 entries in one call", async () => {
  await using connection = openEmbeddedConnection(":memory:");
  const batch = Array.from({ length: 10_000 }, (_, n) => ["XADD", "s", `${n + 1}-0`, "n", `${n}`]);
  const replies = await connection.pipeline(batch);
  assert.equal(replies.length, 10_000);
  assert.equal(replies[9_999], "10000-0");
  assert.equal(await connection.send(["XLEN", "s"]), 10_000);
});

Deno.test("close() makes later calls fail", async () => {
  const connection = openEmbeddedConnection(":memory:");
  await connection.close();
  await connection.close(); // twice is fine
  await assert.rejects(connection.send(["PING"]), /closed/);
});

Deno.test("openEmbeddedConnection() refuses NUL in names but keeps it in field values", async () => {
  await using c = openEmbeddedConnection(":memory:");
  await c.send(["XADD", "s", "1-1", "f", "a\u0000b"]);
  assert.deepEqual(await c.send(["XRANGE", "s", "-", "+"]), [["1-1", ["f", "a\u0000b"]]]);
  await assert.rejects(c.send(["XGROUP", "CREATE", "s", "g\u0000", "0"]), /NUL characters/);
  await assert.rejects(c.send(["XADD", "s\u0000x", "*", "f", "v"]), /NUL characters/);
  await assert.rejects(c.send(["SET", "k", "v\u0000"]), /NUL characters/);
  assert.deepEqual(await c.send(["XINFO", "GROUPS", "s"]), []);
  assert.equal(await c.send(["DBSIZE"]), 1);
});
