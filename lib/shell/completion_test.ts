import assert from "node:assert/strict";
import { complete, type NameSource } from "./completion.ts";

const names: NameSource = {
  streams: () => Promise.resolve(["app:event", "app:metrics", "orders"]),
  groups: (stream) => Promise.resolve(stream === "app:event" ? ["workers", "audit"] : []),
  consumers: (_stream, group) => Promise.resolve(group === "workers" ? ["alice", "bob"] : []),
};

Deno.test("complete() offers command names, with a space after a single match", async () => {
  assert.deepEqual(await complete("ra", { names }), [["range", "raw"], "ra"]);
  assert.deepEqual(await complete("readg", { names }), [["readgroup "], "readg"]);
  assert.deepEqual(await complete("XR", { names }), [
    ["XRANGE", "XREAD", "XREADGROUP", "XREVRANGE"],
    "XR",
  ]);
});

Deno.test("complete() offers group subcommands and a command's options", async () => {
  assert.deepEqual(await complete("group c", { names }), [["create", "createconsumer"], "c"]);
  assert.deepEqual(await complete("range s --r", { names }), [["--rev "], "--r"]);
});

Deno.test("complete() offers stream, group and consumer names from the source", async () => {
  assert.deepEqual(await complete("range app:", { names }), [["app:event", "app:metrics"], "app:"]);
  assert.deepEqual(await complete("readgroup app:event ", { names }), [["audit", "workers"], ""]);
  assert.deepEqual(await complete("readgroup app:event workers b", { names }), [["bob "], "b"]);
  assert.deepEqual(await complete("pending app:event workers --consumer a", { names }), [
    ["alice "],
    "a",
  ]);
});

Deno.test("complete() offers groups of the stream in use when the stream is left out", async () => {
  assert.deepEqual(await complete("readgroup w", { names, stream: "app:event" }), [
    ["workers "],
    "w",
  ]);
});

Deno.test("complete() offers the group after the stream in use typed out (after use)", async () => {
  assert.deepEqual(await complete("readgroup app:event w", { names, stream: "app:event" }), [
    ["workers "],
    "w",
  ]);
  assert.deepEqual(
    await complete("readgroup app:event workers a", { names, stream: "app:event" }),
    [["alice "], "a"],
  );
});

Deno.test("complete() gives up on a slow store after the timeout", async () => {
  const slow: NameSource = { ...names, streams: () => new Promise(() => {}) };
  const started = Date.now();
  assert.deepEqual(await complete("len ", { names: slow, timeoutMs: 50 }), [[], ""]);
  assert.ok(Date.now() - started < 1000);
});
