import assert from "node:assert/strict";
import {
  consumeTopic,
  openTopic,
  PartitionCountError,
  partitionOf,
  type StreamStore,
} from "../mod.ts";
import { backendTest } from "./_backends.ts";
import { runScript, scriptTest } from "./scripts/_scripts.ts";
import { lines, runCli } from "./shell/_cli.ts";

async function fieldsOf(store: StreamStore, stream: string, name: string): Promise<string[]> {
  return (await store.range(stream)).map((e) => e.fields[name]!);
}

backendTest("publish() keeps every entry of a key on its partition, in order", async (store) => {
  const topic = await openTopic(store, "t", { partitions: 4 });
  for (let n = 0; n < 20; n++) {
    for (const key of ["sensor1", "sensor2", "sensor3"]) {
      await topic.publish({ sensor_id: key, n: String(n) }, { key });
    }
  }
  for (const key of ["sensor1", "sensor2", "sensor3"]) {
    const stream = `t#${partitionOf(key, 4)}`;
    const entries = (await store.range(stream)).filter((e) => e.fields.sensor_id === key);
    assert.deepEqual(
      entries.map((e) => e.fields.n),
      Array.from({ length: 20 }, (_, i) => String(i)),
    );
  }
  let total = 0;
  for (const stream of topic.streams) total += await store.len(stream);
  assert.equal(total, 60);
});

backendTest("publish() without a key takes the partitions in turn", async (store) => {
  const topic = await openTopic(store, "t", { partitions: 3 });
  const streams = [];
  for (let n = 0; n < 6; n++) streams.push((await topic.publish({ n: String(n) })).stream);
  assert.deepEqual(streams, ["t#0", "t#1", "t#2", "t#0", "t#1", "t#2"]);
  assert.deepEqual(await fieldsOf(store, "t#1", "n"), ["1", "4"]);
});

backendTest("openTopic() refuses another partition count unless forced", async (store) => {
  await openTopic(store, "t", { partitions: 3 });
  await assert.rejects(openTopic(store, "t", { partitions: 4 }), (error: unknown) => {
    assert.ok(error instanceof PartitionCountError);
    assert.equal(error.recorded, 3);
    assert.equal(error.asked, 4);
    assert.equal(
      error.message,
      "Topic 't' has 3 partitions, not 4: changing the count sends keys to other partitions, so a key's entries before and after the change are no longer in one order; use 3, or force the change (force: true, --force-partitions) once producers and consumers are stopped",
    );
    return true;
  });
  assert.equal(await store.get("t#partitions"), "3");
  assert.equal((await openTopic(store, "t", { partitions: 4, force: true })).partitions, 4);
  assert.equal(await store.get("t#partitions"), "4");
  await assert.rejects(openTopic(store, "t", { partitions: 0 }), RangeError);
});

backendTest(
  "consumeTopic() reads every partition with one group and leaves nothing pending",
  async (store) => {
    const topic = await openTopic(store, "t", { partitions: 3 });
    for (let n = 0; n < 30; n++) await topic.publish({ n: String(n) }, { key: `k${n % 7}` });
    const seen = new Set<string>();
    const stop = new AbortController();
    const stats = await consumeTopic((delivery) => {
      seen.add(delivery.fields.n!);
      if (seen.size === 30) stop.abort();
    }, {
      store,
      topic: "t",
      partitions: 3,
      group: "g",
      consumer: "c1",
      start: "0",
      blockMs: 50,
      signal: stop.signal,
    });
    assert.equal(seen.size, 30);
    assert.equal(stats.succeeded, 30);
    for (const stream of topic.streams) {
      assert.deepEqual((await store.groups(stream)).map((g) => g.name), ["g"]);
      assert.equal((await store.pendingSummary(stream, "g")).count, 0);
    }
  },
);

