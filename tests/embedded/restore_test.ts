/**
 * RESTORE on the embedded store: payloads DUMPed by a real redis-server are
 * restored into the embedded store (through `send()` and through `rstream
 * serve`), and every read of the restored keys must answer as Redis answers
 * for the original; RESTORE's errors must be Redis's.
 *
 * @module
 */

import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { createClient } from "@redis/client";
import { openEmbeddedConnection } from "../../lib/embedded/connection.ts";
import { binary, payloadOf } from "./_dump_payloads.ts";
import { serve } from "../../lib/serve/server.ts";
import { ignoreRedis, type RedisServer, startRedis } from "../_redis_server.ts";

const encoder = new TextEncoder();

/** Sends one command over a new socket and returns the reply: a bulk string's bytes, or the line. */
async function rawCommand(
  port: number,
  args: (string | Uint8Array)[],
): Promise<Uint8Array | string> {
  const parts: Uint8Array[] = [encoder.encode(`*${args.length}\r\n`)];
  for (const arg of args) {
    const bytes = typeof arg === "string" ? encoder.encode(arg) : arg;
    parts.push(encoder.encode(`$${bytes.length}\r\n`), bytes, encoder.encode("\r\n"));
  }
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    for (const part of parts) {
      for (let at = 0; at < part.length;) at += await conn.write(part.subarray(at));
    }
    let reply = new Uint8Array(0);
    const buffer = new Uint8Array(65536);
    while (true) {
      const n = await conn.read(buffer);
      if (n === null) throw new Error("closed before the reply");
      const joined = new Uint8Array(reply.length + n);
      joined.set(reply);
      joined.set(buffer.subarray(0, n), reply.length);
      reply = joined;
      const lf = reply.indexOf(10);
      if (lf === -1) continue;
      const line = new TextDecoder().decode(reply.subarray(0, lf - 1));
      if (line[0] !== "$") return line;
      const length = Number(line.slice(1));
      if (reply.length >= lf + 1 + length + 2) return reply.subarray(lf + 1, lf + 1 + length);
    }
  } finally {
    conn.close();
  }
}

/** XINFO STREAM FULL without the radix-tree statistics (the embedded store estimates them). */
function infoWithoutRadixTree(reply: unknown): unknown[] {
  const fields = reply as unknown[];
  return fields.map((v, i) => i % 2 === 1 && /^radix-tree-/.test(String(fields[i - 1])) ? "*" : v);
}

/** Fills Redis with the keys the tests dump: every listpack encoding, several nodes, groups. */
async function fill(redis: (args: string[]) => Promise<unknown>) {
  const send = (...args: string[]) => redis(args);
  const values = [
    "21.5",
    "7",
    "-5",
    "1000",
    "-4000",
    "-30000",
    "-100000",
    "-2000000000",
    "100000",
    "3000000000",
    "-9000000000000",
    "é漢字",
    "x".repeat(300), // compresses: the listpack is LZF-compressed in the payload
    Array.from({ length: 200 }, (_, i) => String.fromCharCode(33 + (i * 37) % 90)).join(""),
    Array.from({ length: 5000 }, (_, i) => String.fromCharCode(33 + (i * i * 7) % 90)).join(""),
  ];
  for (let i = 1; i <= 260; i++) {
    const fields = i % 7 === 0
      ? ["other", values[i % values.length]!, "n", String(i)]
      : ["t", values[i % values.length]!, "h", String(i)];
    await send("XADD", "s", `${1000 + i}-${i % 3}`, ...fields);
  }
  for (const id of ["1003-0", "1010-1", "1011-2", "1150-0", "1260-0"]) await send("XDEL", "s", id);
  await send("XTRIM", "s", "MAXLEN", "=", "240");
  await send("XGROUP", "CREATE", "s", "g1", "0");
  await send("XREADGROUP", "GROUP", "g1", "c1", "COUNT", "30", "STREAMS", "s", ">");
  await send("XREADGROUP", "GROUP", "g1", "c2", "COUNT", "10", "STREAMS", "s", ">");
  const pending = await redis(["XPENDING", "s", "g1", "-", "+", "5"]) as string[][];
  await send("XACK", "s", "g1", ...pending.map((p) => p[0]!));
  await send("XGROUP", "CREATE", "s", "g2", "$");
  await send("XGROUP", "CREATE", "s", "g3", "1100", "ENTRIESREAD", "7");
  await send("XGROUP", "CREATECONSUMER", "s", "g3", "idle");

  for (const id of ["1-1", "9007199254740993-0", "18446744073709551615-18446744073709551614"]) {
    await send("XADD", "big", id, "v", id);
  }
  await send("XGROUP", "CREATE", "big", "g", "0");
  await send("XREADGROUP", "GROUP", "g", "c", "COUNT", "2", "STREAMS", "big", ">");

  await send("XADD", "emptied", "5-5", "a", "1");
  await send("XGROUP", "CREATE", "emptied", "g", "0");
  await send("XDEL", "emptied", "5-5");

  await send("SET", "str", "hello, 世界");
}

