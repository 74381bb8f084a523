import assert from "node:assert/strict";
import { openStore } from "../../lib/open_store.ts";
import { ConsumerMetrics } from "../../lib/ops/mod.ts";
import { ignoreRedis, startRedis } from "../_redis_server.ts";
import { redisCli } from "../scripts/_scripts.ts";
import { waitFor } from "../_backends.ts";

Deno.test({
  name: "ConsumerMetrics.snapshot() counts a reconnect when redis-server kills the connection",
  ignore: ignoreRedis,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using redis = await startRedis();
    await using store = await openStore(redis.url);
    const metrics = new ConsumerMetrics({ stream: "s", group: "g", consumer: "c1" });
    const watched = metrics.watch(store);
    await watched.add("s", { a: "1" });
    assert.equal(metrics.snapshot().reconnects, 0);
    const killed = await redisCli(redis.port, [
      "CLIENT",
      "KILL",
      "TYPE",
      "normal",
      "SKIPME",
      "yes",
    ]);
    assert.deepEqual(killed, ["1"]);
    await waitFor(async () => {
      await watched.len("s").catch(() => {});
      return metrics.snapshot().reconnects === 1;
    }, { what: "one reconnect", timeoutMs: 5000 });
    assert.equal(await watched.len("s"), 1);
    assert.match(
      metrics.registry.render(),
      /^rstream_consumer_reconnects_total\{stream="s",group="g"\} 1$/m,
    );
  },
});

Deno.test({
  name:
    "ConsumerMetrics.watch() is unhealthy while redis-server refuses the password after a reconnect, and healthy once it accepts it",
  ignore: ignoreRedis,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using redis = await startRedis({ args: ["--requirepass", "old"] });
    const url = redis.url.replace("redis://", "redis://:old@");
    await using store = await openStore(url);
    const metrics = new ConsumerMetrics({ stream: "s", group: "g", consumer: "c1" });
    const watched = metrics.watch(store);
    await watched.add("s", { a: "1" });
    assert.equal(metrics.health.isHealthy, true);
    const cli = (password: string, args: string[]) =>
      redisCli(redis.port, ["-a", password, "--no-auth-warning", ...args]);
    assert.deepEqual(await cli("old", ["CONFIG", "SET", "requirepass", "new"]), ["OK"]);
    await cli("new", ["CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"]);
    await waitFor(async () => {
      await watched.len("s").catch(() => {});
      return !metrics.health.isHealthy;
    }, { what: "unhealthy while the password is refused", timeoutMs: 10_000 });
    assert.match(metrics.health.health().reason, /^unhealthy: .*refused the password/);
    assert.deepEqual(await cli("new", ["CONFIG", "SET", "requirepass", "old"]), ["OK"]);
    await waitFor(async () => {
      await watched.len("s").catch(() => {});
      return metrics.health.isHealthy;
    }, { what: "healthy once the password is accepted", timeoutMs: 10_000 });
    assert.equal(await watched.len("s"), 1);
  },
});
