import assert from "node:assert/strict";
import { addOnce, producerId } from "../lib/add_once.ts";
import { StreamIdTooSmallError } from "../lib/errors.ts";
import { backendTest } from "./_backends.ts";

const READING = { sensor_id: "sensor2", temp: "0.42", humidity: "0.61" };

backendTest("addOnce() stores an entry once when the same add is retried", async (store) => {
  const id = producerId(undefined, 1_700_000_000_000);
  assert.deepEqual(await addOnce(store, "app:event", READING, { id }), { id, added: true });
  await store.add("app:event", { sensor_id: "sensor3", temp: "0.1" }); // another producer, '*'
  assert.deepEqual(await addOnce(store, "app:event", READING, { id }), { id, added: false });
  const entries = await store.range("app:event");
  assert.equal(entries.length, 2);
  assert.deepEqual(entries[0], { id, fields: READING });
});

backendTest("addOnce() refuses an ID another entry holds, storing nothing", async (store) => {
  await addOnce(store, "app:event", READING, { id: "5-0" });
  await assert.rejects(
    addOnce(store, "app:event", { ...READING, temp: "0.9" }, { id: "5-0" }),
    (error: unknown) => {
      assert.ok(error instanceof StreamIdTooSmallError);
      assert.equal(error.lastId, "5-0");
      return true;
    },
  );
  await assert.rejects(addOnce(store, "app:event", READING, { id: "4-0" }), StreamIdTooSmallError);
  assert.equal(await store.len("app:event"), 1);
  // The caller moves on to an ID above the stream's last one.
  const next = producerId("5-0", 3);
  assert.equal(next, "5-1");
  assert.deepEqual(await addOnce(store, "app:event", READING, { id: next }), {
    id: "5-1",
    added: true,
  });
});

backendTest("addOnce() trims as add() does", async (store) => {
  for (let i = 1; i <= 5; i++) await addOnce(store, "s", READING, { id: `${i}-0`, maxLen: 3 });
  assert.deepEqual((await store.range("s")).map((e) => e.id), ["3-0", "4-0", "5-0"]);
});

Deno.test("addOnce() needs an explicit ID", async () => {
  const store = {} as never;
  for (const id of ["*", "5-*", "5", ""]) {
    await assert.rejects(addOnce(store, "s", READING, { id }), TypeError);
  }
});

Deno.test("producerId() follows the clock and stays above the previous ID", () => {
  assert.equal(producerId(undefined, 42), "42-0");
  assert.equal(producerId("41-9", 42), "42-0");
  assert.equal(producerId("42-0", 42), "42-1");
  assert.equal(producerId("50-0", 42), "50-1");
});
