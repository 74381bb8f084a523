/**
 * `rstream serve` as a process, with exactly the `rstream` binary's
 * permissions: a file store under `.rstream/`, redis-cli as the client,
 * graceful shutdown on SIGTERM, and a refused non-loopback bind.
 *
 * @module
 */

import assert from "node:assert/strict";
import { BINARIES } from "../../scripts/_binaries.ts";
import { freePort } from "../_redis_server.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const PERMISSIONS = BINARIES.find((b) => b.name === "rstream")!.permissions;
const decoder = new TextDecoder();

function rstream(cwd: string, args: string[], env: Record<string, string> = {}) {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "--config", `${ROOT}deno.json`, ...PERMISSIONS, `${ROOT}cli.ts`, ...args],
    cwd,
    env: { NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  });
}

async function redisCli(port: number, args: string[]): Promise<string> {
  const out = await new Deno.Command("redis-cli", { args: ["-p", String(port), ...args] }).output();
  return decoder.decode(out.stdout);
}

Deno.test("rstream serve serves a file store under .rstream and stops cleanly when sent SIGTERM", async () => {
  const cwd = await Deno.makeTempDir();
  try {
    const port = freePort();
    const child = rstream(cwd, ["serve", "--url", "file:.rstream/edge.db", "--port", String(port)])
      .spawn();
    let ready = false;
    for (let i = 0; i < 100 && !ready; i++) {
      ready = (await redisCli(port, ["PING"])) === "PONG\n";
      if (!ready) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(ready, "rstream serve did not answer PING");
    assert.match(await redisCli(port, ["XADD", "app:event", "1-1", "temp", "0.4"]), /^1-1\n$/);
    assert.equal(await redisCli(port, ["XLEN", "app:event"]), "1\n");
    child.kill("SIGTERM");
    const out = await child.output();
    assert.equal(out.code, 0);
    assert.equal(
      decoder.decode(out.stderr),
      `rstream serve: file:.rstream/edge.db on 127.0.0.1:${port}\nrstream serve: stopping\n`,
    );
    assert.ok((await Deno.stat(`${cwd}/.rstream/edge.db`)).isFile);
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});

Deno.test("rstream serve refuses --bind 0.0.0.0 when given no password", async () => {
  const cwd = await Deno.makeTempDir();
  try {
    const out = await rstream(cwd, ["serve", "--url", "memory:", "--bind", "0.0.0.0"]).output();
    assert.equal(out.code, 1);
    assert.equal(
      decoder.decode(out.stderr),
      "error: Cannot serve on 0.0.0.0 without a password: set --password or RSTREAM_SERVE_PASSWORD, or bind to 127.0.0.1\n",
    );
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});

Deno.test("rstream serve --metrics-port exposes clients, commands and errors, and answers health", async () => {
  const cwd = await Deno.makeTempDir();
  try {
    const port = freePort();
    const metricsPort = freePort();
    const child = rstream(cwd, [
      "serve",
      "--url",
      "memory:",
      "--port",
      String(port),
      "--metrics-port",
      String(metricsPort),
    ]).spawn();
    let ready = false;
    for (let i = 0; i < 100 && !ready; i++) {
      ready = (await redisCli(port, ["PING"])) === "PONG\n";
      if (!ready) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(ready, "rstream serve did not answer PING");
    await redisCli(port, ["XADD", "app:event", "1-1", "temp", "0.4"]);
    await redisCli(port, ["XADD", "app:event", "1-2", "temp", "0.5"]);
    await redisCli(port, ["XADD", "app:event", "1-1", "temp", "0.6"]); // not above the top: ERR
    const base = `http://127.0.0.1:${metricsPort}`;
    let text = "";
    for (let i = 0; i < 50 && text === ""; i++) {
      try {
        text = await (await fetch(`${base}/metrics`)).text();
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const line = (name: string) => text.split("\n").find((l) => l.startsWith(name));
    assert.equal(
      line('rstream_serve_commands_total{command="xadd"}'),
      'rstream_serve_commands_total{command="xadd"} 3',
    );
    assert.equal(
      line('rstream_serve_errors_total{code="ERR"}'),
      'rstream_serve_errors_total{code="ERR"} 1',
    );
    assert.equal(line("rstream_serve_clients "), "rstream_serve_clients 0");
    const health = await fetch(`${base}/healthz`);
    assert.equal(health.status, 200);
    await health.body?.cancel();
    const readiness = await fetch(`${base}/readyz`);
    assert.equal(readiness.status, 200);
    await readiness.body?.cancel();
    child.kill("SIGTERM");
    const out = await child.output();
    assert.equal(out.code, 0);
    assert.equal(
      decoder.decode(out.stderr),
      `rstream serve: memory: on 127.0.0.1:${port}\nmetrics on http://127.0.0.1:${metricsPort}/metrics\nrstream serve: stopping\n`,
    );
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});
