import assert from "node:assert/strict";
import { DEFAULT_DB_PATH, resolveStoreUrl } from "./open_store.ts";

/** An environment lookup over a fixed set of variables. */
function envOf(vars: Record<string, string>): (name: string) => string | undefined {
  return (name) => vars[name];
}

Deno.test("resolveStoreUrl() prefers the given URL over the environment", () => {
  const env = envOf({ REDIS_URL: "redis://env:6379", RSTREAM_DB: "env.db" });
  assert.equal(resolveStoreUrl("memory:", env), "memory:");
});

Deno.test("resolveStoreUrl() uses REDIS_URL without a URL", () => {
  const env = envOf({ REDIS_URL: "redis://cache:6379/1", RSTREAM_DB: "env.db" });
  assert.equal(resolveStoreUrl(undefined, env), "redis://cache:6379/1");
});

Deno.test("resolveStoreUrl() treats an empty URL as none", () => {
  assert.equal(resolveStoreUrl("", envOf({ REDIS_URL: "redis://cache" })), "redis://cache");
});

Deno.test("resolveStoreUrl() uses file: + RSTREAM_DB without REDIS_URL", () => {
  assert.equal(
    resolveStoreUrl(undefined, envOf({ RSTREAM_DB: "/var/lib/s.db" })),
    "file:/var/lib/s.db",
  );
});

Deno.test("resolveStoreUrl() skips an empty REDIS_URL", () => {
  const env = envOf({ REDIS_URL: "", RSTREAM_DB: "s.db" });
  assert.equal(resolveStoreUrl(undefined, env), "file:s.db");
});

Deno.test("resolveStoreUrl() falls back to the embedded store in ./.rstream", () => {
  assert.equal(resolveStoreUrl(undefined, envOf({})), "file:./.rstream/streams.db");
  assert.equal(DEFAULT_DB_PATH, "./.rstream/streams.db");
});

Deno.test("resolveStoreUrl() falls back to the default for an empty RSTREAM_DB", () => {
  assert.equal(resolveStoreUrl(undefined, envOf({ RSTREAM_DB: "" })), "file:./.rstream/streams.db");
});

Deno.test("resolveStoreUrl() asks the environment only for what it needs", () => {
  const asked: string[] = [];
  const env = (name: string) => {
    asked.push(name);
    return name === "REDIS_URL" ? "redis://cache" : undefined;
  };
  resolveStoreUrl(undefined, env);
  assert.deepEqual(asked, ["REDIS_URL"]);
  asked.length = 0;
  resolveStoreUrl("memory:", env);
  assert.deepEqual(asked, []);
});
