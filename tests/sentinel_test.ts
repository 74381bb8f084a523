/**
 * rstream through Redis Sentinel (1 master + 1 replica + 3 Sentinels,
 * tests/_redis_sentinel.ts): the master is found by name, and a kill -9 of it
 * is followed to the promoted replica under a producer and a worker.
 */
import assert from "node:assert/strict";
import { failoverUnderLoad } from "./_failover.ts";
import { openStore } from "../mod.ts";
import { ignoreRedis } from "./_redis_server.ts";
import { startSentinels } from "./_redis_sentinel.ts";

async function xlen(port: number, key: string): Promise<number> {
  const out = await new Deno.Command("redis-cli", {
    args: ["-h", "127.0.0.1", "-p", String(port), "XLEN", key],
    stdout: "piped",
  }).output();
  return Number(new TextDecoder().decode(out.stdout).trim());
}

Deno.test({
  name:
    "openStore() of a redis+sentinel:// URL adds on the named master and follows its kill -9 failover, losing no replicated add",
  ignore: ignoreRedis,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using sentinels = await startSentinels();
    await using store = await openStore(sentinels.url);
    assert.equal(store.displayUrl, sentinels.url);
    await store.add("s", { temp: "0.42" }, { replicas: 1 });
    assert.equal(await xlen(await sentinels.masterPort(), "s"), 1);
    assert.equal(await xlen(sentinels.servers[0]!.port, "s"), 1);

    // The failover: kill -9 of the master under a producer (WAIT 1) and a worker.
    let old = 0;
    await failoverUnderLoad(store, {
      label: "sentinel failover",
      deadlineMs: 20_000,
      kill: async () => {
        old = await sentinels.masterPort();
        await sentinels.kill(old);
      },
      promote: async () => {
        const deadline = Date.now() + 20_000;
        while (await sentinels.masterPort() === old && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 50));
        }
        // Restarted as a supervisor would, as the new master's replica, so that WAIT 1 can be met.
        await sentinels.restart(old, await sentinels.masterPort());
      },
    });
    assert.notEqual(await sentinels.masterPort(), old);
  },
});
