import assert from "node:assert/strict";
import { openStore } from "../../lib/open_store.ts";
import { backendTest } from "../_backends.ts";
import { freePort, ignoreRedis, startRedis } from "../_redis_server.ts";
import { lines, runCli } from "./_cli.ts";

const redisTest = (name: string, fn: () => Promise<void>) =>
  Deno.test({ name, ignore: ignoreRedis, sanitizeResources: false, sanitizeOps: false, fn });

redisTest("rstream -h HOST -p PORT runs the command on that Redis, like redis-cli", async () => {
  await using redis = await startRedis();
  await using store = await openStore(redis.url);
  await store.addMany("app:event", [{ temp: "0.4" }, { temp: "0.5" }]);
  const out = await runCli(["-h", "127.0.0.1", "-p", String(redis.port), "len", "app:event"]);
  assert.deepEqual(out, { code: 0, stdout: "2\n", stderr: "" });
  const long = await runCli([
    "--host",
    "127.0.0.1",
    "--port",
    String(redis.port),
    "XLEN",
    "app:event",
  ]);
  assert.deepEqual(long, { code: 0, stdout: "2\n", stderr: "" });
});

backendTest("rstream -u URL opens that store", async (store, t) => {
  await store.add("s", { a: "1" }, { id: "1-1" });
  const out = await runCli(["-u", t.url, "range", "s"]);
  assert.deepEqual(out, { code: 0, stdout: "1-1\ta=1\n", stderr: "" });
});

redisTest(
  "rstream -a PASSWORD, REDISCLI_AUTH, --user and -n DB log in and select the database",
  async () => {
    const password = "p@ss/w rd";
    await using redis = await startRedis({ args: ["--requirepass", password] });
    const url = `redis://:${encodeURIComponent(password)}@127.0.0.1:${redis.port}`;
    {
      await using store = await openStore(url);
      await store.command(["ACL", "SETUSER", "app", "on", ">app-secret", "~*", "+@all"]);
      await store.command(["SELECT", "0"]);
    }
    {
      await using db3 = await openStore(`${url}/3`);
      await db3.add("s", { a: "1" });
    }
    const port = String(redis.port);
    const withA = await runCli(["-p", port, "-a", password, "-n", "3", "len", "s"]);
    assert.deepEqual(withA, { code: 0, stdout: "1\n", stderr: "" });
    const withEnv = await runCli(["-p", port, "-n", "3", "len", "s"], {
      env: { REDISCLI_AUTH: password },
    });
    assert.deepEqual(withEnv, { code: 0, stdout: "1\n", stderr: "" });
    const user = await runCli(["-p", port, "--user", "app", "-a", "app-secret", "len", "s"]);
    assert.deepEqual(user, { code: 0, stdout: "0\n", stderr: "" });
    const wrong = await runCli(["-p", port, "-a", "not-it", "len", "s"]);
    assert.equal(wrong.code, 1);
    assert.equal(wrong.stdout, "");
    assert.ok(!wrong.stderr.includes("not-it"), wrong.stderr);
    assert.match(wrong.stderr, /^error: .*\n$/);
  },
);

Deno.test("rstream -a never prints the password, even when the server is down", async () => {
  const port = String(freePort());
  const out = await runCli(["-h", "127.0.0.1", "-p", port, "-a", "s3cret!", "len", "s"]);
  assert.equal(out.code, 1);
  assert.equal(
    out.stderr,
    `error: Cannot reach Redis at redis://127.0.0.1:${port}: connection refused; is the server running, and are the URL and port right?\n`,
  );
});

