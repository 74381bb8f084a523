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
