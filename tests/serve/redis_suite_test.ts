/**
 * Redis 7.0.15's own stream tests (`unit/type/stream`, `unit/type/stream-cgroups`)
 * against `rstream serve`, on a `memory:` and a `file:` store, run at the same
 * time. Each run must pass at least {@linkcode MIN_PASSED} tests; the count and
 * every failing test are printed. The suite is copied to a temporary directory
 * first (the runner writes `tests/tmp`). Needs `tclsh` (Debian `tcl`) and the
 * suite in `../shared/redis-tests-7.0.15` or `RSTREAM_REDIS_TESTS`.
 *
 * @module
 */

import assert from "node:assert/strict";
import { openEmbeddedConnection } from "../../lib/embedded/connection.ts";
import { serve } from "../../lib/serve/server.ts";
import { freePort, redisRequired } from "../_redis_server.ts";

/** The pass count reached: all 111. */
export const MIN_PASSED = 111;

const SUITE = (() => {
  try {
    return Deno.env.get("RSTREAM_REDIS_TESTS") ||
      new URL("../../../shared/redis-tests-7.0.15", import.meta.url).pathname;
  } catch {
    return new URL("../../../shared/redis-tests-7.0.15", import.meta.url).pathname;
  }
})();

async function missing(): Promise<string | undefined> {
  try {
    await Deno.stat(`${SUITE}/runtest`);
  } catch {
    return `Redis's test suite is not at ${SUITE} (set RSTREAM_REDIS_TESTS)`;
  }
  try {
    const out = await new Deno.Command("tclsh", { stdin: "piped", stdout: "null", stderr: "null" })
      .spawn();
    const writer = out.stdin.getWriter();
    await writer.write(new TextEncoder().encode("exit 0\n"));
    await writer.close();
    if (!(await out.status).success) return "tclsh failed";
  } catch {
    return "tclsh is not on PATH (apt-get install tcl)";
  }
  return undefined;
}

const reason = await missing();
if (reason && !redisRequired()) console.warn(`Redis test suite ignored: ${reason}`);

interface SuiteResult {
  passed: string[];
  failed: string[];
  output: string;
}

/** Runs the two stream test files against a server on `port`, with a time bound. */
async function runSuite(port: number, baseport: number): Promise<SuiteResult> {
  const dir = await Deno.makeTempDir({ prefix: "rstream-redis-tests-" });
  try {
    await new Deno.Command("cp", { args: ["-r", `${SUITE}/.`, dir] }).output();
    const child = new Deno.Command("./runtest", {
      cwd: dir,
      args: [
        "--host",
        "127.0.0.1",
        "--port",
        String(port),
        "--single",
        "unit/type/stream",
        "--single",
        "unit/type/stream-cgroups",
        "--durable",
        "--tags",
        "-needs:debug",
        "--clients",
        "1",
        // Per test: XRANGE fuzzing takes 13 s alone, longer beside the other run on 2 cores.
        "--timeout",
        "60",
        "--singledb",
        // The runner's own port is searched from here: distinct per run, so two runs never race.
        "--baseport",
        String(baseport),
      ],
      stdout: "piped",
      stderr: "piped",
      env: { TERM: "dumb" },
    }).spawn();
    const killer = setTimeout(() => child.kill("SIGKILL"), 120_000);
    const out = await child.output();
    clearTimeout(killer);
    // deno-lint-ignore no-control-regex
    const output = new TextDecoder().decode(out.stdout).replace(/\x1b\[[0-9;]*m/g, "") +
      new TextDecoder().decode(out.stderr);
    const lines = output.split("\n");
    return {
      passed: lines.filter((l) => l.startsWith("[ok]: ")).map((l) => l.slice(6)),
      failed: lines.filter((l) => /^\[(err|exception)\]: /.test(l)).map((l) =>
        l.replace(/^\[\w+\]: /, "")
      ),
      output,
    };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function suiteOn(url: "memory:" | "file:"): Promise<SuiteResult> {
  const dir = await Deno.makeTempDir({ prefix: "rstream-serve-suite-" });
  const path = url === "memory:" ? ":memory:" : `${dir}/streams.db`;
  try {
    await using connection = openEmbeddedConnection(path);
    const port = freePort();
    await using _server = serve({ connection, port });
    const result = await runSuite(port, url === "memory:" ? 21111 : 24111);
    console.log(
      `Redis 7.0.15 stream tests on rstream serve (${url}): ${result.passed.length} passed, ${result.failed.length} failed${
        result.failed.map((name) => `\n  failed: ${name}`).join("")
      }`,
    );
    return result;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test({
  name:
    `rstream serve passes at least ${MIN_PASSED} of Redis's 111 stream tests when on memory: and on file:`,
  ignore: reason !== undefined && !redisRequired(),
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    assert.equal(reason, undefined, reason);
    const [memory, file] = await Promise.all([suiteOn("memory:"), suiteOn("file:")]);
    for (const [url, result] of [["memory:", memory], ["file:", file]] as const) {
      assert.ok(
        result.passed.length >= MIN_PASSED,
        `${url}: ${result.passed.length} passed, below ${MIN_PASSED}\n${
          result.output.slice(-3000)
        }`,
      );
    }
  },
});
