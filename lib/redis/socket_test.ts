// The Redis connection against real servers (tests/_redis_server.ts) and, for
// wire faults only, against fakes made with Deno.listen.
import assert from "node:assert/strict";
import { ConnectionError, ReplyError } from "../errors.ts";
import { ignoreRedis, startRedis } from "../../tests/_redis_server.ts";
import { connectRedis } from "./connection.ts";

const redisTest = (name: string, fn: () => Promise<void>) =>
  Deno.test({ name, ignore: ignoreRedis, sanitizeResources: false, sanitizeOps: false, fn });

/** A fake server: `answer` gets each connection. */
function fake(answer: (conn: Deno.Conn) => Promise<void>) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns: Deno.Conn[] = [];
  const serving = (async () => {
    for await (const conn of listener) {
      conns.push(conn);
      answer(conn).catch(() => {});
    }
  })().catch(() => {});
  return {
    url: `redis://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`,
    async [Symbol.asyncDispose]() {
      listener.close();
      await serving;
      for (const conn of conns) {
        try {
          conn.close();
        } catch { /* closed by the test */ }
      }
    },
  };
}

async function readSome(conn: Deno.Conn): Promise<string> {
  const buffer = new Uint8Array(65536);
  const n = await conn.read(buffer);
  return n === null ? "" : new TextDecoder().decode(buffer.subarray(0, n));
}

