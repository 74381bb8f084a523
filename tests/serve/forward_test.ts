/**
 * `rstream serve --forward`: the served streams copied to a real
 * redis-server with the same IDs, exactly once across a restart.
 *
 * @module
 */

import assert from "node:assert/strict";
import { openEmbeddedConnection } from "../../lib/embedded/connection.ts";
import { connectRedis } from "../../lib/redis/connection.ts";
import { forwardStreams } from "../../lib/serve/forward.ts";
import { ignoreRedis, startRedis } from "../_redis_server.ts";

async function until(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 20));
  }
}

Deno.test({
  name: "forwardStreams() copies each stream with the same IDs and no duplicates when restarted",
  ignore: ignoreRedis,
  async fn() {
    await using redis = await startRedis();
    await using local = openEmbeddedConnection(":memory:");
    await using central = await connectRedis(redis.url);
    for (let i = 1; i <= 5; i++) await local.send(["XADD", "app:event", `${i}-1`, "n", String(i)]);
    await local.send(["SET", "not-a-stream", "x"]);
    const forwardUntil = async (length: number) => {
      const stop = new AbortController();
      const running = forwardStreams(local, { url: redis.url, signal: stop.signal, pollMs: 20 });
      await until(async () => (await central.send(["XLEN", "app:event"])) === length);
      stop.abort();
      await running;
    };
    await forwardUntil(5);
    await local.send(["XADD", "app:event", "6-1", "n", "6"]); // added while not forwarding
    await forwardUntil(6); // a restart starts from the central stream's last ID
    const ids = (await central.send(["XRANGE", "app:event", "-", "+"]) as [string, string[]][])
      .map(([id]) => id);
    assert.deepEqual(ids, ["1-1", "2-1", "3-1", "4-1", "5-1", "6-1"]);
    assert.equal(await central.send(["EXISTS", "not-a-stream"]), 0);
  },
});
