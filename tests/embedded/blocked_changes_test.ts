/**
 * A blocked read whose key is deleted, replaced by another type or renamed,
 * or whose group is destroyed, answers as Redis 7.0 does.
 *
 * @module
 */

import assert from "node:assert/strict";
import { openEmbeddedConnection } from "../../lib/embedded/connection.ts";
import { ReplyError } from "../../lib/errors.ts";

const tick = () => new Promise((r) => setTimeout(r, 30));

Deno.test("sendBlocking() XREADGROUP fails with NOGROUP ... no longer exists when its group is destroyed", async () => {
  await using c = openEmbeddedConnection(":memory:");
  await c.send(["XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"]);
  const read = c.sendBlocking([
    "XREADGROUP",
    "GROUP",
    "g",
    "alice",
    "BLOCK",
    "0",
    "STREAMS",
    "s",
    ">",
  ]);
  await tick();
  await c.send(["XGROUP", "DESTROY", "s", "g"]);
  await assert.rejects(read, (error) =>
    error instanceof ReplyError &&
    error.message === "NOGROUP the consumer group this client was blocked on no longer exists");
});

Deno.test("sendBlocking() XREADGROUP fails with UNBLOCKED when its key is replaced by a string", async () => {
  await using c = openEmbeddedConnection(":memory:");
  await c.send(["XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"]);
  const read = c.sendBlocking([
    "XREADGROUP",
    "GROUP",
    "g",
    "alice",
    "BLOCK",
    "0",
    "STREAMS",
    "s",
    ">",
  ]);
  await tick();
  await c.send(["SET", "s", "v"]);
  await assert.rejects(
    read,
    (error) =>
      error instanceof ReplyError && error.message === "UNBLOCKED the stream key no longer exists",
  );
});

Deno.test("sendBlocking() XREAD keeps waiting when its key is deleted and replaced by a list", async () => {
  await using c = openEmbeddedConnection(":memory:");
  await c.send(["XADD", "s", "5-1", "f", "v"]);
  const read = c.sendBlocking(["XREAD", "BLOCK", "0", "STREAMS", "s", "$"]);
  await tick();
  await c.pipeline([["DEL", "s"], ["LPUSH", "s", "x"]]);
  await tick();
  await c.pipeline([["DEL", "s"], ["XADD", "s", "6-1", "f", "new"]]);
  assert.deepEqual(await read, [["s", [["6-1", ["f", "new"]]]]]);
});

Deno.test("sendBlocking() XREADGROUP is served when RENAME brings a stream with its group", async () => {
  await using c = openEmbeddedConnection(":memory:");
  await c.send(["XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"]);
  const read = c.sendBlocking([
    "XREADGROUP",
    "GROUP",
    "g",
    "alice",
    "BLOCK",
    "0",
    "STREAMS",
    "s",
    ">",
  ]);
  await tick();
  await c.send(["XGROUP", "CREATE", "s2", "g", "$", "MKSTREAM"]);
  await c.send(["XADD", "s2", "100-1", "f1", "v1"]);
  assert.equal(await c.send(["RENAME", "s2", "s"]), "OK");
  assert.deepEqual(await read, [["s", [["100-1", ["f1", "v1"]]]]]);
  assert.equal(await c.send(["EXISTS", "s2"]), 0);
});
