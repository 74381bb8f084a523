/**
 * rstream on a real Redis Cluster (3 masters + 3 replicas, tests/_redis_cluster.ts):
 * routing of every store method, pipelines split per node, reads over streams
 * of several slots, MOVED/ASK during a live slot migration, and a master's
 * failover under a producer and a worker.
 */
import assert from "node:assert/strict";
import { failoverUnderLoad } from "./_failover.ts";
import { consumeTopic, openStore, openTopic } from "../mod.ts";
import { _keySlot } from "../lib/redis/_slot.ts";
import { ignoreRedis } from "./_redis_server.ts";
import { type RedisCluster, startRedisCluster } from "./_redis_cluster.ts";
import { runCli } from "./shell/_cli.ts";
import { runScript } from "./scripts/_scripts.ts";
import { createSession } from "../lib/shell/main.ts";
import { promptOf } from "../lib/shell/repl.ts";

/** One cluster for the whole file: starting one takes about 2 s. */
let shared: Promise<RedisCluster> | undefined;
const cluster = () => shared ??= startRedisCluster();

function clusterTest(name: string, fn: (cluster: RedisCluster) => Promise<void>, last = false) {
  Deno.test({
    name,
    ignore: ignoreRedis,
    sanitizeResources: false, // the cluster outlives each test
    sanitizeOps: false,
    fn: async () => {
      const c = await cluster();
      try {
        await c.cli(
          c.nodes[0]!.port,
          "--cluster",
          "call",
          `127.0.0.1:${c.nodes[0]!.port}`,
          "FLUSHALL",
        )
          .catch(() => {});
        await fn(c);
      } finally {
        if (last) await c.stop();
      }
    },
  });
}

/** Three stream names on three different masters. */
async function keysOnEachMaster(c: RedisCluster): Promise<string[]> {
  const masters = await c.masters();
  const found = new Map<number, string>();
  for (let i = 0; found.size < masters.length; i++) {
    const key = `s:${i}`;
    const port = await c.masterOf(_keySlot(key));
    if (!found.has(port)) found.set(port, key);
  }
  return [...found.values()];
}

