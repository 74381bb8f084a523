/**
 * redis-server faults under a running producer and consumer: killed with -9
 * and restarted on the same port and data (AOF, appendfsync always), and
 * restarted empty (the group is gone: NOGROUP).
 *
 * @module
 */

import assert from "node:assert/strict";
import { openStore } from "../../lib/open_store.ts";
import { ignoreRedis, type RedisServer, startRedis } from "../_redis_server.ts";
import { spawnScript } from "../scripts/_scripts.ts";
import {
  assertClean,
  checkDelivered,
  Consumer,
  GROUP,
  report,
  settled,
  STREAM,
  tally,
  until,
} from "./_faults.ts";

/** The IDs a `rstream-produce --json` printed (each one acknowledged by Redis). */
function producedIds(lines: string[]): string[] {
  return lines.map((line) => JSON.parse(line).id as string);
}

async function withServer(
  args: string[],
  fn: (ctx: {
    dir: string;
    cwd: string;
    redis: () => RedisServer;
    restart: (options?: { empty?: boolean }) => Promise<void>;
    spawnConsumer: (name: string, extra?: string[]) => Consumer;
    spawnProducer: () => ReturnType<typeof spawnScript>;
  }) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "rstream-faults-redis-" });
  const cwd = await Deno.makeTempDir({ prefix: "rstream-faults-" });
  let redis = await startRedis({ dir, args });
  const { port, url } = redis;
  const children: { kill(s: Deno.Signal): void; done: Promise<unknown>; pid: number }[] = [];
  try {
    await fn({
      dir,
      cwd,
      redis: () => redis,
      async restart(options = {}) {
        redis.process.kill("SIGKILL");
        await redis.process.status;
        if (options.empty) {
          for await (const entry of Deno.readDir(dir)) {
            await Deno.remove(`${dir}/${entry.name}`, { recursive: true });
          }
        }
        redis = await startRedis({ port, dir, args });
      },
      spawnConsumer(name, extra = []) {
        const process = spawnScript(
          "rstream-consume",
          [GROUP, name, "--json", "--url", url, ...extra],
          { cwd },
        );
        children.push({
          kill: (s) => process.kill(s),
          done: process.done,
          pid: process.child.pid,
        });
        return new Consumer(name, process);
      },
      spawnProducer() {
        const process = spawnScript(
          "rstream-produce",
          ["sensor1", "--url", url, "--count", "0", "--interval", "5", "--json"],
          { cwd },
        );
        children.push({
          kill: (s) => process.kill(s),
          done: process.done,
          pid: process.child.pid,
        });
        return process;
      },
    });
  } finally {
    for (const child of children) {
      child.kill("SIGKILL");
      await child.done;
    }
    await redis.stop();
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(cwd, { recursive: true });
  }
  await assertClean(children.map((c) => c.pid), [dir, cwd]);
}

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
