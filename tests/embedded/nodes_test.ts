/**
 * Approximate trimming by whole nodes, the embedded store against a real
 * redis-server with the same commands and node sizes.
 *
 * @module
 */

import assert from "node:assert/strict";
import { createClient } from "@redis/client";
import { openEmbeddedConnection } from "../../lib/embedded/connection.ts";
import { ignoreRedis, startRedis } from "../_redis_server.ts";

const SEQUENCES: [string, (readonly string[])[]][] = [
  ["XADD MAXLEN ~ 555 over 1,000 adds", [
    ...Array.from(
      { length: 1000 },
      (_, j) => ["XADD", "s", "MAXLEN", "~", "555", `${j + 1}-1`, "x", String(j)],
    ),
  ]],
  ["XTRIM MAXLEN ~ with LIMIT and with LIMIT 0", [
    ...Array.from({ length: 1000 }, (_, j) => ["XADD", "s", `${j + 1}-1`, "x", String(j)]),
    ["XTRIM", "s", "MAXLEN", "~", "10", "LIMIT", "250"],
    ["XTRIM", "s", "MAXLEN", "~", "10", "LIMIT", "0"],
  ]],
  ["XDEL inside nodes, then XTRIM MINID ~ and node size 10", [
    ["CONFIG", "SET", "stream-node-max-entries", "10"],
    ...Array.from({ length: 95 }, (_, j) => ["XADD", "s", `${j + 1}-1`, "x", String(j)]),
    ...Array.from({ length: 8 }, (_, j) => ["XDEL", "s", `${j * 3 + 1}-1`]),
    ["XTRIM", "s", "MINID", "~", "25"],
    ["XTRIM", "s", "MAXLEN", "=", "60"],
    ["XTRIM", "s", "MAXLEN", "~", "31"],
  ]],
];

for (const [what, commands] of SEQUENCES) {
  Deno.test({
    name: `trimming with ~ leaves what redis-server leaves when ${what}`,
    ignore: ignoreRedis,
    async fn() {
      await using redis = await startRedis();
      const client = createClient({ url: redis.url, RESP: 2 });
      client.on("error", () => {});
      await client.connect();
      try {
        await using embedded = openEmbeddedConnection(":memory:");
        for (const args of commands) {
          const expected = await client.sendCommand([...args]);
          const actual = await embedded.send(args);
          assert.deepEqual(actual, expected, args.join(" "));
        }
        assert.equal(await embedded.send(["XLEN", "s"]), await client.sendCommand(["XLEN", "s"]));
        assert.deepEqual(
          await embedded.send(["XRANGE", "s", "-", "+", "COUNT", "1"]),
          await client.sendCommand(["XRANGE", "s", "-", "+", "COUNT", "1"]),
        );
      } finally {
        await client.quit().catch(() => {});
      }
    },
  });
}
