/**
 * redis-server faults under a running producer and consumer: killed with -9
 * and restarted on the same port and data (AOF, appendfsync always), and
 * restarted empty (the group is gone: NOGROUP).
 *
 * @module
 */

import assert from "node:assert/strict";
import { openStore } from "../../lib/open_store.ts";
import { ignoreRedis } from "../_redis_server.ts";
import {
  checkDelivered,
  delay,
  GROUP,
  producedIds,
  report,
  settled,
  STREAM,
  tally,
  until,
  withServer,
} from "./_faults.ts";

const CONSUMER_ARGS = ["--start-from", "0", "--count", "10", "--concurrency", "10"]
  .concat(["--block", "200", "--claim-idle", "60000"]);

Deno.test({
  name:
    "producer and consume() keep acknowledged adds and group state and reconnect within 5 s when redis-server (AOF always) is killed with -9 and restarted",
  ignore: ignoreRedis,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const args = ["--appendonly", "yes", "--appendfsync", "always"];
    await withServer(args, async (s) => {
      const url = s.redis().url;
      const consumer = s.spawnConsumer("c1", CONSUMER_ARGS);
      const producer = s.spawnProducer();
      await until(
        () => producer.stdout.length >= 300 && consumer.count("finished") >= 200,
        "traffic",
      );
      await s.restart();
      const restartedAt = Date.now();
      const ackedAdds = producedIds(producer.stdout);
      const ackedFinished = consumer.events.filter((e) => e.event === "finished").map((e) => e.id!);
      await using admin = await openStore(url);
      // Every add Redis acknowledged before the kill is still there, and so is the group.
      const stored = new Set((await admin.range(STREAM)).map((e) => e.id));
      const missing = ackedAdds.filter((id) => !stored.has(id));
      assert.deepEqual(missing, [], "acknowledged adds lost");
      const [group] = await admin.groups(STREAM);
      assert.equal(group?.name, GROUP);
      const pending = new Set(
        (await admin.pending(STREAM, GROUP, { count: 10_000 })).map((p) => p.id),
      );
      assert.deepEqual(ackedFinished.filter((id) => pending.has(id)), [], "acknowledged acks lost");

      const addsAtRestart = producer.stdout.length;
      const finishedAtRestart = consumer.count("finished");
      await until(
        () =>
          producer.stdout.length > addsAtRestart + 10 &&
          consumer.count("finished") > finishedAtRestart + 10,
        "producer and consumer to work again",
        5000,
      ).catch((error) => {
        throw new Error(
          `${error.message}; producer: ${producer.stderr.join(" | ")}; consumer: ${
            consumer.stderr.join(" | ")
          }`,
        );
      });
      const reconnectMs = Date.now() - restartedAt;
      producer.kill("SIGTERM");
      const out = await producer.done;
      assert.equal(out.code, 0, out.stderr.join("\n"));
      await until(() => settled(admin), "the consumer to drain the group");
      assert.equal(await consumer.stop(), 0, consumer.stderr.join("\n"));
      assert.equal(consumer.stderr.filter((l) => l.startsWith("created group")).length, 1);
      const sent = producedIds(out.stdout);
      const all = (await admin.range(STREAM)).map((e) => e.id);
      const figures = await checkDelivered(admin, all, tally([consumer]));
      report("redis-server kill -9 and restart, AOF appendfsync always", {
        ...figures,
        extra: {
          "acknowledged adds": sent.length,
          "in the stream": all.length,
          "acked adds lost": 0,
          "back within ms": reconnectMs,
        },
      });
    });
  },
});

Deno.test({
  name:
    "consume() re-creates its group from 0 once when redis-server restarts empty and logs no storm",
  ignore: ignoreRedis,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await withServer([], async (s) => {
      const url = s.redis().url;
      const consumer = s.spawnConsumer("c1", CONSUMER_ARGS);
      const producer = s.spawnProducer();
      await until(() => consumer.count("finished") >= 100, "traffic");
      const before = producedIds(producer.stdout).length;
      await s.restart({ empty: true }); // the stream, the group and its pending list are gone
      const restartedAt = Date.now();
      const stderrAtRestart = consumer.stderr.length;
      // Let it run a while: NOGROUP must not be logged on every read.
      await delay(3000);
      producer.kill("SIGTERM");
      const out = await producer.done;
      assert.equal(out.code, 0, out.stderr.join("\n"));
      await using admin = await openStore(url);
      await until(() => settled(admin), "the consumer to drain the new group");
      assert.equal(await consumer.stop(), 0, consumer.stderr.join("\n"));
      const logged = consumer.stderr.slice(stderrAtRestart);
      const recreated = logged.filter((l) =>
        l === `created group ${GROUP} on ${STREAM} starting at 0`
      );
      assert.equal(recreated.length, 1, logged.join("\n"));
      const warnings = logged.filter((l) => l.startsWith("warning:"));
      assert.ok(warnings.length <= 3, `log storm: ${logged.join("\n")}`);
      // Policy: the group starts again at 0, so everything added since the restart is consumed.
      const all = (await admin.range(STREAM)).map((e) => e.id);
      const after = producedIds(out.stdout).slice(before).filter((id) => all.includes(id));
      assert.ok(after.length > 0);
      const figures = await checkDelivered(admin, all, tally([consumer]));
      report("redis-server restarted empty (NOGROUP), group re-created from 0", {
        ...figures,
        extra: {
          "log lines in 3 s": logged.length,
          "warnings": warnings.length,
          "group re-created": recreated.length,
          "added before the restart, gone with the data": before,
          "seconds": Math.round((Date.now() - restartedAt) / 1000),
        },
      });
    });
  },
});