/** What the tests use of node-redis (the reference client). */
interface RedisClient {
  sendCommand(args: (string | Buffer)[]): Promise<unknown>;
}

/** Starts a redis-server, fills it with {@linkcode fill}, runs `fn`, and stops it. */
async function withFilledRedis(
  fn: (server: RedisServer, redis: RedisClient) => Promise<void>,
): Promise<void> {
  await using server = await startRedis();
  const redis = createClient({ url: server.url, RESP: 2 });
  await redis.connect();
  try {
    await fill((args) => redis.sendCommand(args));
    await fn(server, { sendCommand: (args) => redis.sendCommand(args) });
  } finally {
    await redis.quit();
  }
}

const KEYS = ["s", "big", "emptied"];

/** The reads compared for each restored stream. */
function reads(key: string): string[][] {
  const reads = [
    ["XRANGE", key, "-", "+"],
    ["XREVRANGE", key, "+", "-", "COUNT", "7"],
    ["XLEN", key],
    ["XINFO", "STREAM", key, "FULL"],
    ["XINFO", "GROUPS", key],
    ["XPENDING", key, "g1"],
    ["XPENDING", key, "g"],
  ];
  return reads;
}

async function outcome(run: () => Promise<unknown>): Promise<unknown> {
  try {
    const reply = await run();
    return reply;
  } catch (error) {
    return { error: (error as Error).message };
  }
}

Deno.test({
  name:
    "RESTORE of Redis's DUMP payloads gives the embedded store the same streams, groups and pending entries",
  ignore: ignoreRedis,
  sanitizeResources: false,
  fn: () =>
    withFilledRedis(async (server, redis) => {
      await using embedded = openEmbeddedConnection(":memory:");
      for (const key of [...KEYS, "str"]) {
        const payload = await rawCommand(server.port, ["DUMP", key]);
        assert.ok(payload instanceof Uint8Array);
        assert.equal(await embedded.send(["RESTORE", key, "0", binary(payload)]), "OK");
      }
      for (const key of KEYS) {
        for (const args of reads(key)) {
          const normalise = args[1] === "STREAM" ? infoWithoutRadixTree : (x: unknown) => x;
          const want = await outcome(async () => normalise(await redis.sendCommand(args)));
          const got = await outcome(async () => normalise(await embedded.send(args)));
          assert.deepEqual(got, want, `${args.join(" ")}`);
        }
      }
      assert.equal(await embedded.send(["GET", "str"]), "hello, 世界");
      // The restored stream goes on as Redis's does: the next ID and the groups' reads.
      for (
        const client of [(a: string[]) => redis.sendCommand(a), (a: string[]) => embedded.send(a)]
      ) {
        await client(["XADD", "s", "2000-*", "after", "restore"]);
      }
      const next = ["XREADGROUP", "GROUP", "g1", "c1", "COUNT", "3", "STREAMS", "s", ">"];
      assert.deepEqual(await embedded.send(next), await redis.sendCommand(next));
      assert.deepEqual(
        infoWithoutRadixTree(await embedded.send(["XINFO", "STREAM", "s"])).slice(0, 12),
        infoWithoutRadixTree(await redis.sendCommand(["XINFO", "STREAM", "s"])).slice(0, 12),
      );
    }),
});

