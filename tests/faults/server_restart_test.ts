/**
 * redis-server faults under a running producer and consumer: killed with -9
 * and restarted on the same port and data (AOF, appendfsync always),
 * restarted empty (the group is gone: NOGROUP), and restarted with another
 * password (then given the old one back).
 *
 * @module
 */

import assert from "node:assert/strict";
import { openStore } from "../../lib/open_store.ts";
import { ignoreRedis } from "../_redis_server.ts";
import { redisCli } from "../scripts/_scripts.ts";
import {
  checkDelivered,
  checkSpoolForwarded,
  Consumer,
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

/** Lines matching `pattern`. */
const matching = (lines: string[], pattern: RegExp) => lines.filter((line) => pattern.test(line));

Deno.test({
  name:
    "producer, spooling producer and consumer warn once that the password is refused when redis-server restarts with another one, then print one recovery line each",
  ignore: ignoreRedis,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const OLD = "old-Pa55word";
    const NEW = "new-Pa55word";
    const persist = ["--appendonly", "yes", "--appendfsync", "always"];
    await withServer([...persist, "--requirepass", OLD], async (s) => {
      const port = s.redis().port;
      const url = `redis://:${OLD}@127.0.0.1:${port}`;
      const consumer = new Consumer(
        "c1",
        s.spawn("rstream-consume", [GROUP, "c1", "--json", "--url", url, ...CONSUMER_ARGS]),
      );
      const producer = s.spawn(
        "rstream-produce",
        ["sensor1", "--url", url, "--count", "0", "--interval", "20", "--json"],
      );
      const spooler = s.spawn("rstream-produce", [
        "sensor2",
        ...["--url", url, "--stream", "app:spooled", "--spool", ".rstream/spool.db"],
        ...["--count", "0", "--interval", "20"],
      ]);
      await until(
        () =>
          producer.stdout.length >= 20 && consumer.count("finished") >= 10 &&
          spooler.stderr.some((line) => line.startsWith("forwarded")),
        "traffic",
      );
      await s.restart({ args: [...persist, "--requirepass", NEW] });
      const refused = new RegExp(
        `^warning: (forwarding: )?Authentication failed for redis://127\\.0\\.0\\.1:${port} on reconnecting: `,
      );
      const all = [producer, spooler, consumer.process];
      await until(
        () => all.every((p) => matching(p.stderr, refused).length > 0),
        "the three to warn that the password is refused",
        10_000,
      ).catch((error) => {
        throw new Error(`${error.message}: ${all.map((p) => p.stderr.join(" | ")).join(" // ")}`);
      });
      const sentWhileRefused = producer.stdout.length;
      await delay(1000);
      assert.equal(producer.stdout.length, sentWhileRefused, "nothing sent while refused");
      assert.deepEqual(await redisCli(port, ["-a", NEW, "CONFIG", "SET", "requirepass", OLD]), [
        "OK",
      ]);
      const recovered = /^Redis accepts the password again; /;
      await until(
        () => all.every((p) => matching(p.stderr, recovered).length > 0),
        "the three to say Redis accepts the password again",
        20_000,
      ).catch((error) => {
        throw new Error(`${error.message}: ${all.map((p) => p.stderr.join(" | ")).join(" // ")}`);
      });
      await until(() => producer.stdout.length > sentWhileRefused + 10, "sending again");
      producer.kill("SIGTERM");
      spooler.kill("SIGTERM");
      const [out, spooled] = [await producer.done, await spooler.done];
      assert.equal(out.code, 0, out.stderr.join("\n"));
      assert.equal(spooled.code, 0, spooled.stderr.join("\n"));
      await using admin = await openStore(url);
      await until(() => settled(admin), "the consumer to drain the group");
      assert.equal(await consumer.stop(), 0, consumer.stderr.join("\n"));

      const text =
        `Authentication failed for redis://127.0.0.1:${port} on reconnecting: the server refused the password given, which it accepted before (restarted with another password?); check the server's requirepass and the password in the URL or REDIS_URL`;
      // Before it: at most the lost connection (or, for a new socket, a refused one while down).
      const lost = new RegExp(
        `^warning: Cannot reach Redis at redis://127\\.0\\.0\\.1:${port}: connection (lost|refused); `,
      );
      const withoutLost = (lines: string[]) => lines.filter((line) => !lost.test(line));
      assert.ok(matching(out.stderr, lost).length <= 1, out.stderr.join("\n"));
      assert.deepEqual(withoutLost(out.stderr), [
        `warning: ${text}; the reading is kept and retried`,
        "Redis accepts the password again; sending",
      ]);
      assert.ok(matching(consumer.stderr, lost).length <= 2, consumer.stderr.join("\n"));
      assert.deepEqual(withoutLost(consumer.stderr), [
        `created group ${GROUP} on ${STREAM} starting at 0`,
        `warning: ${text}`,
        "Redis accepts the password again; consuming",
      ]);
      const forwarded = /^forwarded \d+ readings? to app:spooled \(spool_seq \d+\.\.\d+\)$/;
      // A batch Redis stored just before the kill -9 (its reply lost) is found there on the retry
      // and removed from the spool, not added again (checkSpoolForwarded() checks each once).
      const already =
        /^\d+ spooled readings? (was|were) already in app:spooled \(spool_seq \d+\.\.\d+\); removed from the spool$/;
      const left = /^spool: (\d+) readings? still spooled in \.rstream\/spool\.db; /;
      assert.ok(matching(spooled.stderr, lost).length <= 1, spooled.stderr.join("\n"));
      assert.deepEqual(
        withoutLost(spooled.stderr).filter((line) =>
          !forwarded.test(line) && !left.test(line) && !already.test(line)
        ),
        [
          `warning: forwarding: ${text}; the readings stay spooled`,
          "Redis accepts the password again; forwarding spooled readings",
        ],
      );

      // Nothing lost: every add printed is stored, every spooled reading is in Redis (in order)
      // or still in the spool, and the consumer handled everything in the stream.
      const stored = new Set((await admin.range(STREAM)).map((e) => e.id));
      const sent = producedIds(out.stdout);
      assert.deepEqual(sent.filter((id) => !stored.has(id)), [], "printed as sent, not stored");
      const still = Number(spooled.stderr.map((line) => left.exec(line)?.[1]).find(Boolean) ?? 0);
      const seqs = (await admin.range("app:spooled")).map((e) => Number(e.fields.spool_seq));
      checkSpoolForwarded(seqs, spooled.stdout.length, still);
      const figures = await checkDelivered(admin, [...stored], tally([consumer]));
      report("redis-server restarted with another password, then given the old one back", {
        ...figures,
        extra: {
          "producer warnings": matching(out.stderr, /^warning:/).length,
          "consumer warnings": matching(consumer.stderr, /^warning:/).length,
          "spooled readings forwarded": seqs.length,
          "recovery lines": 3,
        },
      });
    });
  },
});
