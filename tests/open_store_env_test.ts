import assert from "node:assert/strict";
import { openStore } from "../lib/open_store.ts";
import { ignoreRedis, startRedis } from "./_redis_server.ts";

const ROOT = new URL("../", import.meta.url).pathname;

/** Runs a library program (openStore() without a URL, then one add) with the given flags. */
async function runProgram(flags: string[], env: Record<string, string>) {
  const dir = await Deno.makeTempDir({ prefix: "rstream-env-" });
  try {
    await Deno.writeTextFile(
      `${dir}/main.ts`,
      `import { openStore } from "${ROOT}mod.ts";
await using store = await openStore();
console.log("message", await store.add("user:demo", { n: "1" }), "sent");
`,
    );
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-q", "--config", `${ROOT}deno.json`, "--no-prompt", ...flags, "main.ts"],
      cwd: dir,
      env: { NO_COLOR: "1", ...env },
      stdout: "piped",
      stderr: "piped",
    }).output();
    let dbCreated = true;
    await Deno.stat(`${dir}/.rstream`).catch(() => dbCreated = false);
    const decoder = new TextDecoder();
    return {
      code: out.code,
      stdout: decoder.decode(out.stdout),
      stderr: decoder.decode(out.stderr),
      dbCreated,
    };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const NO_ENV = ["--allow-net", "--allow-read=.rstream", "--allow-write=.rstream"];

Deno.test({
  name: "openStore() without --allow-env fails naming REDIS_URL and the flag, writing nothing",
  ignore: ignoreRedis,
  async fn() {
    await using redis = await startRedis();
    const out = await runProgram(NO_ENV, { REDIS_URL: redis.url });
    assert.equal(out.code, 1);
    assert.equal(out.stdout, "");
    assert.equal(
      out.stderr.split("\n")[0],
      "error: Uncaught (in promise) EnvPermissionError: Cannot read the environment variable REDIS_URL (not permitted): run with --allow-env=REDIS_URL,RSTREAM_DB,RSTREAM_TLS_CA",
    );
    assert.equal(out.dbCreated, false, "no .rstream/streams.db fallback");
    await using store = await openStore(redis.url);
    assert.equal(await store.len("user:demo"), 0);
  },
});

Deno.test({
  name:
    "openStore() with --allow-env for the store's variables writes to the Redis REDIS_URL names",
  ignore: ignoreRedis,
  async fn() {
    await using redis = await startRedis();
    const out = await runProgram(
      [...NO_ENV, "--allow-env=REDIS_URL,RSTREAM_DB,RSTREAM_TLS_CA"],
      { REDIS_URL: redis.url },
    );
    assert.equal(out.stderr, "");
    assert.match(out.stdout, /^message \d+-\d+ sent\n$/);
    assert.equal(out.dbCreated, false);
    await using store = await openStore(redis.url);
    assert.equal(await store.len("user:demo"), 1);
  },
});