Deno.test({
  name: "RESTORE through rstream serve takes the payload byte for byte",
  ignore: ignoreRedis,
  sanitizeResources: false,
  fn: () =>
    withFilledRedis(async (server, redis) => {
      await using connection = openEmbeddedConnection(":memory:");
      const broker = serve({ connection, port: 0 });
      try {
        for (const key of KEYS) {
          const payload = await rawCommand(server.port, ["DUMP", key]);
          assert.equal(
            await rawCommand(broker.port, ["RESTORE", key, "0", payload as Uint8Array]),
            "+OK",
          );
          assert.deepEqual(
            await connection.send(["XRANGE", key, "-", "+"]),
            await redis.sendCommand(["XRANGE", key, "-", "+"]),
          );
        }
      } finally {
        await broker.close();
      }
    }),
});

Deno.test({
  name: "RESTORE answers Redis's errors, and changes nothing when it refuses",
  ignore: ignoreRedis,
  sanitizeResources: false,
  fn: () =>
    withFilledRedis(async (server, redis) => {
      await using embedded = openEmbeddedConnection(":memory:");
      const payload = binary(await rawCommand(server.port, ["DUMP", "big"]) as Uint8Array);
      const corrupt = payload.slice(0, 20) + String.fromCharCode(payload.charCodeAt(20) ^ 1) +
        payload.slice(21);
      await embedded.send(["SET", "taken", "1"]);
      await redis.sendCommand(["SET", "taken", "1"]);
      const cases = [
        ["RESTORE", "taken", "0", payload],
        ["RESTORE", "fresh", "-1", payload],
        ["RESTORE", "fresh", "x", payload],
        ["RESTORE", "fresh", "0", corrupt],
        ["RESTORE", "fresh", "0", "short"],
        ["RESTORE", "fresh", "0", payload, "NOPE"],
        ["RESTORE", "fresh", "0", payload, "IDLETIME", "-1"],
        ["RESTORE", "fresh", "0", payload, "FREQ", "256"],
        ["RESTORE", "fresh", "0", payload, "IDLETIME", "1", "FREQ", "1"],
        ["RESTORE", "fresh", "0"],
      ];
      for (const args of cases) {
        // node-redis sends strings as UTF-8: give it the payload's bytes.
        const redisArgs = args.map((a) =>
          a === payload || a === corrupt ? Buffer.from(a, "latin1") : a
        );
        const want = await outcome(() => redis.sendCommand(redisArgs));
        const got = await outcome(() => embedded.send(args));
        assert.deepEqual(got, want, args.slice(0, 3).join(" "));
        assert.ok(typeof want === "object" && want !== null && "error" in want, args.join(" "));
      }
      assert.deepEqual(await embedded.send(["KEYS", "*"]), ["taken"]);
      assert.equal(await embedded.send(["GET", "taken"]), "1");

      // What only the embedded store refuses: a TTL (keys never expire here), other types,
      // and a payload whose checksum is right but whose value is cut short.
      await assert.rejects(
        embedded.send(["RESTORE", "fresh", "1000", payload]),
        /^ReplyError: ERR The embedded store does not expire keys \(RESTORE with a TTL\)/,
      );
      await redis.sendCommand(["HSET", "hash", "f", "v"]);
      const hash = binary(await rawCommand(server.port, ["DUMP", "hash"]) as Uint8Array);
      await assert.rejects(
        embedded.send(["RESTORE", "fresh", "0", hash]),
        /ERR the embedded store keeps only strings and streams; this payload holds a hash/,
      );
      const body = Uint8Array.from(
        payload.slice(0, Math.floor((payload.length - 10) / 2)),
        (c) => c.charCodeAt(0),
      );
      const cut = payloadOf(body);
      await assert.rejects(
        embedded.send(["RESTORE", "fresh", "0", binary(cut)]),
        /^ReplyError: ERR Bad data format$/,
      );
      assert.deepEqual(await embedded.send(["KEYS", "*"]), ["taken"]);

      // REPLACE: a string key becomes the stream.
      assert.equal(await embedded.send(["RESTORE", "taken", "0", payload, "REPLACE"]), "OK");
      assert.equal(await embedded.send(["TYPE", "taken"]), "stream");
      assert.equal(await embedded.send(["XLEN", "taken"]), 3);
    }),
});

