import assert from "node:assert/strict";
import clusterKeySlot from "cluster-key-slot";
import { _commandKeys, _keySlot, _streamsIndex } from "./_slot.ts";

Deno.test("_keySlot() matches npm cluster-key-slot on plain keys, hash tags and UTF-8", () => {
  const keys = ["", "a", "stream:a", "app:event", "{user1000}.following", "{user1000}.followers"];
  keys.push("foo{{bar}}zap", "foo{bar}{zap}", "{}", "{a", "a}", "héllo", "日本語", "T#0", "T#15");
  for (let i = 0; i < 500; i++) keys.push(`sensor${i}`, `{t${i}}#0`);
  for (const key of keys) assert.equal(_keySlot(key), clusterKeySlot(key), key);
});

Deno.test("_keySlot() hashes the whole key when its first hash tag is empty, as Redis does", () => {
  // cluster-key-slot answers 4015 (the slot of "bar"); Redis's CLUSTER KEYSLOT says 8363
  // (tests/cluster_test.ts checks it against a real server).
  assert.equal(_keySlot("foo{}{bar}"), 8363);
});

Deno.test("_commandKeys() finds the key at args[1], after STREAMS, or after a subcommand", () => {
  assert.deepEqual(_commandKeys(["XADD", "s", "*", "a", "1"]), ["s"]);
  assert.deepEqual(_commandKeys(["XREAD", "COUNT", "5", "STREAMS", "a", "b", "0", "0"]), [
    "a",
    "b",
  ]);
  assert.deepEqual(
    _commandKeys(["XREADGROUP", "GROUP", "streams", "STREAMS", "STREAMS", "s", ">"]),
    ["s"],
  );
  assert.deepEqual(_commandKeys(["XGROUP", "CREATE", "s", "g", "$"]), ["s"]);
  assert.deepEqual(_commandKeys(["XINFO", "STREAM", "s"]), ["s"]);
  assert.deepEqual(_commandKeys(["XGROUP", "HELP"]), []);
  assert.deepEqual(_commandKeys(["WAIT", "1", "100"]), []);
  assert.deepEqual(_commandKeys(["SCAN", "0"]), []);
  assert.equal(_streamsIndex(["XREAD", "BLOCK", "0", "STREAMS", "s", "$"]), 3);
});
