/**
 * Security faults: a wrong password, an ACL user allowed only XADD, TLS with
 * the right CA, a wrong CA and a host name mismatch (never plaintext), TLS
 * at a plaintext port, and a password that must appear in no output.
 *
 * @module
 */

import assert from "node:assert/strict";
import { AuthenticationError, ConnectionError, NoPermissionError } from "../../lib/errors.ts";
import { openStore } from "../../lib/open_store.ts";
import { ignoreRedis, startRedis } from "../_redis_server.ts";
import { redisCli, runScript } from "../scripts/_scripts.ts";
import { runCli } from "../shell/_cli.ts";
import { assertClean, delay, report } from "./_faults.ts";

const SECRET = "Zq8-s3cr3t-pa55word";

async function stat(port: number, field: string, auth: string[] = []): Promise<number> {
  const info = await redisCli(port, [...auth, "INFO", "stats"]);
  const line = info.find((l) => l.startsWith(`${field}:`));
  return Number(line!.split(":")[1]);
}

Deno.test({
  name: "openStore() fails once with AuthenticationError and no retry loop for a wrong password",
  ignore: ignoreRedis,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using redis = await startRedis({ args: ["--requirepass", SECRET] });
    const auth = ["-a", SECRET];
    const before = await stat(redis.port, "total_connections_received", auth);
    const url = `redis://:wrong-${SECRET}@127.0.0.1:${redis.port}`;
    const error = await openStore(url).then(() => undefined, (e: Error) => e);
    assert.ok(error instanceof AuthenticationError, String(error));
    assert.equal(error.message.split("\n").length, 1);
    assert.equal(
      error.message,
      `Authentication failed for redis://127.0.0.1:${redis.port}: the server refused the password given (wrong password); check the password in the URL or REDIS_URL`,
    );
    assert.equal(error.reconnecting, false);
    assert.ok(!error.message.includes(SECRET));
    await delay(1000); // a retry loop would connect again meanwhile
    const attempts = await stat(redis.port, "total_connections_received", auth) - before - 1;
    assert.ok(attempts <= 1, `${attempts} connections for one failed open`);
    report("wrong password", {
      sent: 0,
      processed: 0,
      acked: 0,
      lost: 0,
      extra: { "connections for one open": attempts, "error lines": 1 },
    });
  },
});

Deno.test({
  name: "a Redis user allowed only XADD on its stream gets NOPERM for XDEL, XTRIM and other keys",
  ignore: ignoreRedis,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using redis = await startRedis();
    assert.deepEqual(
      await redisCli(
        redis.port,
        ["ACL", "SETUSER", "sensor", "reset", "on", `>${SECRET}`]
          .concat(["~app:event", "+xadd"]),
      ),
      ["OK"],
    );
    await using store = await openStore(`redis://sensor:${SECRET}@127.0.0.1:${redis.port}`);
    const id = await store.add("app:event", { temp: "0.4" });
    const refused: string[] = [];
    for (
      const [what, call] of [
        ["XDEL", () => store.del("app:event", [id!])],
        ["XTRIM", () => store.trim("app:event", { maxLen: 0 })],
        ["XADD other key", () => store.add("other", { temp: "0.4" })],
        ["XRANGE", () => store.range("app:event")],
        ["XREADGROUP", () => store.readGroup("app:event", "g", { consumer: "c" })],
      ] as const
    ) {
      const error = await call().then(() => undefined, (e: Error) => e);
      assert.ok(error instanceof NoPermissionError, `${what}: ${error}`);
      assert.ok(!error.message.includes(SECRET));
      refused.push(what);
    }
    await using admin = await openStore(redis.url);
    assert.equal(await admin.len("app:event"), 1, "nothing deleted or trimmed");
    assert.equal(await admin.len("other"), 0);
    report("ACL user with +xadd ~app:event only", {
      sent: 1,
      processed: 0,
      acked: 0,
      lost: 0,
      extra: { "NOPERM refusals": refused.length },
    });
  },
});

