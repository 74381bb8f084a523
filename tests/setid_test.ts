import assert from "node:assert/strict";
import { ReplyError, WrongTypeError } from "../mod.ts";
import { backendTest } from "./_backends.ts";
import { runCli } from "./shell/_cli.ts";

backendTest("setLastId() moves the last ID, entries-added and max-deleted ID", async (store) => {
  await store.addMany("s", [{ n: "1" }, { n: "2" }]);
  await store.setLastId("s", { id: "9000000000000-5", entriesAdded: 10, maxDeletedId: "100-0" });
  const info = await store.info("s");
  assert.equal(info.lastGeneratedId, "9000000000000-5");
  assert.equal(info.entriesAdded, 10);
  assert.equal(info.maxDeletedEntryId, "100-0");
  assert.equal(info.length, 2);
  // The next auto ID follows the new last ID.
  assert.equal(await store.add("s", { n: "3" }, { id: "9000000000000-*" }), "9000000000000-6");
});

backendTest("setLastId() keeps entries-added and max-deleted ID when not given", async (store) => {
  await store.add("s", { n: "1" }, { id: "5-0" });
  await store.del("s", ["5-0"]);
  await store.setLastId("s", { id: "7-0" });
  const info = await store.info("s");
  assert.deepEqual(
    [info.lastGeneratedId, info.entriesAdded, info.maxDeletedEntryId],
    ["7-0", 1, "5-0"],
  );
});

backendTest(
  "setLastId() accepts any ID on an empty stream, even below the last one",
  async (store) => {
    await store.add("s", { n: "1" }, { id: "50-0" });
    await store.del("s", ["50-0"]);
    await store.setLastId("s", { id: "10-0" });
    assert.equal((await store.info("s")).lastGeneratedId, "10-0");
  },
);

/** The reply-error text of a rejected promise, as Redis gave it. */
async function replyText(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ReplyError, `expected a ReplyError, got ${error}`);
    return error.message;
  }
  throw new assert.AssertionError({ message: "expected a rejection" });
}

backendTest("setLastId() refuses an ID below the top entry with Redis's text", async (store) => {
  await store.add("s", { n: "1" }, { id: "5-0" });
  assert.equal(
    await replyText(store.setLastId("s", { id: "4-0" })),
    "ERR The ID specified in XSETID is smaller than the target stream top item",
  );
  assert.equal((await store.info("s")).lastGeneratedId, "5-0");
});

backendTest("setLastId() refuses entries-added below the length", async (store) => {
  await store.addMany("s", [{ n: "1" }, { n: "2" }]);
  assert.equal(
    await replyText(store.setLastId("s", { id: "9999999999999-0", entriesAdded: 1 })),
    "ERR The entries_added specified in XSETID is smaller than the target stream length",
  );
});

backendTest("setLastId() refuses a max-deleted ID above the new last ID", async (store) => {
  await store.add("s", { n: "1" }, { id: "1-0" });
  assert.equal(
    await replyText(store.setLastId("s", { id: "1-0", entriesAdded: 1, maxDeletedId: "2-0" })),
    "ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id",
  );
});

backendTest("setLastId() on a missing key answers no such key", async (store) => {
  assert.equal(await replyText(store.setLastId("missing", { id: "1-0" })), "ERR no such key");
});

backendTest("setLastId() on a string key is a WrongTypeError", async (store) => {
  await store.set("k", "v");
  await assert.rejects(store.setLastId("k", { id: "1-0" }), WrongTypeError);
});

backendTest("XSETID in Redis syntax answers like Redis for bad options", async (store) => {
  await store.add("s", { n: "1" }, { id: "1-0" });
  const cases: [string[], string][] = [
    [["XSETID", "s", "2-0", "0"], "ERR syntax error"],
    [["XSETID", "s", "2-0", "ENTRIESADDED", "-1"], "ERR entries_added must be positive"],
    [["XSETID", "s", "2-0", "ENTRIESADDED", "x"], "ERR value is not an integer or out of range"],
    [["XSETID", "s", "2-0", "MAXDELETEDID"], "ERR syntax error"],
    [["XSETID", "missing", "2-0", "BOGUS", "1"], "ERR syntax error"],
  ];
  for (const [args, text] of cases) assert.equal(await replyText(store.command(args)), text);
  await assert.rejects(store.command(["XSETID", "s", "-"]), {
    name: "InvalidStreamIdError",
    message: "Invalid stream ID specified as stream command argument (XSETID)",
  });
  assert.equal(await store.command(["xsetid", "s", "3"]), "OK");
  assert.equal((await store.info("s")).lastGeneratedId, "3-0");
});

backendTest(
  "rstream setid and XSETID in Redis syntax set the last ID from the shell",
  async (store, t) => {
    await store.add("s", { n: "1" }, { id: "5-0" });
    const verb = await runCli([
      "setid",
      "s",
      "9-0",
      "--entries-added",
      "3",
      "--max-deleted-id",
      "4-0",
    ], {
      url: t.url,
    });
    assert.deepEqual(verb, { code: 0, stdout: "OK\n", stderr: "" });
    const info = await store.info("s");
    assert.deepEqual([info.lastGeneratedId, info.entriesAdded, info.maxDeletedEntryId], [
      "9-0",
      3,
      "4-0",
    ]);
    const raw = await runCli(["XSETID", "s", "10-0"], { url: t.url });
    assert.deepEqual(raw, { code: 0, stdout: "OK\n", stderr: "" });
    const refused = await runCli(["setid", "s", "1-0"], { url: t.url });
    assert.equal(refused.code, 1);
    assert.equal(
      refused.stderr,
      "error: ERR The ID specified in XSETID is smaller than the target stream top item\n",
    );
    assert.equal((await store.info("s")).lastGeneratedId, "10-0");
  },
);