backendTest("consumeTopic() dead-letters within the entry's partition", async (store) => {
  const topic = await openTopic(store, "t", { partitions: 2 });
  const { stream } = await topic.publish({ poison: "1" }, { key: "bad" });
  const stop = new AbortController();
  const stats = await consumeTopic(() => {
    throw new Error("cannot handle");
  }, {
    store,
    topic: "t",
    partitions: 2,
    group: "g",
    consumer: "c1",
    start: "0",
    blockMs: 20,
    claimIdleMs: 1,
    claimIntervalMs: 20,
    maxDeliveries: 2,
    signal: stop.signal,
    onEvent: (event) => {
      if (event.type === "dead-lettered") stop.abort();
    },
  });
  assert.equal(stats.deadLettered, 1);
  assert.equal(await store.len(`${stream}:dead-letter`), 1);
  assert.equal((await store.pendingSummary(stream, "g")).count, 0);
});

scriptTest(
  "producer --partitions 3 sends a sensor's readings to its partition, in order",
  async (t) => {
    const out = await runScript(
      "rstream-produce",
      ["sensor2", "--url", t.url, "--stream", "t", "--partitions", "3", "--count", "5"],
      { cwd: t.cwd },
    );
    assert.deepEqual(out.stderr, []);
    assert.equal(out.code, 0);
    const stream = `t#${partitionOf("sensor2", 3)}`;
    const ids = (await t.store.range(stream)).map((e) => e.id);
    assert.deepEqual(out.stdout, ids.map((id) => `message ${id} sent`));
    assert.equal(await t.store.get("t#partitions"), "3");
    const again = await runScript(
      "rstream-produce",
      ["sensor2", "--url", t.url, "--stream", "t", "--partitions", "4"],
      { cwd: t.cwd },
    );
    assert.equal(again.code, 1);
    assert.deepEqual(again.stderr, [
      "error: Topic 't' has 3 partitions, not 4: changing the count sends keys to other partitions, so a key's entries before and after the change are no longer in one order; use 3, or force the change (force: true, --force-partitions) once producers and consumers are stopped",
    ]);
    assert.equal(await t.store.get("t#partitions"), "3");
  },
);

scriptTest(
  "consumer GROUP CONSUMER --partitions 3 processes every partition's entries",
  async (t) => {
    const topic = await openTopic(t.store, "t", { partitions: 3 });
    const published = [];
    for (const key of ["sensor1", "sensor2", "sensor3", "sensor4", "sensor5"]) {
      published.push(await topic.publish({ sensor_id: key }, { key }));
    }
    const out = await runScript(
      "rstream-consume",
      [
        "g",
        "c1",
        "--url",
        t.url,
        "--stream",
        "t",
        "--partitions",
        "3",
        "--start-from",
        "0",
        "--max",
        "5",
      ],
      { cwd: t.cwd },
    );
    assert.equal(out.code, 0, out.stderr.join("\n"));
    const expected = [
      "Reading stream...",
      ...published.flatMap(({ id }, i) => [
        `processing ${id} {"sensor_id":"sensor${i + 1}"}`,
        `finished processing ${id}`,
      ]),
    ];
    assert.deepEqual([...out.stdout].sort(), expected.sort());
    for (const stream of topic.streams) {
      assert.deepEqual((await t.store.groups(stream)).map((g) => g.name), ["g"]);
      assert.equal((await t.store.pendingSummary(stream, "g")).count, 0);
    }
  },
);

backendTest(
  "the shell's topic shows each partition's length, pending and lag, and the totals",
  async (store, { url }) => {
    const topic = await openTopic(store, "t", { partitions: 3 });
    for (let n = 0; n < 6; n++) await topic.publish({ n: String(n) });
    for (const stream of topic.streams) await store.createGroup(stream, "g", { start: "0" });
    await store.readGroup("t#0", "g", { consumer: "c1", count: 1 });
    const out = await runCli(["topic", "t"], { url });
    assert.equal(out.stderr, "");
    assert.equal(out.code, 0);
    assert.deepEqual(lines(out.stdout), [
      "t#0\t2\t1\t1",
      "t#1\t2\t0\t2",
      "t#2\t2\t0\t2",
      "total\t6\t1\t5",
    ]);
    const missing = await runCli(["topic", "nothing"], { url });
    assert.equal(missing.code, 2, "a missing --partitions is bad input: exit 2");
    assert.equal(
      missing.stderr,
      "error: Topic 'nothing' has no recorded partition count (nothing#partitions); give --partitions N (usage: topic TOPIC [--partitions N])\n",
    );
  },
);
