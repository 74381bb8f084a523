import assert from "node:assert/strict";
import { AuthenticationError, ConnectionError, openStore } from "../mod.ts";
import { freePort, ignoreRedis, startRedis } from "./_redis_server.ts";

const redisTest = (name: string, fn: () => Promise<void>) =>
  Deno.test({ name, ignore: ignoreRedis, sanitizeResources: false, sanitizeOps: false, fn });

redisTest("openStore() selects the database index given in the URL path", async () => {
  await using redis = await startRedis();
  await using db2 = await openStore(`${redis.url}/2`);
  await db2.add("s", { a: "1" });
  await using db0 = await openStore(redis.url);
  assert.equal(await db0.len("s"), 0);
  assert.equal(await db2.len("s"), 1);
  assert.match(String(await db2.command(["CLIENT", "INFO"])), / db=2 /);
});

redisTest("openStore() authenticates an ACL user from the URL and from REDIS_URL", async () => {
  await using redis = await startRedis();
  await using admin = await openStore(redis.url);
  await admin.command(["ACL", "SETUSER", "app", "on", ">s3cret pass", "~app:*", "+@all"]);
  const url = `redis://app:${encodeURIComponent("s3cret pass")}@127.0.0.1:${redis.port}`;
  await using store = await openStore(url);
  await store.add("app:event", { a: "1" });
  assert.equal(await store.command(["ACL", "WHOAMI"]), "app");
  await using fromEnv = await openStore(undefined, {
    env: (name) => (name === "REDIS_URL" ? url : undefined),
  });
  assert.equal(fromEnv.backend, "redis");
  assert.equal(await fromEnv.len("app:event"), 1);
  assert.equal(fromEnv.displayUrl, `redis://127.0.0.1:${redis.port}`);
});

redisTest("openStore() fails in one line without the password when it is wrong", async () => {
  await using redis = await startRedis();
  await using admin = await openStore(redis.url);
  await admin.command(["ACL", "SETUSER", "app", "on", ">right", "+@all", "~*"]);
  const error = await openStore(`redis://app:wrong-hunter2@127.0.0.1:${redis.port}`).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(error instanceof AuthenticationError);
  assert.equal(
    error.message,
    `Authentication failed for redis://127.0.0.1:${redis.port}: the server refused the user and password given (wrong password, or no such user, or the user is disabled); check the user and password in the URL or REDIS_URL`,
  );
  assert.equal(error.reconnecting, false);
});

redisTest(
  "openStore() with a password for a server that has none says so in one line",
  async () => {
    await using redis = await startRedis();
    const error = await openStore(`redis://:hunter2@127.0.0.1:${redis.port}`).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(error instanceof AuthenticationError, String(error));
    assert.equal(
      error.message,
      `Authentication failed for redis://127.0.0.1:${redis.port}: the URL gives a password but the server has none set; remove it from the URL or REDIS_URL, or set requirepass on the server`,
    );
  },
);

redisTest(
  "a command without a password for a server that wants one says none was given",
  async () => {
    await using redis = await startRedis({ args: ["--requirepass", "hunter2"] });
    await using store = await openStore(redis.url);
    const error = await store.len("app:event").then(() => undefined, (e: unknown) => e);
    assert.ok(error instanceof AuthenticationError, String(error));
    assert.equal(
      error.message,
      `Authentication failed for redis://127.0.0.1:${redis.port}: the server requires a password and none was given; add it to the URL or REDIS_URL`,
    );
  },
);

redisTest(
  "a command waiting for a reconnect fails at once with AuthenticationError (reconnecting) when the server restarted with another password",
  async () => {
    const dir = await Deno.makeTempDir({ prefix: "rstream-redis-" });
    let redis = await startRedis({ dir, args: ["--requirepass", "old-hunter2"] });
    try {
      const url = `redis://:old-hunter2@127.0.0.1:${redis.port}`;
      await using store = await openStore(url, { commandTimeoutMs: 10_000 });
      await store.add("app:event", { temp: "0.42" });
      redis.process.kill("SIGKILL");
      await redis.process.status;
      redis = await startRedis({ port: redis.port, dir, args: ["--requirepass", "new-hunter2"] });
      const started = performance.now();
      const error = await store.len("app:event").then(() => undefined, (e: unknown) => e);
      assert.ok(error instanceof AuthenticationError, String(error));
      assert.ok(performance.now() - started < 5000, "it waited for the command timeout");
      assert.equal(error.reconnecting, true);
      assert.equal(
        error.message,
        `Authentication failed for redis://127.0.0.1:${redis.port} on reconnecting: the server refused the password given, which it accepted before (restarted with another password?); check the server's requirepass and the password in the URL or REDIS_URL`,
      );
      // The connection keeps trying: once the old password is back, commands work again.
      await using admin = await openStore(`redis://:new-hunter2@127.0.0.1:${redis.port}`);
      await admin.command(["CONFIG", "SET", "requirepass", "old-hunter2"]);
      let len: unknown;
      for (let i = 0; i < 50 && len === undefined; i++) {
        len = await store.len("app:event").catch(() => new Promise((r) => setTimeout(r, 100)));
      }
      assert.equal(len, 0); // no persistence: the restarted server is empty
    } finally {
      await redis.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
);

Deno.test("openStore() reports a refused connection in one line naming the redacted URL", async () => {
  const port = freePort();
  const error = await openStore(`redis://u:topsecret@127.0.0.1:${port}`).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(error instanceof ConnectionError);
  assert.match(error.message, new RegExp(`redis://127\\.0\\.0\\.1:${port}.*connection refused`));
  assert.doesNotMatch(error.message, /topsecret/);
});

Deno.test("the CLI and the producer never print a password, even in a malformed URL", async () => {
  const port = freePort();
  const urls = [
    `redis://u:pa/ss-s3cret@127.0.0.1:${port}`,
    "redis:user:pa-s3cret@host",
    `redis//user:pa-s3cret@127.0.0.1:${port}`,
  ];
  const root = new URL("..", import.meta.url).pathname;
  for (const url of urls) {
    for (
      const args of [["cli.ts", "--url", url, "len", "s"], [
        "scripts/producer.ts",
        "sensor1",
        "--url",
        url,
      ]]
    ) {
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", ...args],
        cwd: root,
        stdin: "null",
      }).output();
      const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
      assert.notEqual(out.code, 0, `${args[0]} ${url} should fail`);
      assert.doesNotMatch(text, /s3cret/, `${args[0]} printed the password: ${text}`);
      assert.match(text, /error/i);
    }
  }
});

redisTest("close() returns within the command timeout when the server is stopped", async () => {
  await using redis = await startRedis();
  const store = await openStore(redis.url, { commandTimeoutMs: 500 });
  redis.process.kill("SIGSTOP");
  try {
    const pending = store.len("s").catch((e: unknown) => e);
    const started = performance.now();
    await store.close();
    assert.ok(performance.now() - started < 2000, "close() hung on a stopped server");
    assert.ok(await pending instanceof Error);
  } finally {
    redis.process.kill("SIGCONT");
  }
});
