import assert from "node:assert/strict";
import { openStore } from "../../lib/open_store.ts";
import { ignoreRedis, startRedis } from "../_redis_server.ts";
import { waitFor } from "../_backends.ts";
import { runScript, spawnScript } from "./_scripts.ts";

const SPOOL = ".rstream/spool.db";

/** The spool_seq of every entry of `app:event` from `device`, in stream order. */
async function forwardedSeqs(url: string, device = "sensor1"): Promise<number[]> {
  await using store = await openStore(url);
  return (await store.range("app:event"))
    .filter((entry) => entry.fields.spool_device === device)
    .map((entry) => Number(entry.fields.spool_seq));
}

function oneTo(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 1);
}

function spooledSeqs(lines: string[]): number[] {
  return lines.map((line) => Number(/^reading (\d+) spooled$/.exec(line)?.[1])).filter(Boolean);
}

async function tempDirs(): Promise<{ cwd: string; data: string } & AsyncDisposable> {
  const cwd = await Deno.makeTempDir({ prefix: "rstream-spool-" });
  const data = await Deno.makeTempDir({ prefix: "rstream-spool-redis-" });
  return {
    cwd,
    data,
    async [Symbol.asyncDispose]() {
      await Deno.remove(cwd, { recursive: true });
      await Deno.remove(data, { recursive: true });
    },
  };
}

Deno.test({
  name:
    "producer --spool keeps spooling while Redis is down and forwards everything once after it returns",
  ignore: ignoreRedis,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using dirs = await tempDirs();
    const args = ["--appendonly", "yes"];
    let redis = await startRedis({ dir: dirs.data, args });
    const { port, url } = redis;
    try {
      await using producer = spawnScript(
        "rstream-produce",
        ["sensor1", "--url", url, "--spool", SPOOL, "--count", "0", "--interval", "20"],
        { cwd: dirs.cwd },
      );
      await waitFor(async () => (await forwardedSeqs(url)).length >= 5, { what: "forwarding" });
      await redis.stop();
      const spooledBefore = spooledSeqs(producer.stdout).length;
      await waitFor(() => spooledSeqs(producer.stdout).length >= spooledBefore + 30, {
        what: "readings spooled while Redis is down",
      });
      redis = await startRedis({ port, dir: dirs.data, args });
      const spooledWhileDown = spooledSeqs(producer.stdout).length - spooledBefore;
      await waitFor(
        async () => (await forwardedSeqs(url)).length >= spooledBefore + spooledWhileDown,
        { what: "forwarding after Redis returned", timeoutMs: 15_000 },
      );
      producer.kill("SIGTERM");
      const out = await producer.done;
      assert.equal(out.code, 0, out.stderr.join("\n"));
      // What was still spooled at the stop goes out with the next run.
      const next = await runScript(
        "rstream-produce",
        ["sensor1", "--url", url, "--spool", SPOOL, "--count", "1"],
        { cwd: dirs.cwd },
      );
      assert.equal(next.code, 0, next.stderr.join("\n"));
      const last = spooledSeqs(next.stdout)[0]!;
      assert.deepEqual(spooledSeqs(out.stdout), oneTo(last - 1));
      assert.deepEqual(await forwardedSeqs(url), oneTo(last));
      console.log(
        `  ${spooledWhileDown} readings spooled during the outage; ${last} forwarded, none twice`,
      );
    } finally {
      await redis.stop();
    }
  },
});

Deno.test({
  name: "producer --spool loses and duplicates nothing across repeated kill -9 and restarts",
  ignore: ignoreRedis,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using dirs = await tempDirs();
    await using redis = await startRedis({ dir: dirs.data, keepDir: true });
    const printed: number[] = [];
    let recovered = 0;
    for (let round = 0; round < 4; round++) {
      await using producer = spawnScript(
        "rstream-produce",
        ["sensor1", "--url", redis.url, "--spool", SPOOL, "--count", "0", "--rate", "3000"],
        { cwd: dirs.cwd },
      );
      const target = (await forwardedSeqs(redis.url)).length + 300 + round * 37;
      await waitFor(async () => (await forwardedSeqs(redis.url)).length >= target, {
        what: `forwarding in round ${round}`,
        timeoutMs: 15_000,
      });
      producer.kill("SIGKILL");
      const out = await producer.done;
      printed.push(...spooledSeqs(out.stdout));
      recovered += out.stderr.filter((line) => /already in app:event/.test(line)).length;
    }
    const drain = await runScript(
      "rstream-produce",
      ["sensor1", "--url", redis.url, "--spool", SPOOL, "--count", "1", "--drain-ms", "20000"],
      { cwd: dirs.cwd },
    );
    assert.equal(drain.code, 0, drain.stderr.join("\n"));
    recovered += drain.stderr.filter((line) => /already in app:event/.test(line)).length;
    const last = spooledSeqs(drain.stdout)[0]!;
    const seqs = await forwardedSeqs(redis.url);
    // Every committed reading arrives exactly once and in order, printed or not.
    assert.deepEqual(seqs, oneTo(last));
    assert.ok(printed.every((seq, i) => i === 0 || seq > printed[i - 1]!));
    console.log(
      `  ${last} readings over 4 kill -9 rounds, ${printed.length} printed before the kills; ` +
        `${recovered} restart(s) found a batch already in Redis`,
    );
  },
});