async function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms: a hang`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

redisTest("send() calls issued in one tick get their own replies, in order", async () => {
  await using redis = await startRedis();
  await using connection = await connectRedis(redis.url);
  const replies = await Promise.all(
    Array.from(
      { length: 2000 },
      (_, i) => i % 2 ? connection.send(["INCR", "n"]) : connection.send(["ECHO", `m${i}`]),
    ),
  );
  assert.deepEqual(
    replies,
    Array.from({ length: 2000 }, (_, i) => i % 2 ? (i + 1) / 2 : `m${i}`),
  );
});

Deno.test("send() calls issued in one tick go out in one write", async () => {
  const writes: string[] = [];
  await using server = fake(async (conn) => {
    // connectRedis() asks HELLO 2 first (cluster mode?): answer as a Redis older than 6 does.
    assert.equal(await readSome(conn), "*2\r\n$5\r\nHELLO\r\n$1\r\n2\r\n");
    await conn.write(
      new TextEncoder().encode("-ERR unknown command 'HELLO'\r\n"),
    );
    writes.push(await readSome(conn));
    await conn.write(new TextEncoder().encode("+a\r\n+b\r\n:3\r\n"));
    writes.push(await readSome(conn));
  });
  await using connection = await connectRedis(server.url);
  const replies = await within(
    2000,
    Promise.all([
      connection.send(["ECHO", "a"]),
      connection.send(["ECHO", "b"]),
      connection.send(["INCR", "n"]),
    ]),
  );
  assert.deepEqual(replies, ["a", "b", 3]);
  assert.equal(
    writes[0],
    "*2\r\n$4\r\nECHO\r\n$1\r\na\r\n*2\r\n$4\r\nECHO\r\n$1\r\nb\r\n*2\r\n$4\r\nINCR\r\n$1\r\nn\r\n",
  );
});

redisTest("pipeline() settles once with every reply and error replies in place", async () => {
  await using redis = await startRedis();
  await using connection = await connectRedis(redis.url);
  const replies = await connection.pipeline([
    ["SET", "k", "v"],
    ["XADD", "s", "not-an-id", "a", "1"],
    ["GET", "k"],
  ]);
  assert.equal(replies[0], "OK");
  assert.ok(replies[1] instanceof ReplyError);
  assert.match((replies[1] as ReplyError).message, /^ERR Invalid stream ID/);
  assert.equal(replies[2], "v");
  await assert.rejects(connection.send(["NOSUCHCOMMAND"]), ReplyError);
});

Deno.test("a server that is not Redis (HTTP) fails the command with one ConnectionError, no hang", async () => {
  await using server = fake(async (conn) => {
    await readSome(conn);
    await conn.write(new TextEncoder().encode("HTTP/1.1 400 Bad Request\r\n\r\n"));
    conn.close();
  });
  await using connection = await connectRedis(server.url, { commandTimeoutMs: 0 });
  const error = await within(2000, connection.send(["PING"]).then(() => undefined, (e) => e));
  assert.ok(error instanceof ConnectionError, String(error));
  assert.equal(
    error.message,
    `Cannot talk to ${server.url}: Protocol error, got "H" as reply type byte (it sent 'HTTP/1.1 400 Bad Request'); is this the port of a Redis server?`,
  );
  // The socket was replaced: the next command meets the same server, and the same error.
  await assert.rejects(within(2000, connection.send(["PING"])), ConnectionError);
});

Deno.test("connectRedis() with a password fails in one line when the server speaks HTTP", async () => {
  await using server = fake(async (conn) => {
    await readSome(conn);
    await conn.write(new TextEncoder().encode("HTTP/1.1 400 Bad Request\r\n\r\n"));
  });
  const url = server.url.replace("//", "//app:s3cret@");
  const error = await within(2000, connectRedis(url).then(() => undefined, (e) => e));
  assert.ok(error instanceof ConnectionError, String(error));
  assert.match(error.message, /is this the port of a Redis server\?$/);
  assert.doesNotMatch(error.message, /s3cret|\n/);
});

Deno.test("a connection closed in the middle of a reply fails the command, no hang", async () => {
  await using server = fake(async (conn) => {
    await readSome(conn);
    await conn.write(new TextEncoder().encode("$10\r\n01234"));
    conn.close();
  });
  await using connection = await connectRedis(server.url, { commandTimeoutMs: 0 });
  const error = await within(2000, connection.send(["GET", "k"]).then(() => undefined, (e) => e));
  assert.ok(error instanceof ConnectionError, String(error));
  assert.match(error.message, /connection closed in the middle of a reply/);
});

redisTest(
  "a reply larger than maxReplyBytes fails, and the next command works on a new socket",
  async () => {
    await using redis = await startRedis();
    await using connection = await connectRedis(redis.url, { maxReplyBytes: 10_000 });
    await connection.send(["SET", "big", "x".repeat(50_000)]);
    const error = await connection.send(["GET", "big"]).then(() => undefined, (e) => e);
    assert.ok(error instanceof ConnectionError, String(error));
    assert.match(error.message, /larger than the limit of 10000 bytes \(maxReplyBytes\)/);
    assert.equal(await within(5000, connection.send(["STRLEN", "big"])), 50_000);
  },
);

redisTest("the connection reconnects by itself after CLIENT KILL", async () => {
  await using redis = await startRedis();
  await using connection = await connectRedis(redis.url, { clientName: "victim" });
  await using admin = await connectRedis(redis.url);
  await connection.send(["SET", "k", "1"]);
  assert.equal(await admin.send(["CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"]), 1);
  const deadline = Date.now() + 5000;
  let value: unknown;
  while (Date.now() < deadline) {
    try {
      value = await connection.send(["GET", "k"]);
      break;
    } catch (error) {
      assert.ok(error instanceof ConnectionError, String(error));
    }
  }
  assert.equal(value, "1");
  assert.match(String(await admin.send(["CLIENT", "LIST"])), /name=victim/);
});

redisTest(
  "sendBlocking() returns null promptly when its signal aborts, and the main socket still works",
  async () => {
    await using redis = await startRedis();
    await using connection = await connectRedis(redis.url);
    const controller = new AbortController();
    const reading = connection.sendBlocking(
      ["XREAD", "BLOCK", "0", "STREAMS", "s", "$"],
      { signal: controller.signal },
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(await connection.send(["PING"]), "PONG", "not blocked behind the read");
    const started = performance.now();
    controller.abort();
    assert.equal(await within(1000, reading), null);
    assert.ok(performance.now() - started < 500);
  },
);

redisTest("close() fails commands that wait for a reconnect and ends promptly", async () => {
  await using redis = await startRedis();
  const connection = await connectRedis(redis.url);
  await redis.stop();
  const pending = connection.send(["PING"]).then(() => undefined, (e) => e);
  await within(3000, connection.close());
  assert.ok(await within(3000, pending) instanceof ConnectionError);
});

redisTest(
  "a command with an argument that is not a string fails alone, the others go on",
  async () => {
    await using redis = await startRedis();
    await using connection = await connectRedis(redis.url);
    const [good, bad, after] = await Promise.allSettled([
      connection.send(["ECHO", "a"]),
      connection.send(["SET", "k", 1 as unknown as string]),
      connection.pipeline([["ECHO", "b"]]),
    ]);
    assert.deepEqual(good, { status: "fulfilled", value: "a" });
    assert.equal(bad.status, "rejected");
    assert.ok((bad as PromiseRejectedResult).reason instanceof TypeError);
    assert.deepEqual(after, { status: "fulfilled", value: ["b"] });
  },
);

Deno.test("connectRedis() with rediss:// fails at once in one line when the peer answers in plaintext", async () => {
  // A plaintext Redis answers a TLS ClientHello that holds a newline with an error reply.
  await using server = fake(async (conn) => {
    await readSome(conn);
    await conn.write(new TextEncoder().encode("-ERR unknown command\r\n"));
  });
  const url = server.url.replace("redis://", "rediss://app:s3cret@");
  const shown = server.url.replace("redis://", "rediss://");
  const error = await within(1000, connectRedis(url).then(() => undefined, (e) => e));
  assert.ok(error instanceof ConnectionError, String(error));
  assert.equal(
    error.message,
    `TLS handshake with ${shown} failed: the server did not answer in TLS (is it a plaintext port? then use ${server.url})`,
  );
});
