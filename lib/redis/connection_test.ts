// checkRedisUrl() only: it is pure, so these tests need no server.
import assert from "node:assert/strict";
import fc from "fast-check";
import { checkRedisUrl, connectRedis } from "./connection.ts";

/** Runs `fn`, which must throw a TypeError, and returns its message. */
function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof TypeError, `expected a TypeError, got ${error}`);
    return error.message;
  }
  assert.fail("expected a TypeError, nothing was thrown");
}

Deno.test("checkRedisUrl() accepts redis:// with user, password, port and db", () => {
  const url = checkRedisUrl("redis://app:s3cret@db.example:6379/2");
  assert.deepEqual(
    [url.protocol, url.username, url.password, url.hostname, url.port, url.pathname],
    ["redis:", "app", "s3cret", "db.example", "6379", "/2"],
  );
});

Deno.test("checkRedisUrl() accepts rediss:// (TLS)", () => {
  assert.equal(checkRedisUrl("rediss://db.example:6380").protocol, "rediss:");
});

Deno.test("checkRedisUrl() accepts an upper-case scheme", () => {
  assert.equal(checkRedisUrl("REDIS://localhost").protocol, "redis:");
});

Deno.test("checkRedisUrl() accepts no db, an empty db and a numeric db", () => {
  for (
    const url of [
      "redis://localhost",
      "redis://localhost/",
      "redis://localhost/0",
      "redis://localhost:6379/15",
    ]
  ) {
    assert.equal(checkRedisUrl(url).hostname, "localhost");
  }
});

Deno.test("checkRedisUrl() keeps a percent-encoded password encoded", () => {
  assert.equal(checkRedisUrl("redis://:p%40ss%2Fw@localhost").password, "p%40ss%2Fw");
});

Deno.test("checkRedisUrl() rejects another scheme naming it", () => {
  assert.equal(
    messageOf(() => checkRedisUrl("http://localhost:6379")),
    "Unsupported URL scheme 'http:' in 'http://localhost:6379': use redis:// or rediss://",
  );
});

Deno.test("checkRedisUrl() rejects a non-numeric db index naming it", () => {
  assert.equal(
    messageOf(() => checkRedisUrl("redis://localhost:6379/cache")),
    "Invalid database index 'cache' in 'redis://localhost:6379/cache': expected a number like /0",
  );
});

Deno.test("checkRedisUrl() rejects a nested db path", () => {
  assert.match(
    messageOf(() => checkRedisUrl("redis://localhost/0/1")),
    /^Invalid database index '0\/1'/,
  );
});

Deno.test("checkRedisUrl() rejects a negative db index", () => {
  assert.match(
    messageOf(() => checkRedisUrl("redis://localhost/-1")),
    /^Invalid database index '-1'/,
  );
});

Deno.test("checkRedisUrl() rejects text that is not a URL naming it", () => {
  assert.equal(
    messageOf(() => checkRedisUrl("localhost:6379")),
    "Unsupported URL scheme 'localhost:' in 'localhost:6379': use redis:// or rediss://",
  );
  assert.equal(
    messageOf(() => checkRedisUrl("not a url")),
    "Invalid Redis URL 'not a url': expected one like redis://127.0.0.1:6379/0, with a user and password (percent-encoded) before the host",
  );
});

Deno.test("checkRedisUrl() rejects a bad port", () => {
  assert.match(
    messageOf(() => checkRedisUrl("redis://localhost:99999")),
    /^Invalid Redis URL 'redis:\/\/localhost:99999'/,
  );
});

Deno.test("checkRedisUrl() hides the password when the scheme is wrong", () => {
  const message = messageOf(() => checkRedisUrl("http://app:s3cret@localhost"));
  assert.equal(
    message,
    "Unsupported URL scheme 'http:' in 'http://localhost': use redis:// or rediss://",
  );
});

Deno.test("checkRedisUrl() hides the password when the db index is wrong", () => {
  const message = messageOf(() => checkRedisUrl("redis://app:s3cret@localhost/cache"));
  assert.doesNotMatch(message, /s3cret/);
  assert.match(message, /'redis:\/\/localhost\/cache'/);
});

Deno.test("checkRedisUrl() hides the password when the port is wrong", () => {
  assert.doesNotMatch(
    messageOf(() => checkRedisUrl("redis://app:s3cret@localhost:port")),
    /s3cret/,
  );
});

Deno.test("checkRedisUrl() hides a raw password holding / (as base64 ones do)", () => {
  // The / ends the authority: "default" becomes the host and "ab" the port.
  const message = messageOf(() => checkRedisUrl("redis://default:ab/cd+ef==@db.example:6379"));
  assert.equal(
    message,
    "Invalid Redis URL 'redis://db.example:6379': expected one like redis://127.0.0.1:6379/0, with a user and password (percent-encoded) before the host",
  );
});

Deno.test("checkRedisUrl() hides a raw password that makes an @ land in the path", () => {
  // "12" parses as a port, so "/34@db.example" is the path.
  const message = messageOf(() => checkRedisUrl("redis://app:12/34@db.example"));
  assert.doesNotMatch(message, /12|34/);
  assert.match(message, /percent-encode '\/', '\?', '#' and '@'/);
});

Deno.test("checkRedisUrl() hides a raw password that makes an @ land in the query", () => {
  assert.doesNotMatch(messageOf(() => checkRedisUrl("redis://app:12?34@db.example")), /12\?34/);
});

Deno.test("checkRedisUrl() hides a password after a scheme without //", () => {
  assert.doesNotMatch(messageOf(() => checkRedisUrl("redis:app:s3cret@db.example")), /s3cret/);
});

Deno.test("checkRedisUrl() never shows a password in its message", () => {
  // The marker keeps the password from matching other text of the message by chance.
  const password = fc.string({ unit: "grapheme", minLength: 1, maxLength: 16 }).map((s) =>
    `Pw!${s}`
  );
  const badUrl = fc.constantFrom(
    (userinfo: string) => `http://${userinfo}@localhost:6379`,
    (userinfo: string) => `redis://${userinfo}@localhost/cache`,
    (userinfo: string) => `redis://${userinfo}@localhost:port`,
    (userinfo: string) => `ftp://${userinfo}@localhost/0`,
  );
  fc.assert(
    fc.property(password, fc.boolean(), badUrl, (secret, encode, makeUrl) => {
      const shown = encode ? encodeURIComponent(secret) : secret;
      const message = messageOf(() => checkRedisUrl(makeUrl(`app:${shown}`)));
      assert.ok(!message.includes(shown), message);
      assert.ok(!message.includes(secret), message);
    }),
    { numRuns: 200 },
  );
});

Deno.test("connectRedis() fails within connectTimeoutMs when the server accepts but never answers", async () => {
  // A listener that accepts connections and never replies: a hung server.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const held: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const conn of listener) held.push(conn);
  })();
  const { port } = listener.addr as Deno.NetAddr;
  const started = performance.now();
  try {
    await assert.rejects(
      connectRedis(`redis://app:s3cret@127.0.0.1:${port}`, { connectTimeoutMs: 300 }),
      (error: Error) => {
        assert.equal(error.name, "ConnectionError");
        assert.ok(!error.message.includes("s3cret"), error.message);
        return true;
      },
    );
    assert.ok(performance.now() - started < 2000);
  } finally {
    listener.close();
    await accepting.catch(() => {});
    for (const conn of held) conn.close();
  }
});