Deno.test("RESTORE of a Redis 5 payload (no counters) estimates entries-added and entries-read as Redis 7.0 does", async () => {
  // Redis's own test payload (stream-cgroups.tcl): XADD 1-0..6-0, XDEL 3-0, groups g1 and g2,
  // XREADGROUP g1 COUNT 4, XTRIM MAXLEN = 2, DUMPed by Redis 5.
  const legacy =
    "\x0F\x01\x10\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\xC3\x40\x4A\x40\x57\x16\x57\x00\x00\x00\x23\x00\x02\x01\x04\x01\x01\x01\x84\x64\x61\x74\x61\x05\x00\x01\x03\x01\x00\x20\x01\x03\x81\x61\x02\x04\x20\x0A\x00\x01\x40\x0A\x00\x62\x60\x0A\x00\x02\x40\x0A\x00\x63\x60\x0A\x40\x22\x01\x81\x64\x20\x0A\x40\x39\x20\x0A\x00\x65\x60\x0A\x00\x05\x40\x0A\x00\x66\x20\x0A\x00\xFF\x02\x06\x00\x02\x02\x67\x31\x05\x00\x04\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x3E\xF7\x83\x43\x7A\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00\x3E\xF7\x83\x43\x7A\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x3E\xF7\x83\x43\x7A\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x05\x00\x00\x00\x00\x00\x00\x00\x00\x3E\xF7\x83\x43\x7A\x01\x00\x00\x01\x01\x03\x63\x31\x31\x3E\xF7\x83\x43\x7A\x01\x00\x00\x04\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x05\x00\x00\x00\x00\x00\x00\x00\x00\x02\x67\x32\x00\x00\x00\x00\x09\x00\x3D\x52\xEF\x68\x67\x52\x1D\xFA";
  await using embedded = openEmbeddedConnection(":memory:");
  assert.equal(await embedded.send(["RESTORE", "x", "0", legacy]), "OK");
  assert.deepEqual(await embedded.send(["XRANGE", "x", "-", "+"]), [
    ["5-0", ["data", "e"]],
    ["6-0", ["data", "f"]],
  ]);
  const info = await embedded.send(["XINFO", "STREAM", "x", "FULL"]) as unknown[];
  const field = (reply: unknown[], name: string) => reply[reply.indexOf(name) + 1];
  assert.equal(field(info, "max-deleted-entry-id"), "0-0");
  assert.equal(field(info, "entries-added"), 2);
  const [g1, g2] = field(info, "groups") as unknown[][];
  assert.deepEqual([field(g1!, "name"), field(g1!, "entries-read"), field(g1!, "lag")], [
    "g1",
    1,
    1,
  ]);
  assert.deepEqual([field(g2!, "name"), field(g2!, "entries-read"), field(g2!, "lag")], [
    "g2",
    0,
    2,
  ]);
  assert.deepEqual(await embedded.send(["XPENDING", "x", "g1"]), [4, "1-0", "5-0", [[
    "c11",
    "4",
  ]]]);
});