Deno.test({
  name: "producer --spool drops the oldest readings beyond --spool-max while Redis is unreachable",
  ignore: ignoreRedis,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using dirs = await tempDirs();
    // Hold the port (accepting nothing) so no other server can take it meanwhile.
    const holder = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (holder.addr as Deno.NetAddr).port;
    const url = `redis://127.0.0.1:${port}`;
    const offline = await runScript(
      "rstream-produce",
      ["sensor1", "--url", url, "--spool", SPOOL, "--count", "30", "--spool-max", "10"]
        .concat(["--drain-ms", "0"]),
      { cwd: dirs.cwd },
    );
    assert.equal(offline.code, 0, offline.stderr.join("\n"));
    assert.deepEqual(spooledSeqs(offline.stdout), oneTo(30));
    assert.ok(
      offline.stderr.includes(
        "warning: spool full (--spool-max 10): dropped the oldest readings, 1 so far",
      ),
      offline.stderr.join("\n"),
    );
    assert.equal(
      offline.stderr.at(-1),
      `spool: 10 readings still spooled in ${SPOOL}, 20 dropped; they are forwarded on the next run`,
    );
    holder.close();
    await using redis = await startRedis({ port, dir: dirs.data, keepDir: true });
    const online = await runScript(
      "rstream-produce",
      ["sensor1", "--url", url, "--spool", SPOOL, "--count", "1"],
      { cwd: dirs.cwd },
    );
    assert.equal(online.code, 0, online.stderr.join("\n"));
    assert.deepEqual(await forwardedSeqs(redis.url), [21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31]);
  },
});

Deno.test({
  name:
    "producer --spool forwards the readings of a spool deleted and created again, under a new spool_id",
  ignore: ignoreRedis,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using dirs = await tempDirs();
    await using redis = await startRedis({ dir: dirs.data, keepDir: true });
    const args = ["sensor1", "--url", redis.url, "--spool", SPOOL];
    const first = await runScript("rstream-produce", [...args, "--count", "5"], dirs);
    assert.equal(first.code, 0, first.stderr.join("\n"));
    await Deno.remove(`${dirs.cwd}/.rstream`, { recursive: true }); // a new SD card
    const second = await runScript("rstream-produce", [...args, "--count", "3"], dirs);
    assert.equal(second.code, 0, second.stderr.join("\n"));
    assert.deepEqual(spooledSeqs(second.stdout), oneTo(3));
    assert.deepEqual(second.stderr.filter((line) => /already in/.test(line)), []);
    assert.deepEqual(await forwardedSeqs(redis.url), [...oneTo(5), ...oneTo(3)]);
    await using store = await openStore(redis.url);
    const ids = (await store.range("app:event")).map((entry) => entry.fields.spool_id ?? "");
    assert.ok(ids.every((id) => /^[0-9a-f]{16}$/.test(id)), ids.join(" "));
    assert.equal(new Set(ids.slice(0, 5)).size, 1);
    assert.equal(new Set(ids.slice(5)).size, 1);
    assert.notEqual(ids[0], ids[5]);
  },
});

Deno.test({
  name: "producer --spool refuses a spool that belongs to another device",
  ignore: ignoreRedis,
  async fn() {
    await using dirs = await tempDirs();
    const url = "redis://127.0.0.1:1"; // nothing listens on port 1
    const args = ["--url", url, "--spool", SPOOL, "--drain-ms", "0"];
    assert.equal((await runScript("rstream-produce", ["sensor1", ...args], dirs)).code, 0);
    const other = await runScript("rstream-produce", ["sensor2", ...args], dirs);
    assert.equal(other.code, 1);
    assert.deepEqual(other.stderr, [
      `error: Spool ${SPOOL} belongs to device 'sensor1', not 'sensor2'; use --spool-device sensor1 or another spool path`,
    ]);
  },
});

Deno.test({
  name:
    "producer --spool retries while Redis is down at start and while it is paused, then forwards all once",
  ignore: ignoreRedis,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using dirs = await tempDirs();
    const holder = Deno.listen({ hostname: "127.0.0.1", port: 0 }); // keeps the port ours
    const port = (holder.addr as Deno.NetAddr).port;
    const url = `redis://127.0.0.1:${port}`;
    await using producer = spawnScript(
      "rstream-produce",
      ["sensor1", "--url", url, "--spool", SPOOL, "--count", "0", "--interval", "20"],
      { cwd: dirs.cwd },
    );
    await waitFor(() => spooledSeqs(producer.stdout).length >= 20, { what: "spooling offline" });
    holder.close();
    await using redis = await startRedis({ port, dir: dirs.data, keepDir: true });
    await waitFor(async () => (await forwardedSeqs(url)).length >= 20, {
      what: "forwarding once Redis is up",
      timeoutMs: 15_000,
    });
    redis.process.kill("SIGSTOP");
    const before = spooledSeqs(producer.stdout).length;
    await waitFor(() => spooledSeqs(producer.stdout).length >= before + 30, {
      what: "spooling while Redis is paused",
    });
    redis.process.kill("SIGCONT");
    const target = spooledSeqs(producer.stdout).length;
    await waitFor(async () => (await forwardedSeqs(url)).length >= target, {
      what: "forwarding after the pause",
      timeoutMs: 15_000,
    });
    producer.kill("SIGTERM");
    const out = await producer.done;
    assert.equal(out.code, 0, out.stderr.join("\n"));
    const seqs = await forwardedSeqs(url);
    assert.deepEqual(seqs, oneTo(seqs.length));
    assert.ok(seqs.length >= target);
  },
});
