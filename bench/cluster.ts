/**
 * `deno task bench:cluster [--quick] [--json]`: a topic of 3 partitions on
 * one redis-server vs on a 3-master Redis Cluster (3 replicas too), in one
 * run: batched adds (100 per pipeline, the partitions written at once) and
 * consume + ack (consumeTopic(), count 1000). On a 2-core machine 6 cluster
 * nodes and the client share the cores, so this shows the method more than
 * the speed-up; on separate machines each master adds its own core.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { consumeTopic, openStore, openTopic, type StreamStore } from "../mod.ts";
import { startRedis } from "../tests/_redis_server.ts";
import { startRedisCluster } from "../tests/_redis_cluster.ts";

const args = parseArgs({
  args: Deno.args,
  options: { quick: { type: "boolean" }, json: { type: "boolean" } },
});
const N = args.values.quick ? 30_000 : 300_000;
const BATCH = 100;
const PARTITIONS = 3;

async function addRate(store: StreamStore): Promise<number> {
  const topic = await openTopic(store, "bench", { partitions: PARTITIONS });
  const fields = { sensor_id: "sensor2", temp: "0.42", humidity: "0.51" };
  const started = performance.now();
  for (let sent = 0; sent < N; sent += BATCH * PARTITIONS) {
    await Promise.all(
      topic.streams.map((stream) =>
        store.addMany(stream, Array.from({ length: BATCH }, () => fields))
      ),
    );
  }
  return N / ((performance.now() - started) / 1000);
}

async function consumeRate(store: StreamStore): Promise<number> {
  const started = performance.now();
  const stats = await consumeTopic(() => {}, {
    store,
    topic: "bench",
    partitions: PARTITIONS,
    group: "g",
    consumer: "c1",
    start: "0",
    count: 1000,
    concurrency: 1000,
    blockMs: 100,
    maxHandled: N,
  });
  return stats.succeeded / ((performance.now() - started) / 1000);
}

async function run(url: string) {
  await using store = await openStore(url);
  return {
    adds_per_s: Math.round(await addRate(store)),
    consume_ack_per_s: Math.round(await consumeRate(store)),
  };
}

const single = await (async () => {
  await using redis = await startRedis();
  return await run(redis.url);
})();
const cluster = await (async () => {
  await using c = await startRedisCluster();
  return await run(c.url);
})();
const result = {
  entries: N,
  partitions: PARTITIONS,
  batch: BATCH,
  single_node: single,
  cluster_3_masters: cluster,
};
if (args.values.json) {
  console.log(JSON.stringify(result));
} else {
  console.log(
    `topic of ${PARTITIONS} partitions, ${N} entries       adds/s (batched ${BATCH})   consume+ack/s`,
  );
  console.log(
    `  1 redis-server                         ${String(single.adds_per_s).padStart(10)}   ${
      String(single.consume_ack_per_s).padStart(13)
    }`,
  );
  console.log(
    `  Redis Cluster, 3 masters + 3 replicas  ${String(cluster.adds_per_s).padStart(10)}   ${
      String(cluster.consume_ack_per_s).padStart(13)
    }`,
  );
  console.log("  (2 cores shared by every server and the client: the method, not the speed-up)");
}