/** Commands sent to one node with redis-cli on stdin (READONLY then a read, on a replica). */
async function onReplica(port: number, ...commands: string[][]): Promise<string[]> {
  const child = new Deno.Command("redis-cli", {
    args: ["-h", "127.0.0.1", "-p", String(port)],
    stdin: "piped",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(commands.map((c) => c.join(" ") + "\n").join("")));
  await writer.close();
  const out = await child.output();
  return new TextDecoder().decode(out.stdout).trim().split("\n");
}

/** XLEN asked of the master that holds the key, with redis-cli. */
async function xlenOnOwner(c: RedisCluster, key: string): Promise<number> {
  return Number(await c.cli(await c.masterOf(_keySlot(key)), "XLEN", key));
}

clusterTest("_keySlot() agrees with CLUSTER KEYSLOT, hash tags included", async (c) => {
  for (
    const key of [
      "a",
      "stream:a",
      "{user1000}.following",
      "foo{}{bar}",
      "foo{{bar}}zap",
      "héllo",
      "T#0",
      "{T}#1",
    ]
  ) {
    assert.equal(
      _keySlot(key),
      Number(await c.cli(c.nodes[0]!.port, "CLUSTER", "KEYSLOT", key)),
      key,
    );
  }
});

clusterTest("openStore() of any node routes every store method to its key's master", async (c) => {
  await using store = await openStore(`redis://127.0.0.1:${c.nodes[4]!.port}`);
  assert.equal(store.connection.cluster?.masters, 3);
  const keys = await keysOnEachMaster(c);
  for (const key of keys) {
    const id = await store.add(key, { sensor_id: "sensor2", temp: "0.42" });
    assert.deepEqual(
      await store.addMany(key, [{ n: "1" }, { n: "2" }]),
      (await store.range(key)).slice(1).map((e) => e.id),
    );
    assert.equal(await store.len(key), 3);
    assert.equal(await xlenOnOwner(c, key), 3);
    assert.equal((await store.range(key))[0]!.id, id);
    assert.equal((await store.read({ [key]: "0" }))[0]!.entries.length, 3);
    assert.equal(await store.createGroup(key, "g", { start: "0" }), true);
    assert.equal(await store.createGroup(key, "g", { start: "0" }), false);
    assert.equal(await store.createConsumer(key, "g", { consumer: "c0" }), true);
    const [read] = await store.readGroup(key, "g", { consumer: "c1", count: 2 });
    assert.equal(read!.entries.length, 2);
    assert.equal((await store.pendingSummary(key, "g")).count, 2);
    assert.equal((await store.pending(key, "g")).length, 2);
    assert.equal(
      (await store.claim(key, "g", { consumer: "c2", minIdleMs: 0, ids: [read!.entries[0]!.id] }))
        .length,
      1,
    );
    assert.deepEqual(
      await store.claimIds(key, "g", { consumer: "c2", minIdleMs: 0, ids: [read!.entries[1]!.id] }),
      [read!.entries[1]!.id],
    );
    assert.equal(
      (await store.autoClaim(key, "g", { consumer: "c1", minIdleMs: 0 })).entries.length,
      2,
    );
    assert.equal(await store.ack(key, "g", { ids: read!.entries.map((e) => e.id) }), 2);
    assert.equal(await store.deleteConsumer(key, "g", { consumer: "c0" }), 0);
    assert.deepEqual((await store.groups(key)).map((g) => g.name), ["g"]);
    assert.deepEqual((await store.consumers(key, "g")).map((x) => x.name).sort(), ["c1", "c2"]);
    const info = await store.info(key);
    assert.equal(info.length, 3);
    assert.equal(info.groups[0]!.consumerList.length, 2);
    await store.setGroupId(key, "g", { id: "0" });
    assert.equal(await store.destroyGroup(key, "g"), true);
    assert.equal(await store.del(key, [id!]), 1);
    assert.equal(await store.trim(key, { maxLen: 1 }), 1);
    await store.setLastId(key, { id: "9999999999999-0" });
    await store.set(`${key}:lastid`, "5-0");
    assert.equal(await store.get(`${key}:lastid`), "5-0");
    assert.equal(await store.command(["XLEN", key]), 1);
  }
  assert.deepEqual(await store.streams(), [...keys].sort());
  assert.deepEqual(await store.streams({ pattern: `${keys[1]}` }), [keys[1]]);
  for (const key of keys) assert.equal(await store.deleteStream(key), true);
  assert.deepEqual(await store.streams(), []);
});

clusterTest(
  "the shell adds to streams on every master and its prompt shows the cluster",
  async (c) => {
    const keys = await keysOnEachMaster(c);
    for (const key of keys) {
      const added = await runCli(["add", key, "x=1"], { url: c.url });
      assert.equal(added.stderr, "");
      assert.equal(added.code, 0);
    }
    for (const key of keys) assert.equal(await xlenOnOwner(c, key), 1);
    const session = createSession({ url: c.url, words: [] }, { interactive: false, stdin: false });
    try {
      assert.equal(promptOf(session), `rstream ${c.url}> `);
      await session.store();
      assert.equal(promptOf(session), `rstream ${c.url} [cluster, 3 masters]> `);
    } finally {
      await session.close();
    }
  },
);

clusterTest(
  "pipeline() splits a batch across masters and returns the replies in order",
  async (c) => {
    await using store = await openStore(c.url);
    const keys = await keysOnEachMaster(c);
    const batch = [0, 1, 2, 3, 4, 5, 6, 7, 8].map((
      i,
    ) => ["XADD", keys[i % 3]!, `${i + 1}-0`, "n", String(i)]);
    batch.splice(4, 0, ["XLEN", keys[0]!], ["GET", "nothing"], ["XADD", keys[1]!, "1-0", "n", "x"]);
    const replies = await store.connection.pipeline(batch);
    assert.deepEqual(replies.slice(0, 4), ["1-0", "2-0", "3-0", "4-0"]);
    assert.equal(replies[4], 2);
    assert.equal(replies[5], null);
    assert.ok(replies[6] instanceof Error && /equal or smaller/.test(replies[6].message));
    assert.deepEqual(replies.slice(7), ["5-0", "6-0", "7-0", "8-0", "9-0"]);
    for (const key of keys) assert.equal(await xlenOnOwner(c, key), 3);
  },
);

clusterTest(
  "read() and readGroup() over streams of three masters merge in the order asked",
  async (c) => {
    await using store = await openStore(c.url);
    const keys = await keysOnEachMaster(c);
    for (const [i, key] of keys.entries()) {
      await store.add(key, { n: String(i) }, {
        id: `${i + 1}-0`,
      });
    }
    const reads = await store.read(Object.fromEntries([...keys].reverse().map((k) => [k, "0"])));
    assert.deepEqual(reads.map((r) => r.stream), [...keys].reverse());
    assert.deepEqual(reads.map((r) => r.entries[0]!.fields.n), ["2", "1", "0"]);
    for (const key of keys) await store.createGroup(key, "g", { start: "0" });
    const group = await store.readGroup(Object.fromEntries(keys.map((k) => [k, ">"])), "g", {
      consumer: "c1",
    });
    assert.deepEqual(group.map((r) => r.stream), keys);
    for (const key of keys) assert.equal((await store.pendingSummary(key, "g")).count, 1);
    assert.deepEqual(await store.read(Object.fromEntries(keys.map((k) => [k, "$"]))), []);
  },
);

clusterTest(
  "read() with BLOCK over three masters wakes when any of them gets an entry",
  async (c) => {
    await using store = await openStore(c.url);
    const keys = await keysOnEachMaster(c);
    for (const key of keys) await store.createGroup(key, "g", { start: "$", mkStream: true });
    const started = performance.now();
    const reading = store.readGroup(Object.fromEntries(keys.map((k) => [k, ">"])), "g", {
      consumer: "c1",
      blockMs: 5000,
    });
    await new Promise((r) => setTimeout(r, 200));
    await store.add(keys[2]!, { n: "late" });
    const reads = await reading;
    assert.ok(performance.now() - started < 3000, "woke early");
    assert.deepEqual(reads.map((r) => [r.stream, r.entries[0]!.fields?.n]), [[keys[2], "late"]]);
    const aborted = new AbortController();
    setTimeout(() => aborted.abort(), 100);
    assert.deepEqual(
      await store.read(Object.fromEntries(keys.map((k) => [k, "$"])), {
        blockMs: 5000,
        signal: aborted.signal,
      }),
      [],
    );
  },
);

clusterTest(
  "producer --wait-replicas 1 adds to a cluster and each reading is on the replica",
  async (c) => {
    const cwd = await Deno.makeTempDir({ prefix: "rstream-cluster-" });
    try {
      const out = await runScript(
        "rstream-produce",
        ["sensor2", "--url", c.url, "--count", "5", "--wait-replicas", "1", "--stream", "durable"],
        { cwd },
      );
      assert.deepEqual(out.stderr, []);
      assert.equal(out.code, 0);
      assert.equal(out.stdout.length, 5);
      const master = await c.masterOf(_keySlot("durable"));
      const replica = Number(
        /slave0:ip=[^,]+,port=(\d+)/.exec(await c.cli(master, "INFO", "replication"))![1],
      );
      assert.equal(await xlenOnOwner(c, "durable"), 5);
      assert.deepEqual(await onReplica(replica, ["READONLY"], ["XLEN", "durable"]), ["OK", "5"]);
    } finally {
      await Deno.remove(cwd, { recursive: true });
    }
  },
);

clusterTest(
  "a topic's partitions spread over the masters and one group consumes them all",
  async (c) => {
    await using store = await openStore(c.url);
    const topic = await openTopic(store, "app:event", { partitions: 6 });
    const owners = new Set(await Promise.all(topic.streams.map((s) => c.masterOf(_keySlot(s)))));
    assert.equal(owners.size, 3);
    for (let n = 0; n < 60; n++) await topic.publish({ n: String(n) }, { key: `sensor${n % 10}` });
    let total = 0;
    for (const stream of topic.streams) total += await xlenOnOwner(c, stream);
    assert.equal(total, 60);
    const stop = new AbortController();
    let handled = 0;
    const stats = await consumeTopic(() => {
      if (++handled === 60) stop.abort();
    }, {
      store,
      topic: "app:event",
      partitions: 6,
      group: "g",
      consumer: "c1",
      start: "0",
      blockMs: 50,
      signal: stop.signal,
    });
    assert.equal(stats.succeeded, 60);
    for (const stream of topic.streams) {
      assert.equal(
        (await store.pendingSummary(stream, "g")).count,
        0,
      );
    }
  },
);

clusterTest(
  "the store follows MOVED and ASK while a slot migrates under a producer and a consumer",
  async (c) => {
    await using store = await openStore(c.url);
    const keys = Array.from({ length: 8 }, (_, i) => `{mig}:${i}`);
    const slot = _keySlot("{mig}");
    const source = await c.masterOf(slot);
    const target = (await c.masters()).find((p) => p !== source)!;
    const idOf = (port: number) => c.cli(port, "CLUSTER", "MYID");
    const [sourceId, targetId] = [await idOf(source), await idOf(target)];
    for (const key of keys) await store.createGroup(key, "g", { start: "0", mkStream: true });
    const errors: unknown[] = [];
    let producing = true;
    let sent = 0;
    let acked = 0;
    const producer = (async () => {
      for (let n = 0; producing; n++) {
        try {
          await store.add(keys[n % keys.length]!, { n: String(n) });
          sent++;
        } catch (error) {
          errors.push(error);
        }
      }
    })();
    const consumer = (async () => {
      while (producing || acked < sent) {
        try {
          const reads = await store.readGroup(Object.fromEntries(keys.map((k) => [k, ">"])), "g", {
            consumer: "c1",
            count: 100,
            blockMs: 100,
          });
          for (const { stream, entries } of reads) {
            acked += await store.ack(stream, "g", { ids: entries.map((e) => e.id) });
          }
        } catch (error) {
          errors.push(error);
        }
      }
    })();
    await new Promise((r) => setTimeout(r, 200));
    await c.cli(target, "CLUSTER", "SETSLOT", String(slot), "IMPORTING", sourceId);
    await c.cli(source, "CLUSTER", "SETSLOT", String(slot), "MIGRATING", targetId);
    for (const key of keys) {
      await c.cli(source, "MIGRATE", "127.0.0.1", String(target), key, "0", "5000");
      await new Promise((r) => setTimeout(r, 40)); // some keys here, some there: ASK and TRYAGAIN
    }
    for (const port of await c.masters()) {
      await c.cli(port, "CLUSTER", "SETSLOT", String(slot), "NODE", targetId);
    }
    await new Promise((r) => setTimeout(r, 200));
    producing = false;
    await producer;
    await consumer;
    assert.deepEqual(errors, []);
    assert.equal(await c.masterOf(slot), target);
    // The importing node saw ASKING (ASK was followed) and commands arrived there after MOVED.
    assert.match(await c.cli(target, "INFO", "commandstats"), /cmdstat_asking:calls=[1-9]/);
    let total = 0;
    for (const key of keys) {
      total += Number(await c.cli(target, "XLEN", key));
      assert.equal((await store.pendingSummary(key, "g")).count, 0);
    }
    assert.ok(sent > 100, `sent ${sent}`);
    assert.equal(total, sent);
    assert.equal(acked, sent);
  },
);

clusterTest(
  "a producer and a worker resume after kill -9 of their master, losing no replicated add",
  async (c) => {
    await using store = await openStore(c.url);
    const port = await c.masterOf(_keySlot("failover:event"));
    const figures = await failoverUnderLoad(store, {
      label: "failover",
      kill: () => c.kill(port),
      promote: async () => {
        const deadline = Date.now() + 15_000;
        // The replica takes over (cluster-node-timeout 1000); the old master, restarted as a
        // supervisor would, rejoins as its replica, so that WAIT 1 can be met again.
        while (await c.masterOf(_keySlot("failover:event")) === port && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 50));
        }
        await c.restart(port);
      },
    });
    assert.notEqual(await c.masterOf(_keySlot("failover:event")), port);
    assert.ok(figures.acked > 100, `acked ${figures.acked}`);
  },
  true,
);
