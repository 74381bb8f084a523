/**
 * `rstream serve` end to end: Redis clients (redis-cli, rstream's Redis
 * connection, a raw socket) on an embedded store, MULTI/EXEC, AUTH, blocking
 * reads of several clients, and what bad input does to one connection and
 * to the others.
 *
 * @module
 */

import assert from "node:assert/strict";
import { openEmbeddedConnection } from "../../lib/embedded/connection.ts";
import { connectRedis } from "../../lib/redis/connection.ts";
import { serve, ServeError } from "../../lib/serve/server.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function started(options: { password?: string } = {}) {
  const connection = openEmbeddedConnection(":memory:");
  const server = serve({ connection, port: 0, ...options });
  return {
    connection,
    server,
    port: server.port,
    async [Symbol.asyncDispose]() {
      await server.close();
      await connection.close();
    },
  };
}

/** A raw TCP client: write bytes, read until `until` matches or the server closes. */
async function raw(port: number) {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  let text = "";
  let closed = false;
  const buffer = new Uint8Array(65536);
  /** The read in flight, kept across calls so no bytes are lost to a timeout. */
  let pending: Promise<number | null> | undefined;
  return {
    conn,
    async send(bytes: string | Uint8Array) {
      await conn.write(typeof bytes === "string" ? encoder.encode(bytes) : bytes);
    },
    /** Reads until `text` matches `until` (or the connection closes); returns all so far. */
    async read(until: RegExp, timeoutMs = 3000): Promise<string> {
      const deadline = Date.now() + timeoutMs;
      while (!until.test(text) && !closed && Date.now() < deadline) {
        pending ??= conn.read(buffer).catch(() => null);
        let timer: ReturnType<typeof setTimeout> | undefined;
        const n = await Promise.race([
          pending,
          new Promise<"timeout">((r) =>
            timer = setTimeout(() => r("timeout"), deadline - Date.now())
          ),
        ]);
        clearTimeout(timer);
        if (n === "timeout") break;
        pending = undefined;
        if (n === null) closed = true;
        else text += decoder.decode(buffer.subarray(0, n));
      }
      return text;
    },
    get closed() {
      return closed;
    },
    close() {
      try {
        conn.close();
      } catch {
        // closed by the server
      }
    },
  };
}

Deno.test("serve() answers redis-cli and rstream's Redis connection on one store", async () => {
  await using s = started();
  await using client = await connectRedis(`redis://127.0.0.1:${s.port}`);
  assert.equal(await client.send(["XADD", "app:event", "1-1", "temp", "0.4"]), "1-1");
  const out = await new Deno.Command("redis-cli", {
    args: ["-p", String(s.port), "XRANGE", "app:event", "-", "+"],
    stdout: "piped",
  }).output();
  assert.equal(decoder.decode(out.stdout), "1-1\ntemp\n0.4\n");
  // The Deno program's own embedded connection sees the same store.
  assert.equal(await s.connection.send(["XLEN", "app:event"]), 1);
});

Deno.test("serve() runs MULTI/EXEC in one transaction and EXECABORT after a bad command", async () => {
  await using s = started();
  const c = await raw(s.port);
  await c.send(
    "MULTI\r\nXADD s 1-1 a 1\r\nLPUSH l x\r\nXLEN s\r\nEXEC\r\nMULTI\r\nXADD s 2-1 a 1\r\nNOSUCH\r\nEXEC\r\n",
  );
  const text = await c.read(/EXECABORT[^\r]*\r\n$/);
  c.close();
  assert.equal(
    text,
    "+OK\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n*3\r\n$3\r\n1-1\r\n:1\r\n:1\r\n" +
      "+OK\r\n+QUEUED\r\n-ERR unknown command 'NOSUCH', with args beginning with: \r\n" +
      "-EXECABORT Transaction discarded because of previous errors.\r\n",
  );
  assert.equal(await s.connection.send(["XLEN", "s"]), 1);
});

