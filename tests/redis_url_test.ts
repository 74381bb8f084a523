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
  assert.doesNotMatch(error.message, /hunter2/);
  assert.doesNotMatch(error.message, /\n/);
});

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
