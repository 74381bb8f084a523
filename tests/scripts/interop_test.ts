import assert from "node:assert/strict";
import { ignoreRedis, startRedis } from "../_redis_server.ts";
import { redisCli, runScript } from "./_scripts.ts";

async function withRedis(fn: (redis: { url: string; port: number }, cwd: string) => Promise<void>) {
  const cwd = await Deno.makeTempDir({ prefix: "rstream-interop-" });
  try {
    await using redis = await startRedis();
    await fn(redis, cwd);
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
}

Deno.test({
  name: "producer writes flat field/value pairs that redis-cli XRANGE shows as such",
  ignore: ignoreRedis,
  fn: () =>
    withRedis(async (redis, cwd) => {
      const out = await runScript("rstream-produce", ["sensor1", "--url", redis.url], { cwd });
      const id = /^message (\S+) sent$/.exec(out.stdout[0]!)![1]!;
      const lines = await redisCli(redis.port, ["XRANGE", "app:event", "-", "+"]);
      assert.equal(lines.length, 7);
      assert.deepEqual([lines[0], lines[1], lines[2], lines[3], lines[5]], [
        id,
        "sensor_id",
        "sensor1",
        "temp",
        "humidity",
      ]);
      assert.ok(Number(lines[4]) >= 0 && Number(lines[4]) < 1);
      assert.ok(Number(lines[6]) >= 0 && Number(lines[6]) < 1);
    }),
});

Deno.test({
  name: "consumer processes and acks an entry redis-cli XADD wrote",
  ignore: ignoreRedis,
  fn: () =>
    withRedis(async (redis, cwd) => {
      const [id] = await redisCli(redis.port, [
        "XADD",
        "app:event",
        "*",
        "sensor_id",
        "cli",
        "temp",
        "0.25",
        "note",
        "hello world",
      ]);
      const out = await runScript(
        "rstream-consume",
        ["workers", "c1", "--start-from", "0", "--max", "1", "--url", redis.url],
        { cwd },
      );
      assert.equal(out.code, 0, out.stderr.join("\n"));
      assert.deepEqual(out.stdout, [
        "Reading stream...",
        `processing ${id} {"sensor_id":"cli","temp":"0.25","note":"hello world"}`,
        `finished processing ${id}`,
      ]);
      assert.deepEqual(await redisCli(redis.port, ["XPENDING", "app:event", "workers"]), [
        "0",
        "",
        "",
        "",
      ]);
      const groups = await redisCli(redis.port, ["XINFO", "GROUPS", "app:event"]);
      assert.equal(groups[groups.indexOf("last-delivered-id") + 1], id);
    }),
});

Deno.test({
  name: "consumer --reader keeps its checkpoint in a key redis-cli GET reads",
  ignore: ignoreRedis,
  fn: () =>
    withRedis(async (redis, cwd) => {
      const [id] = await redisCli(redis.port, ["XADD", "app:event", "*", "sensor_id", "cli"]);
      const out = await runScript(
        "rstream-consume",
        ["--reader", "r1", "--start-from", "0", "--max", "1", "--url", redis.url],
        { cwd },
      );
      assert.equal(out.code, 0, out.stderr.join("\n"));
      assert.deepEqual(await redisCli(redis.port, ["GET", "r1:lastid"]), [id]);
    }),
});