Deno.test("serve() wakes each blocked client when another client adds", async () => {
  await using s = started();
  const readers = await Promise.all(
    [1, 2, 3].map(() => connectRedis(`redis://127.0.0.1:${s.port}`)),
  );
  const reads = readers.map((r) => r.sendBlocking(["XREAD", "BLOCK", "5000", "STREAMS", "s", "$"]));
  await new Promise((r) => setTimeout(r, 100));
  await using writer = await connectRedis(`redis://127.0.0.1:${s.port}`);
  assert.equal(await writer.send(["PING"]), "PONG"); // the writer is not blocked by the readers
  await writer.send(["XADD", "s", "5-1", "f", "v"]);
  for (const reply of await Promise.all(reads)) {
    assert.deepEqual(reply, [["s", [["5-1", ["f", "v"]]]]]);
  }
  for (const r of readers) await r.close();
});

Deno.test("serve() refuses a non-loopback address when there is no password", () => {
  const connection = openEmbeddedConnection(":memory:");
  try {
    assert.throws(() => serve({ connection, port: 0, hostname: "0.0.0.0" }), ServeError);
  } finally {
    connection.close();
  }
});

Deno.test("serve() answers each wrong password with one WRONGPASS and NOAUTH before AUTH", async () => {
  await using s = started({ password: "s3cret" });
  const c = await raw(s.port);
  await c.send("XLEN s\r\nAUTH nope\r\nAUTH nope\r\nAUTH s3cret\r\nXLEN s\r\n");
  const text = await c.read(/:0\r\n$/);
  c.close();
  assert.equal(
    text,
    "-NOAUTH Authentication required.\r\n" +
      "-WRONGPASS invalid username-password pair or user is disabled.\r\n" +
      "-WRONGPASS invalid username-password pair or user is disabled.\r\n+OK\r\n:0\r\n",
  );
});

Deno.test("serve() closes only the offending connection when given a protocol error", async () => {
  await using s = started();
  const good = await raw(s.port);
  const cases: [string, RegExp][] = [
    ["*1\r\n$-5\r\n", /^-ERR Protocol error: invalid bulk length\r\n$/],
    ["*1\r\n*1\r\n$4\r\nPING\r\n", /^-ERR Protocol error: arrays nested deeper than 1\r\n$/],
    ["*1\r\n$999999999999\r\n", /^-ERR Protocol error: a reply larger than the limit/],
    ["*1\r\n$x\r\n", /^-ERR Protocol error: invalid number 'x'\r\n$/],
    ["*99999999\r\n", /^-ERR Protocol error: invalid multibulk length\r\n$/],
    ['PING "unbalanced\r\n', /^-ERR Protocol error: unbalanced quotes in request\r\n$/],
  ];
  for (const [input, expected] of cases) {
    const bad = await raw(s.port);
    await bad.send(input);
    const text = await bad.read(/\r\n$/);
    await bad.read(/$^/, 1000); // then the server closes it
    assert.match(text, expected, JSON.stringify(input));
    assert.ok(bad.closed, `still open after ${JSON.stringify(input)}`);
    bad.close();
  }
  await good.send("PING\r\n");
  assert.equal(await good.read(/\r\n$/), "+PONG\r\n");
  good.close();
  assert.equal(await s.connection.send(["DBSIZE"]), 0); // nothing was written
});

Deno.test("serve() keeps serving when fuzzed with random bytes, a stalled half command and 1,000 idle clients", async () => {
  await using s = started();
  const seed = Number(Deno.env.get("RSTREAM_SERVE_FUZZ_SEED") ?? Date.now() % 100000);
  let state = seed;
  const random = () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
  const idle = await Promise.all(
    Array.from({ length: 1000 }, () => Deno.connect({ hostname: "127.0.0.1", port: s.port })),
  );
  const stalled = await raw(s.port);
  await stalled.send("*3\r\n$4\r\nXADD\r\n$1\r\ns\r\n$2"); // half a command, then nothing
  for (let i = 0; i < 200; i++) {
    const c = await raw(s.port);
    const bytes = new Uint8Array(1 + Math.floor(random() * 200));
    for (let j = 0; j < bytes.length; j++) {
      bytes[j] = random() < 0.3
        ? [42, 36, 13, 10, 45, 48][Math.floor(random() * 6)]!
        : Math.floor(random() * 256);
    }
    await c.send(bytes).catch(() => {});
    await c.read(/\r\n$/, 50);
    c.close();
  }
  const good = await raw(s.port);
  await good.send("XADD s 1-1 f v\r\nXLEN s\r\n");
  assert.match(await good.read(/:\d+\r\n$/), /^\$3\r\n1-1\r\n:1\r\n$/, `seed ${seed}`);
  good.close();
  stalled.close();
  for (const c of idle) c.close();
});
