/**
 * rstream through Redis Sentinel (1 master + 1 replica + 3 Sentinels,
 * tests/_redis_sentinel.ts): the master is found by name, and a kill -9 of it
 * is followed to the promoted replica under a producer and a worker.
 */
import assert from "node:assert/strict";
import { consume, openStore } from "../mod.ts";
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
    const stream = "failover:event";
    await store.createGroup(stream, "g", { start: "0", mkStream: true });
    const processed = new Set<string>();
    const acked: string[] = [];
    const errors: unknown[] = [];
    const stop = new AbortController();
    const worker = consume((delivery) => {
      processed.add(delivery.id);
    }, {
      store,
      stream,
      group: "g",
      consumer: "c1",
      count: 100,
      blockMs: 200,
      claimIdleMs: 1000,
      signal: stop.signal,
      onEvent: (event) => {
        if (event.type === "error") errors.push(event.error);
      },
    });
    let sent = 0;
    let killedAt = 0;
    let recoveredAt = 0;
    let producing = true;
    const producer = (async () => {
      for (let n = 0; producing; n++) {
        sent++;
        const started = performance.now();
        try {
          const id = await store.add(stream, { n: String(n) }, {
            replicas: 1,
            replicaTimeoutMs: 500,
          });
          acked.push(id!);
          if (killedAt && started > killedAt && !recoveredAt) recoveredAt = performance.now();
        } catch (error) {
          errors.push(error);
        }
      }
    })();
    await new Promise((r) => setTimeout(r, 300));
    const old = await sentinels.masterPort();
    await sentinels.kill(old);
    killedAt = performance.now();
    const deadline = Date.now() + 20_000;
    while (await sentinels.masterPort() === old && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const failedOverAt = performance.now();
    // Restarted as a supervisor would, as the new master's replica, so that WAIT 1 can be met again.
    await sentinels.restart(old, await sentinels.masterPort());
    while (!recoveredAt && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 300));
    producing = false;
    await producer;
    while (acked.some((id) => !processed.has(id)) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    await new Promise((r) => setTimeout(r, 300));
    stop.abort();
    await worker;
    const lost = acked.filter((id) => !processed.has(id)).length;
    console.log(
      `sentinel failover: sent ${sent}, acked ${acked.length}, processed ${processed.size}, lost ${lost}, recovery ${
        Math.round(recoveredAt - killedAt)
      } ms (failover ${Math.round(failedOverAt - killedAt)} ms), errors ${errors.length}`,
    );
    const kinds = new Map<string, number>();
    for (const error of errors) {
      const line = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      kinds.set(line, (kinds.get(line) ?? 0) + 1);
    }
    for (const [line, n] of kinds) console.log(`  ${n} x ${line}`);
    assert.notEqual(await sentinels.masterPort(), old);
    assert.ok(recoveredAt > 0, "the producer resumed");
    assert.equal(lost, 0);
    assert.equal((await store.pendingSummary(stream, "g")).count, 0);
  },
});
