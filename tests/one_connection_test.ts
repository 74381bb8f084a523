// One-shot commands on Redis: the CLI and the producer open one connection and close it.
import assert from "node:assert/strict";
import { ignoreRedis, startRedis } from "./_redis_server.ts";
import { redisCli, runScript } from "./scripts/_scripts.ts";
import { runCli } from "./shell/_cli.ts";

async function connectionsReceived(port: number): Promise<number> {
  const line = (await redisCli(port, ["INFO", "stats"]))
    .find((l) => l.startsWith("total_connections_received:"))!;
  return Number(line.split(":")[1]);
}

Deno.test({
  name: "a one-shot CLI add and a one-reading producer run each open one Redis connection",
  ignore: ignoreRedis,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using redis = await startRedis();
    const cwd = await Deno.makeTempDir({ prefix: "rstream-one-connection-" });
    try {
      const before = await connectionsReceived(redis.port);
      const cli = await runCli(["xadd", "app:event", "*", "a", "1"], { url: redis.url });
      assert.equal(cli.code, 0, cli.stderr);
      const afterCli = await connectionsReceived(redis.port);
      assert.equal(afterCli - before - 1, 1, "connections of one CLI add"); // -1: the INFO itself
      const produce = await runScript("rstream-produce", ["sensor1", "--url", redis.url], { cwd });
      assert.equal(produce.code, 0, produce.stderr.join("\n"));
      const afterProducer = await connectionsReceived(redis.port);
      assert.equal(afterProducer - afterCli - 1, 1, "connections of one producer reading");
      // Both closed theirs: only redis-cli's own connection is left, and it is gone too.
      const clients = (await redisCli(redis.port, ["CLIENT", "LIST"])).filter(Boolean);
      assert.equal(clients.length, 1, clients.join("\n"));
    } finally {
      await Deno.remove(cwd, { recursive: true });
    }
  },
});
