/**
 * Differential tests: random sequences of stream commands run against a real
 * redis-server and against the embedded store; every reply and error text
 * must be the same.
 *
 * Only what must differ is normalised: IDs made from the clock (`*`) are
 * replaced by their order of appearance, idle and delivery times by
 * "recent"/"old", and XINFO's radix-tree statistics are dropped. The server
 * runs with `stream-node-max-entries 1` on both, which makes approximate
 * (`~`) trimming remove one-entry nodes, on Redis as in the embedded store.
 *
 * Replay a failure with `RSTREAM_DIFF_SEED=<seed> RSTREAM_DIFF_PATH=<path>`
 * (both printed by fast-check); `RSTREAM_DIFF_RUNS` sets the number of runs.
 *
 * @module
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { createClient } from "@redis/client";
import type { RedisReply } from "../lib/connection.ts";
import { openEmbeddedConnection } from "../lib/embedded/connection.ts";
import { ignoreRedis, startRedis } from "./_redis_server.ts";
import { commandsArbitrary, preludeArbitrary } from "./embedded/_command_arbitrary.ts";

type Outcome = { reply: unknown } | { error: string };

const OLD_MS = 60_000;

/** Normalises what legitimately differs between the two backends. */
function normalise(
  args: readonly string[],
  outcome: Outcome,
  ids: Map<string, string>,
  now: number,
) {
  if ("error" in outcome) {
    // Redis 7.0 answers `XADD k <ms>-*` after the ID `<ms>-(2^64-1)` with a stale errno's text;
    // later Redis, like the embedded store, says the ID is not above the top item.
    const staleErrno = outcome.error === "ERR Elements are too large to be stored" &&
      args[0]?.toUpperCase() === "XADD" && args.some((a) => /^\d+-\*$/.test(a));
    return staleErrno
      ? {
        error: "ERR The ID specified in XADD is equal or smaller than the target stream top item",
      }
      : outcome;
  }
  const autoIds = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(autoIds);
    if (typeof value === "string") {
      const match = /^(\d+)-(\d+)$/.exec(value);
      if (match && match[1].length >= 12 && match[1].length <= 13) { // a clock reading in ms
        if (!ids.has(value)) ids.set(value, `auto#${ids.size}`);
        return ids.get(value);
      }
    }
    return value;
  };
  const age = (ms: unknown) => (typeof ms === "number" ? (ms < OLD_MS ? "recent" : "old") : ms);
  const since = (time: unknown) => (typeof time === "number" ? age(now - time) : time);
  let reply = outcome.reply;
  const command = args.map((a) => a.toUpperCase());
  if (command[0] === "XPENDING" && args.length > 3 && Array.isArray(reply)) {
    reply = reply.map((row) => Array.isArray(row) ? [row[0], row[1], age(row[2]), row[3]] : row);
  }
  if (command[0] === "XINFO" && Array.isArray(reply)) {
    const mapFields = (fields: unknown[], fn: (key: string, value: unknown) => unknown) =>
      fields.map((v, i) => (i % 2 === 1 ? fn(String(fields[i - 1]), v) : v));
    if (command[1] === "CONSUMERS") {
      reply = reply.map((c) =>
        Array.isArray(c) ? mapFields(c, (k, v) => (k === "idle" ? age(v) : v)) : c
      );
    } else if (command[1] === "STREAM") {
      reply = mapFields(reply, (k, v) => {
        if (k === "radix-tree-keys" || k === "radix-tree-nodes") return "*";
        if (k !== "groups" || !Array.isArray(v)) return v;
        return v.map((g) =>
          mapFields(g as unknown[], (gk, gv) => {
            if (gk === "pending" && Array.isArray(gv)) {
              return gv.map((p) => [p[0], p[1], since(p[2]), p[3]]);
            }
            if (gk === "consumers" && Array.isArray(gv)) {
              return gv.map((c) =>
                mapFields(c as unknown[], (ck, cv) => {
                  if (ck === "seen-time") return since(cv);
                  if (ck === "pending" && Array.isArray(cv)) {
                    return cv.map((p) => [p[0], since(p[1]), p[2]]);
                  }
                  return cv;
                })
              );
            }
            return gv;
          })
        );
      });
    }
  }
  if ((command[0] === "KEYS") && Array.isArray(reply)) reply = [...reply].sort();
  if (command[0] === "SCAN" && Array.isArray(reply)) {
    reply = ["cursor", [...(reply[1] as string[])].sort()];
  }
  return { reply: autoIds(reply) };
}

async function outcomeOf(run: () => Promise<RedisReply | unknown>): Promise<Outcome> {
  try {
    return { reply: await run() };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

Deno.test({
  name: "openEmbeddedConnection() answers like redis-server for random stream command sequences",
  ignore: ignoreRedis,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using redis = await startRedis();
    const client = createClient({ url: redis.url, RESP: 2 });
    client.on("error", () => {});
    await client.connect();
    try {
      await client.sendCommand(["CONFIG", "SET", "stream-node-max-entries", "1"]);
      const seed = Deno.env.get("RSTREAM_DIFF_SEED");
      const path = Deno.env.get("RSTREAM_DIFF_PATH");
      await fc.assert(
        fc.asyncProperty(preludeArbitrary, commandsArbitrary(50), async (prelude, commands) => {
          await client.sendCommand(["FLUSHALL"]);
          await using embedded = openEmbeddedConnection(":memory:");
          // The same node size on both: `~` then trims whole one-entry nodes on each.
          await embedded.send(["CONFIG", "SET", "stream-node-max-entries", "1"]);
          const redisIds = new Map<string, string>();
          const embeddedIds = new Map<string, string>();
          const ran: (readonly string[])[] = [];
          for (const args of [...prelude, ...commands]) {
            if (args === null) continue;
            ran.push(args);
            const expected = await outcomeOf(() => client.sendCommand([...args]));
            const actual = await outcomeOf(() => embedded.send(args));
            const now = Date.now();
            const want = normalise(args, expected, redisIds, now);
            const got = normalise(args, actual, embeddedIds, now);
            try {
              assert.deepEqual(got, want);
            } catch {
              throw new Error(
                `The replies to ${JSON.stringify(args)} differ\n` +
                  `  redis:    ${JSON.stringify(want)}\n  embedded: ${JSON.stringify(got)}\n` +
                  `after:\n${ran.slice(0, -1).map((a) => `  ${a.join(" ")}`).join("\n")}`,
              );
            }
          }
        }),
        {
          numRuns: Number(Deno.env.get("RSTREAM_DIFF_RUNS") ?? 500),
          ...(seed ? { seed: Number(seed) } : {}),
          ...(path ? { path } : {}),
          endOnFailure: false,
        },
      );
    } finally {
      await client.close();
    }
  },
});