Deno.test("rstream --help is the help; -h needs a HOST; bad flags exit 2 with one line and a hint", async () => {
  const help = await runCli(["--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^ {2}-h, --host <HOST> +Redis host \(default 127\.0\.0\.1\)$/m);
  const noHost = await runCli(["-h"]);
  assert.deepEqual(noHost, {
    code: 2,
    stdout: "",
    stderr:
      "error: option '-h, --host <HOST>' argument missing\n(rstream --help lists the options)\n",
  });
  const badPort = await runCli(["-p", "http", "len", "s"]);
  assert.equal(badPort.code, 2);
  assert.equal(
    lines(badPort.stderr)[0],
    "error: option '-p, --port <PORT>' argument 'http' is invalid. expected a port 1..65535",
  );
  const mixed = await runCli(["-u", "memory:", "-p", "6379", "len", "s"]);
  assert.deepEqual(mixed, {
    code: 2,
    stdout: "",
    stderr:
      "error: -h/-p/-a/--user/-n/--tls connect to Redis; they cannot be used with a file: or memory: URL (usage: rstream --help)\n",
  });
  const cacert = await runCli(["-u", "memory:", "--cacert", "ca.crt", "len", "s"]);
  assert.equal(cacert.code, 2);
  assert.equal(
    cacert.stderr,
    "error: --cacert FILE needs --tls (or a rediss:// URL) (usage: rstream --help)\n",
  );
});

backendTest(
  "rstream --csv prints comma-separated lines; --raw prints plain lines",
  async (store, t) => {
    await store.add("s", { name: 'say "hi"', note: "a,b" }, { id: "1-1" });
    await store.createGroup("s", "g", { start: "0" });
    const csv = await runCli(["--csv", "range", "s"], { url: t.url });
    assert.deepEqual(csv, { code: 0, stdout: '1-1,name,"say ""hi""",note,"a,b"\n', stderr: "" });
    const groups = await runCli(["--csv", "groups", "s"], { url: t.url });
    assert.equal(groups.stdout, "g,0,0,0-0,-,1\n");
    const raw = await runCli(["--csv", "XRANGE", "s", "-", "+"], { url: t.url });
    assert.equal(raw.stdout, '"1-1","name","say \\"hi\\"","note","a,b"\n');
    const plain = await runCli(["--raw", "range", "s"], { url: t.url });
    assert.equal(plain.stdout, '1-1\tname=say "hi"\tnote=a,b\n');
    const two = await runCli(["--csv", "--json", "len", "s"], { url: t.url });
    assert.equal(two.code, 2);
    assert.equal(two.stderr, '{"error":"give one of --json, --csv and --raw"}\n');
  },
);

backendTest(
  "rstream -r N -i SECONDS repeats a command N times, SECONDS apart",
  async (store, t) => {
    await store.add("s", { a: "1" });
    const started = Date.now();
    const out = await runCli(["-r", "3", "-i", "0.2", "len", "s"], { url: t.url });
    const took = Date.now() - started;
    assert.deepEqual(out, { code: 0, stdout: "1\n1\n1\n", stderr: "" });
    assert.ok(took >= 400, `3 runs 0.2 s apart took ${took} ms`);
    const noCommand = await runCli(["-r", "3"], { url: t.url });
    assert.equal(noCommand.code, 2);
    assert.equal(
      noCommand.stderr,
      "error: -r N repeats a command: give one, as in rstream -r 5 -i 1 len app:event (usage: rstream --help)\n",
    );
  },
);

async function openssl(dir: string, args: string[]): Promise<void> {
  const out = await new Deno.Command("openssl", { args, cwd: dir, stdout: "null", stderr: "piped" })
    .output();
  if (!out.success) throw new Error(`openssl ${args[0]}: ${new TextDecoder().decode(out.stderr)}`);
}

const noOpenssl = await new Deno.Command("openssl", { args: ["version"], stdout: "null" }).output()
  .then((out) => !out.success, () => true);

Deno.test({
  name: "rstream --tls -h -p --cacert FILE connects over TLS with that CA",
  ignore: ignoreRedis || noOpenssl,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "rstream-cli-tls-" });
    try {
      await openssl(dir, [
        ..."req -x509 -newkey rsa:2048 -nodes -days 2 -keyout ca.key -out ca.crt".split(" "),
        ...["-subj", "/CN=rstream CLI test CA"],
      ]);
      await openssl(dir, [
        ..."req -newkey rsa:2048 -nodes -keyout server.key -out server.csr".split(" "),
        ...["-subj", "/CN=rstream CLI test server"],
      ]);
      await Deno.writeTextFile(`${dir}/san.ext`, "subjectAltName=IP:127.0.0.1\n");
      await openssl(
        dir,
        "x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -out server.crt -extfile san.ext"
          .split(" "),
      );
      const tlsPort = freePort();
      await using _redis = await startRedis({
        args: ["--port", "0", "--tls-port", String(tlsPort)]
          .concat(["--tls-cert-file", `${dir}/server.crt`, "--tls-key-file", `${dir}/server.key`])
          .concat(["--tls-ca-cert-file", `${dir}/ca.crt`, "--tls-auth-clients", "no"]),
        port: tlsPort,
      });
      const tls = ["--tls", "-h", "127.0.0.1", "-p", String(tlsPort), "--cacert", `${dir}/ca.crt`];
      const add = await runCli([...tls, "add", "s", "--id", "1-1", "a=1"]);
      assert.deepEqual(add, { code: 0, stdout: "1-1\n", stderr: "" });
      const len = await runCli([...tls, "len", "s"]);
      assert.deepEqual(len, { code: 0, stdout: "1\n", stderr: "" });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
