import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { openEmbeddedConnection } from "../../lib/embedded/mod.ts";
import { ReplyError, StoreLockedError } from "../../mod.ts";

async function withTempDir(fn: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "rstream-group-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("send() calls in one tick run in order, each with its own reply or error", async () => {
  await using connection = openEmbeddedConnection(":memory:");
  const replies = await Promise.allSettled([
    connection.send(["XADD", "s", "1-0", "a", "1"]),
    connection.send(["XADD", "s", "1-0", "a", "2"]), // not above the top: its own error
    connection.send(["XLEN", "s"]),
    connection.send(["NOSUCHCOMMAND"]),
    connection.send(["XADD", "s", "2-0", "a", "3"]),
    connection.send(["XLEN", "s"]),
  ]);
  assert.deepEqual(replies.map((r) => r.status === "fulfilled" ? r.value : "error"), [
    "1-0",
    "error",
    1,
    "error",
    "2-0",
    2,
  ]);
  const refused = replies[1] as PromiseRejectedResult;
  assert.ok(refused.reason instanceof ReplyError);
  assert.match(refused.reason.message, /equal or smaller than the target stream top item/);
});

Deno.test("send() and pipeline() in one tick keep their order", async () => {
  await using connection = openEmbeddedConnection(":memory:");
  const [first, batch, last] = await Promise.all([
    connection.send(["XADD", "s", "1-0", "n", "1"]),
    connection.pipeline([["XADD", "s", "2-0", "n", "2"], ["XLEN", "s"]]),
    connection.send(["XLEN", "s"]),
  ]);
  assert.deepEqual([first, batch, last], ["1-0", ["2-0", 2], 2]);
});

Deno.test("a group's replies come only after its COMMIT: another connection sees every add", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/streams.db`;
    await using writer = openEmbeddedConnection(path);
    await using reader = openEmbeddedConnection(path);
    const adds = Array.from(
      { length: 100 },
      (_, i) => writer.send(["XADD", "s", `${i + 1}-0`, "n", `${i}`]),
    );
    // The first reply already means the whole group is committed and visible elsewhere.
    await adds[0];
    assert.equal(await reader.send(["XLEN", "s"]), 100);
    assert.equal((await Promise.all(adds)).at(-1), "100-0");
  });
});

Deno.test("an SQLite failure fails exactly the commands of its group, and the next group runs", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/streams.db`;
    await using connection = openEmbeddedConnection(path, { busyTimeoutMs: 50 });
    await connection.send(["XADD", "s", "1-0", "n", "0"]);
    // Another connection holds the write lock past the busy timeout.
    const holder = new DatabaseSync(path);
    holder.exec("BEGIN IMMEDIATE");
    const locked = await Promise.allSettled([
      connection.send(["XADD", "s", "2-0", "n", "1"]),
      connection.pipeline([["XADD", "s", "3-0", "n", "2"], ["XADD", "s", "4-0", "n", "3"]]),
    ]);
    holder.exec("ROLLBACK");
    holder.close();
    assert.deepEqual(locked.map((r) => r.status), ["rejected", "rejected"]);
    for (const r of locked) {
      const reason = (r as PromiseRejectedResult).reason;
      assert.ok(reason instanceof StoreLockedError, String(reason));
      assert.match(reason.message, /is locked: another process has held its write lock/);
    }
    // Nothing of the failed group was stored, and the connection goes on.
    assert.equal(await connection.send(["XADD", "s", "5-0", "n", "4"]), "5-0");
    assert.deepEqual(
      ((await connection.send(["XRANGE", "s", "-", "+"])) as string[][]).map((e) => e[0]),
      ["1-0", "5-0"],
    );
  });
});

Deno.test("a pipeline larger than GROUP_LIMIT still answers every command in order", async () => {
  await using connection = openEmbeddedConnection(":memory:");
  const batch = Array.from({ length: 10_050 }, (_, i) => ["XADD", "s", `${i + 1}-0`, "n", "1"]);
  const replies = await connection.pipeline(batch);
  assert.equal(replies.length, 10_050);
  assert.equal(replies[10_049], "10050-0");
  assert.equal(await connection.send(["XLEN", "s"]), 10_050);
});
