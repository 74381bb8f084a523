/**
 * Redis out of memory (`maxmemory 1` with `maxmemory-policy noeviction`, so
 * every XADD and XGROUP CREATE fails with OOM) under a running producer, a
 * spooling producer and a starting consumer: each warns once, keeps what it
 * has, and prints one line when Redis accepts writes again.
 *
 * @module
 */

import assert from "node:assert/strict";
import { openStore } from "../../lib/open_store.ts";
import { ignoreRedis, startRedis } from "../_redis_server.ts";
import { redisCli, type ScriptProcess, spawnScript } from "../scripts/_scripts.ts";
import {
  assertClean,
  checkSpoolForwarded,
  delay,
  GROUP,
  producedIds,
  report,
  STREAM,
  until,
} from "./_faults.ts";

const OOM =
  "Redis refuses writes: OOM command not allowed when used memory > 'maxmemory' (raise maxmemory, or trim the streams)";

async function setMaxmemory(port: number, bytes: number): Promise<void> {
  assert.deepEqual(await redisCli(port, ["CONFIG", "SET", "maxmemory-policy", "noeviction"]), [
    "OK",
  ]);
  assert.deepEqual(await redisCli(port, ["CONFIG", "SET", "maxmemory", String(bytes)]), ["OK"]);
}

/** Runs `fn` with a private redis-server and a working directory; kills what it started. */
async function withRedis(
  fn: (
    redis: { url: string; port: number },
    spawn: (binary: "rstream-produce" | "rstream-consume", args: string[]) => ScriptProcess,
  ) => Promise<void>,
): Promise<void> {
  const cwd = await Deno.makeTempDir({ prefix: "rstream-faults-" });
  const children: ScriptProcess[] = [];
  let dir: string | undefined;
  try {
    await using redis = await startRedis();
    dir = redis.dir;
    await fn(redis, (binary, args) => {
      const child = spawnScript(binary, args, { cwd });
      children.push(child);
      return child;
    });
  } finally {
    for (const child of children) await child[Symbol.asyncDispose]();
    await Deno.remove(cwd, { recursive: true });
  }
  await assertClean(children.map((c) => c.child.pid), [cwd, dir]);
}

Deno.test({
  name:
    "producer and spooling producer warn once while Redis is out of memory, keep their readings and print one line when it accepts writes again",
  ignore: ignoreRedis,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await withRedis(async (redis, spawn) => {
      const producer = spawn(
        "rstream-produce",
        ["sensor1", "--url", redis.url, "--count", "0", "--interval", "20", "--json"],
      );
      const spooler = spawn("rstream-produce", [
        "sensor2",
        ...["--url", redis.url, "--stream", "app:spooled", "--spool", ".rstream/spool.db"],
        ...["--count", "0", "--interval", "20"],
      ]);
      await until(
        () =>
          producer.stdout.length >= 20 &&
          spooler.stderr.some((line) => line.startsWith("forwarded")),
        "traffic",
      );
      await setMaxmemory(redis.port, 1);
      await until(
        () =>
          producer.stderr.some((l) => l.startsWith("warning:")) &&
          spooler.stderr.some((l) => l.startsWith("warning:")),
        "both to warn",
        10_000,
      );
      const sentWhileFull = producer.stdout.length;
      await delay(1000);
      assert.equal(producer.stdout.length, sentWhileFull, "nothing sent while out of memory");
      await setMaxmemory(redis.port, 0);
      const again = /^Redis accepts writes again; /;
      await until(
        () => [producer, spooler].every((p) => p.stderr.some((line) => again.test(line))),
        "both to say Redis accepts writes again",
        10_000,
      );
      await until(() => producer.stdout.length > sentWhileFull + 10, "sending again");
      producer.kill("SIGTERM");
      spooler.kill("SIGTERM");
      const [out, spooled] = [await producer.done, await spooler.done];
      assert.equal(out.code, 0, out.stderr.join("\n"));
      assert.equal(spooled.code, 0, spooled.stderr.join("\n"));

      assert.deepEqual(out.stderr, [
        `warning: ${OOM}; the reading is kept and retried`,
        "Redis accepts writes again; sending",
      ]);
      const forwarded = /^forwarded \d+ readings? to app:spooled \(spool_seq 1\.\.\d+\)$/;
      const left = /^spool: (\d+) readings? still spooled in \.rstream\/spool\.db; /;
      assert.match(spooled.stderr[0]!, forwarded);
      assert.deepEqual(spooled.stderr.slice(1).filter((line) => !left.test(line)), [
        `warning: forwarding: ${OOM}; the readings stay spooled`,
        "Redis accepts writes again; forwarding spooled readings",
      ]);

      // Nothing lost, nothing twice: an OOM refusal stores nothing, so the retry adds it once.
      await using admin = await openStore(redis.url);
      const ids = (await admin.range(STREAM)).map((e) => e.id);
      assert.deepEqual(ids, producedIds(out.stdout), "the stream holds the IDs printed, once each");
      const still = Number(spooled.stderr.map((line) => left.exec(line)?.[1]).find(Boolean) ?? 0);
      const seqs = (await admin.range("app:spooled")).map((e) => Number(e.fields.spool_seq));
      checkSpoolForwarded(seqs, spooled.stdout.length, still);
      report("Redis out of memory (maxmemory 1, noeviction), then raised", {
        sent: ids.length,
        processed: ids.length,
        acked: ids.length,
        lost: 0,
        extra: { "spooled readings forwarded": seqs.length, "warnings": 2, "recovery lines": 2 },
      });
    });
  },
});

Deno.test({
  name:
    "consumer warns once while Redis is out of memory and cannot create its group, and prints one line when it accepts writes again",
  ignore: ignoreRedis,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await withRedis(async (redis, spawn) => {
      await setMaxmemory(redis.port, 1);
      const consumer = spawn("rstream-consume", [
        GROUP,
        "c1",
        ...["--url", redis.url, "--start-from", "0", "--block", "200", "--json"],
      ]);
      await until(() => consumer.stderr.length > 0, "the warning", 10_000);
      await setMaxmemory(redis.port, 0);
      await until(
        () => consumer.stderr.some((line) => line.startsWith("Redis accepts writes again")),
        "the consumer to say Redis accepts writes again",
        15_000,
      );
      await using admin = await openStore(redis.url);
      const ids = await admin.addMany(STREAM, [{ temp: "0.42" }, { temp: "0.43" }]);
      await until(
        () =>
          ids.every((id) =>
            consumer.stdout.some((l) => l.includes(`"finished"`) && l.includes(id))
          ),
        "the consumer to handle the entries added after",
      );
      consumer.kill("SIGTERM");
      const out = await consumer.done;
      assert.equal(out.code, 0, out.stderr.join("\n"));
      assert.deepEqual(out.stderr, [
        `warning: ${OOM}`,
        `created group ${GROUP} on ${STREAM} starting at 0`,
        "Redis accepts writes again; consuming",
      ]);
      report("Redis out of memory at the consumer's start, then raised", {
        sent: 2,
        processed: 2,
        acked: 2,
        lost: 0,
        extra: { "warnings": 1, "recovery lines": 1 },
      });
    });
  },
});