Deno.test({
  name: "rstream CLI and scripts print no password given in the URL or REDIS_URL, in any outcome",
  ignore: ignoreRedis,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using redis = await startRedis({ args: ["--requirepass", SECRET] });
    const cwd = await Deno.makeTempDir({ prefix: "rstream-faults-" });
    try {
      const good = `redis://:${SECRET}@127.0.0.1:${redis.port}`;
      const wrong = `redis://:x${SECRET}x@127.0.0.1:${redis.port}`;
      const closed = `redis://:${SECRET}@127.0.0.1:1`;
      const outputs: string[] = [];
      let runs = 0;
      for (const url of [good, wrong, closed]) {
        for (const env of [false, true]) {
          const urlArgs = env ? [] : ["--url", url];
          const envVars = env ? { REDIS_URL: url } : undefined;
          const cli = await runCli(["xlen", "app:event"], {
            ...(env ? { env: { REDIS_URL: url } } : { url }),
          });
          const cliBad = await runCli(["xadd", "app:event", "bad-id", "a", "1"], {
            ...(env ? { env: { REDIS_URL: url } } : { url }),
          });
          const produce = await runScript("rstream-produce", ["sensor1", ...urlArgs], {
            cwd,
            ...(envVars ? { env: envVars } : {}),
          });
          const consume = await runScript(
            "rstream-consume",
            ["workers", "c1", "--max", "1", "--start-from", "0", "--block", "100", ...urlArgs],
            { cwd, ...(envVars ? { env: envVars } : {}) },
          );
          runs += 4;
          outputs.push(cli.stdout, cli.stderr, cliBad.stdout, cliBad.stderr);
          outputs.push(...produce.stdout, ...produce.stderr, ...consume.stdout, ...consume.stderr);
          if (url === wrong) {
            assert.match(cli.stderr, /^error: Authentication failed/);
            assert.equal(cli.stderr.split("\n").filter(Boolean).length, 1);
          }
        }
      }
      const leaks = outputs.filter((text) => text.includes(SECRET));
      assert.deepEqual(leaks, [], "the password was printed");
      assert.ok(outputs.some((text) => /Authentication failed/.test(text)));
      report("password in URL or REDIS_URL, CLI and scripts", {
        sent: 0,
        processed: 0,
        acked: 0,
        lost: 0,
        extra: { runs, "outputs with the password": leaks.length },
      });
    } finally {
      await Deno.remove(cwd, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "openStore() and the producer fail fast in one line at rediss:// on a plaintext redis-server port, sending it no command",
  ignore: ignoreRedis,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    // No requirepass: redis-cli's INFO is the only command it runs, and an AUTH sent in the
    // clear would be counted (and refused: no password is set).
    await using redis = await startRedis();
    const cwd = await Deno.makeTempDir({ prefix: "rstream-faults-" });
    try {
      const url = `rediss://:${SECRET}@127.0.0.1:${redis.port}`;
      const expected =
        `TLS handshake with rediss://127.0.0.1:${redis.port} failed: the server did not answer TLS within 2000 ms (is it a plaintext port? then use redis://127.0.0.1:${redis.port})`;
      const commands = await stat(redis.port, "total_commands_processed");
      const errors = await stat(redis.port, "total_error_replies");
      const started = performance.now();
      const error = await openStore(url).then(() => undefined, (e: Error) => e);
      const failedMs = Math.round(performance.now() - started);
      assert.ok(error instanceof ConnectionError, String(error));
      assert.equal(error.message, expected);
      assert.ok(failedMs < 3000, `failed after ${failedMs} ms (connectTimeoutMs is 5000)`);
      const produce = await runScript("rstream-produce", ["sensor1", "--url", url], { cwd });
      assert.equal(produce.code, 1);
      assert.deepEqual(produce.stdout, []);
      assert.deepEqual(produce.stderr, [`error: ${expected}`]);
      // Only the two INFOs before were run: no AUTH, no PING, nothing in plaintext.
      assert.equal(await stat(redis.port, "total_commands_processed") - commands, 2);
      assert.equal(await stat(redis.port, "total_error_replies") - errors, 0);
      report("rediss:// at a plaintext port", {
        sent: 0,
        processed: 0,
        acked: 0,
        lost: 0,
        extra: { "failed after ms": failedMs, "commands the server ran": 0 },
      });
    } finally {
      await Deno.remove(cwd, { recursive: true });
    }
  },
});

async function openssl(dir: string, args: string[]): Promise<void> {
  const out = await new Deno.Command("openssl", { args, cwd: dir, stdout: "null", stderr: "piped" })
    .output();
  if (!out.success) throw new Error(`openssl ${args[0]}: ${new TextDecoder().decode(out.stderr)}`);
}

/** A CA, and a server certificate it signs for `names` (subjectAltName entries). */
async function makeCa(dir: string, name: string, serverNames?: string): Promise<void> {
  await openssl(
    dir,
    ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"]
      .concat(["-keyout", `${name}-ca.key`, "-out", `${name}-ca.crt`, "-subj", `/CN=${name} CA`]),
  );
  if (!serverNames) return;
  await openssl(
    dir,
    ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", `${name}-server.key`]
      .concat(["-out", `${name}-server.csr`, "-subj", "/CN=rstream test server"]),
  );
  await Deno.writeTextFile(`${dir}/${name}.ext`, `subjectAltName=${serverNames}\n`);
  await openssl(
    dir,
    ["x509", "-req", "-in", `${name}-server.csr`, "-CA", `${name}-ca.crt`]
      .concat(["-CAkey", `${name}-ca.key`, "-CAcreateserial", "-days", "2"])
      .concat(["-out", `${name}-server.crt`, "-extfile", `${name}.ext`]),
  );
}

const tlsProbe = (async () => {
  if (ignoreRedis) return "redis-server is not available";
  const out = await new Deno.Command("redis-server", { args: ["--help"], stdout: "piped" })
    .output().catch(() => undefined);
  // Debian builds redis-server with TLS; a build without it refuses --tls-port.
  const dir = await Deno.makeTempDir({ prefix: "rstream-faults-" });
  try {
    const probe = await new Deno.Command("redis-server", {
      args: ["--port", "0", "--tls-port", "1", "--tls-cert-file", "/nonexistent"],
      stdout: "piped",
      stderr: "piped",
      cwd: dir,
    }).output();
    const text = new TextDecoder().decode(probe.stdout) + new TextDecoder().decode(probe.stderr);
    if (/TLS support|not compiled|Bad directive|Unrecognized/i.test(text)) {
      return `redis-server was built without TLS: ${text.split("\n").find((l) => l.trim())}`;
    }
    return out ? undefined : "redis-server --help failed";
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
})();
const noTls = await tlsProbe;
if (noTls) console.warn(`TLS fault test skipped: ${noTls}`);

Deno.test({
  name:
    "openStore() connects over TLS with the right CA only, checks the host name and never falls back to plaintext",
  ignore: noTls !== undefined,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "rstream-faults-tls-" });
    let pid: number | undefined;
    try {
      await makeCa(dir, "good", "DNS:rstream.test");
      await makeCa(dir, "other");
      const tlsPort = (await import("../_redis_server.ts")).freePort();
      await using redis = await startRedis({
        args: [
          "--port",
          "0",
          "--tls-port",
          String(tlsPort),
          "--tls-cert-file",
          `${dir}/good-server.crt`,
          "--tls-key-file",
          `${dir}/good-server.key`,
          "--tls-ca-cert-file",
          `${dir}/good-ca.crt`,
          "--tls-auth-clients",
          "no",
        ],
        port: tlsPort,
        dir,
        keepDir: true,
      });
      pid = redis.process.pid;
      const url = `rediss://127.0.0.1:${tlsPort}`;
      const ca = await Deno.readTextFile(`${dir}/good-ca.crt`);
      const servername = "rstream.test";

      // The right CA, given as an option or through RSTREAM_TLS_CA.
      {
        await using store = await openStore(url, { tls: { ca, servername } });
        await store.add("app:event", { temp: "0.4" });
        assert.equal(await store.len("app:event"), 1);
      }
      {
        const env = (name: string) => name === "RSTREAM_TLS_CA" ? `${dir}/good-ca.crt` : undefined;
        await using store = await openStore(url, { env, tls: { servername } });
        assert.equal(await store.len("app:event"), 1);
      }

      const refusals: string[] = [];
      const refused = async (what: string, open: () => Promise<unknown>, pattern: RegExp) => {
        const error = await open().then(() => undefined, (e: Error) => e);
        assert.ok(error instanceof ConnectionError, `${what}: ${error}`);
        assert.match(error.message, pattern, `${what}: ${error.message}`);
        assert.equal(error.message.split("\n").length, 1);
        refusals.push(what);
      };
      const otherCa = await Deno.readTextFile(`${dir}/other-ca.crt`);
      await refused(
        "wrong CA",
        () => openStore(url, { tls: { ca: otherCa, servername }, connectTimeoutMs: 2000 }),
        /TLS handshake .* failed: .*(certificate|issuer)/i,
      );
      await refused(
        "IP not in the certificate",
        () => openStore(url, { tls: { ca }, connectTimeoutMs: 2000 }), // checks 127.0.0.1
        /TLS handshake .* failed: .*IP: 127\.0\.0\.1 is not in the cert's list/i,
      );
      await refused(
        "host name mismatch",
        () => openStore(url, { tls: { ca, servername: "other.test" }, connectTimeoutMs: 2000 }),
        /TLS handshake .* failed: .*Host: other\.test\. is not in the cert's altnames/i,
      );
      await refused(
        "no CA (system roots)",
        () => openStore(url, { tls: { servername }, connectTimeoutMs: 2000 }),
        /TLS handshake .* failed/i,
      );
      // Only the TLS port listens; a plaintext attempt on it would be logged by the server
      // as a malformed TLS record ("wrong version number" / "http request").
      await delay(200);
      const log = await Deno.readTextFile(`${dir}/redis.log`);
      assert.doesNotMatch(log, /wrong version number|http request|packet length too long/i);
      const { stats } = await (async () => {
        await using store = await openStore(url, { tls: { ca, servername } });
        const info = String(await store.command(["INFO", "stats"]));
        return { stats: info };
      })();
      const accepted = Number(/total_connections_received:(\d+)/.exec(stats)![1]);
      // 2 good opens + 4 refused handshakes + this one (+ the test helper's port probe).
      assert.ok(accepted <= 8, `${accepted} connections: a retry or fallback loop`);
      report("TLS: right CA, wrong CA, host name mismatch", {
        sent: 1,
        processed: 0,
        acked: 0,
        lost: 0,
        extra: {
          "refused": refusals.length,
          "connections accepted": accepted,
          "plaintext attempts": 0,
        },
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
    await assertClean(pid ? [pid] : [], [dir]);
  },
});
