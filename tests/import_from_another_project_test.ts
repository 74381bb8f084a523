import assert from "node:assert/strict";
import { ignoreRedis, startRedis } from "./_redis_server.ts";

const ROOT = new URL("..", import.meta.url).pathname;

/** Runs `main` as a program of its own project in a temp dir (no rstream deno.json around it). */
async function runElsewhere(
  main: string,
  options: { config?: unknown; args?: string[] } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const dir = await Deno.makeTempDir({ prefix: "rstream-user-" });
  try {
    await Deno.writeTextFile(`${dir}/main.ts`, main);
    if (options.config) {
      await Deno.writeTextFile(`${dir}/deno.json`, JSON.stringify(options.config));
    }
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-q", "--allow-net=127.0.0.1", "main.ts", ...(options.args ?? [])],
      cwd: dir,
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).output();
    const text = new TextDecoder();
    return { code: out.code, stdout: text.decode(out.stdout), stderr: text.decode(out.stderr) };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("mod.ts imported by path from another project opens memory: and consumes", async () => {
  const out = await runElsewhere(`
import { consume, openStore } from "${ROOT}mod.ts";
await using store = await openStore("memory:");
await store.add("s", { temp: "0.42" });
const stats = await consume(() => {}, { store, stream: "s", group: "g", consumer: "c", start: "0", maxHandled: 1 });
console.log(stats.succeeded, (await store.pendingSummary("s", "g")).count);
`);
  assert.deepEqual(out, { code: 0, stdout: "1 0\n", stderr: "" });
});

Deno.test({
  name: "mod.ts imported by path from another project opens a Redis store",
  ignore: ignoreRedis,
  async fn() {
    await using redis = await startRedis();
    const out = await runElsewhere(
      `
import { openStore } from "${ROOT}mod.ts";
await using store = await openStore(Deno.args[0]);
console.log(await store.add("s", { a: "1" }, { id: "5-0" }), await store.len("s"));
`,
      { args: [redis.url] },
    );
    assert.deepEqual(out, { code: 0, stdout: "5-0 1\n", stderr: "" });
  },
});

Deno.test("a project with rstream in deno.json links imports its entry points by name", async () => {
  const out = await runElsewhere(
    `
import { openStore } from "@rstream/rstream";
import { XLEN, runCommand } from "@rstream/rstream/commands";
import { openEmbeddedConnection } from "@rstream/rstream/embedded";
await using connection = openEmbeddedConnection(":memory:");
await connection.send(["XADD", "s", "1-0", "a", "1"]);
await using store = await openStore("memory:");
console.log(await runCommand(connection, XLEN, { params: ["s"] }), typeof store.add);
`,
    { config: { links: [ROOT] } },
  );
  assert.deepEqual(out, { code: 0, stdout: "1 function\n", stderr: "" });
});
