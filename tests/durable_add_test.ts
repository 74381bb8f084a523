/**
 * add()/addMany() with `replicas` (XADD + WAIT in one round trip) on a real
 * master with a real replica, on a master alone, on the embedded store, and
 * the producer's --wait-replicas.
 */
import assert from "node:assert/strict";
import { NotEnoughReplicasError, openStore } from "../mod.ts";
import { ignoreRedis, startRedis } from "./_redis_server.ts";
import { runScript } from "./scripts/_scripts.ts";

const redisTest = (name: string, fn: () => Promise<void>) =>
  Deno.test({ name, ignore: ignoreRedis, fn });

async function untilLinked(port: number) {
  await using store = await openStore(`redis://127.0.0.1:${port}`);
  for (let i = 0; i < 200; i++) {
    if (/master_link_status:up/.test(String(await store.command(["INFO", "replication"])))) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error("the replica did not link within 5 s");
}

redisTest("add() with replicas returns once the replica has the entry", async () => {
  await using master = await startRedis({ args: ["--repl-diskless-sync-delay", "0"] });
  await using replica = await startRedis({
    args: ["--replicaof", "127.0.0.1", String(master.port)],
  });
  await untilLinked(replica.port);
  await using store = await openStore(master.url);
  await using onReplica = await openStore(replica.url);
  const id = await store.add("s", { temp: "0.42" }, { replicas: 1, replicaTimeoutMs: 2000 });
  assert.deepEqual((await onReplica.range("s")).map((e) => e.id), [id]);
  const ids = await store.addMany("s", [{ n: "1" }, { n: "2" }], { replicas: 1 });
  assert.equal(ids.length, 2);
  assert.equal(await onReplica.len("s"), 3);
});

redisTest("add() with replicas fails naming the count when no replica acknowledges", async () => {
  await using master = await startRedis();
  await using store = await openStore(master.url);
  await assert.rejects(
    store.add("s", { temp: "0.42" }, { replicas: 1, replicaTimeoutMs: 50 }),
    (error: unknown) => {
      assert.ok(error instanceof NotEnoughReplicasError);
      assert.equal(error.acknowledged, 0);
      assert.equal(error.replicas, 1);
      assert.equal(error.ids.length, 1);
      assert.match(error.message, /only 0 of 1 replicas acknowledged within 50 ms/);
      return true;
    },
  );
  assert.equal(await store.len("s"), 1); // stored on the master, as the error says
  await assert.rejects(store.add("s", {}, { replicas: -1 }), RangeError);
});

Deno.test("add() with replicas on the embedded store fails: it has no replicas", async () => {
  await using store = await openStore("memory:");
  await assert.rejects(
    store.add("s", { temp: "0.42" }, { replicas: 1 }),
    NotEnoughReplicasError,
  );
  assert.equal(await store.add("s", { temp: "0.42" }, { replicas: 0 }) !== null, true);
});

redisTest(
  "producer --wait-replicas 1 exits 1 with the replica count when there is no replica",
  async () => {
    await using master = await startRedis();
    const cwd = await Deno.makeTempDir({ prefix: "rstream-durable-" });
    try {
      const out = await runScript(
        "rstream-produce",
        ["sensor2", "--url", master.url, "--wait-replicas", "1"],
        { cwd },
      );
      assert.equal(out.code, 1);
      assert.equal(out.stdout.length, 0);
      assert.deepEqual(out.stderr, [
        "error: Added 1 entry to 'app:event' but only 0 of 1 replicas acknowledged within 1000 ms; they may be lost on a failover: check the replicas (INFO replication), raise replicaTimeoutMs or ask for fewer replicas",
      ]);
    } finally {
      await Deno.remove(cwd, { recursive: true });
    }
  },
);
