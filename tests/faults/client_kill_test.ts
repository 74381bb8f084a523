/**
 * CLIENT KILL of the consumer's blocking reader connection and of the
 * producer's connection, several times while both run: both reconnect and
 * nothing is lost.
 *
 * @module
 */

import assert from "node:assert/strict";
import { openStore } from "../../lib/open_store.ts";
import { ignoreRedis } from "../_redis_server.ts";
import { redisCli } from "../scripts/_scripts.ts";
import {
  checkDelivered,
  delay,
  producedIds,
  report,
  settled,
  STREAM,
  tally,
  until,
  withServer,
} from "./_faults.ts";

/** IDs of the connections whose last command matches `cmd` (CLIENT LIST). */
async function clientIds(port: number, cmd: RegExp): Promise<string[]> {
  return (await redisCli(port, ["CLIENT", "LIST"]))
    .filter((line) => cmd.test(/ cmd=(\S+)/.exec(line)?.[1] ?? ""))
    .map((line) => /^id=(\d+)/.exec(line)![1]!);
}

Deno.test({
  name:
    "producer and consume() reconnect and lose nothing when CLIENT KILL closes their connections",
  ignore: ignoreRedis,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await withServer([], async (s) => {
      const { url, port } = s.redis();
      const consumer = s.spawnConsumer(
        "c1",
        ["--start-from", "0", "--count", "10", "--concurrency", "10", "--block", "2000"],
      );
      const producer = s.spawnProducer();
      await until(() => consumer.count("finished") >= 50, "traffic");
      let readersKilled = 0;
      let producersKilled = 0;
      for (let round = 0; round < 5; round++) {
        const readers = await clientIds(port, /^xreadgroup$/);
        const producers = await clientIds(port, /^xadd$/);
        for (const id of [...readers, ...producers]) {
          await redisCli(port, ["CLIENT", "KILL", "ID", id]);
        }
        readersKilled += readers.length;
        producersKilled += producers.length;
        const finished = consumer.count("finished");
        const sent = producer.stdout.length;
        await until(
          () => consumer.count("finished") > finished + 5 && producer.stdout.length > sent + 5,
          `both to work again after kill ${round + 1}`,
          5000,
        );
        await delay(100);
      }
      assert.ok(readersKilled >= 3, `killed ${readersKilled} blocking reader connections`);
      assert.ok(producersKilled >= 3, `killed ${producersKilled} producer connections`);
      producer.kill("SIGTERM");
      const out = await producer.done;
      assert.equal(out.code, 0, out.stderr.join("\n"));
      await using admin = await openStore(url);
      await until(() => settled(admin), "the consumer to drain the group");
      assert.equal(await consumer.stop(), 0, consumer.stderr.join("\n"));
      const stored = new Set((await admin.range(STREAM)).map((e) => e.id));
      const sent = producedIds(out.stdout);
      assert.deepEqual(sent.filter((id) => !stored.has(id)), [], "acknowledged adds lost");
      const figures = await checkDelivered(admin, [...stored], tally([consumer]));
      report("CLIENT KILL of the blocking reader and the producer, 5 rounds", {
        ...figures,
        extra: {
          "acknowledged adds": sent.length,
          "reader connections killed": readersKilled,
          "producer connections killed": producersKilled,
        },
      });
    });
  },
});
