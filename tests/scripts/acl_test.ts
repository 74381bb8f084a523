import assert from "node:assert/strict";
import { openStore } from "../../lib/open_store.ts";
import { ignoreRedis, startRedis } from "../_redis_server.ts";
import { redisCli, runScript } from "./_scripts.ts";

/** The ACL the README recommends for a sensor that only publishes. */
const PRODUCE_ONLY = ["reset", "on", ">pass", "%W~app:event", "+xadd"];
/** With --spool the forwarder also reads back its last entries (XREVRANGE) after a crash. */
const PRODUCE_SPOOLED = ["reset", "on", ">pass", "%RW~app:event", "+xadd", "+xrevrange"];

async function withAclRedis(
  fn: (redis: { url: string; port: number }, cwd: string) => Promise<void>,
): Promise<void> {
  const cwd = await Deno.makeTempDir({ prefix: "rstream-acl-" });
  try {
    await using redis = await startRedis();
    assert.deepEqual(await redisCli(redis.port, ["ACL", "SETUSER", "sensor2", ...PRODUCE_ONLY]), [
      "OK",
    ]);
    assert.deepEqual(
      await redisCli(redis.port, ["ACL", "SETUSER", "sensor3", ...PRODUCE_SPOOLED]),
      ["OK"],
    );
    await fn(redis, cwd);
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
}

const asUser = (url: string, user: string) => url.replace("redis://", `redis://${user}:pass@`);

Deno.test({
  name: "producer connects and publishes as a Redis user that may only XADD to app:event",
  ignore: ignoreRedis,
  fn: () =>
    withAclRedis(async (redis, cwd) => {
      const url = asUser(redis.url, "sensor2");
      const out = await runScript(
        "rstream-produce",
        ["sensor2", "--url", url, "--maxlen", "1000"],
        { cwd },
      );
      assert.equal(out.code, 0, out.stderr.join("\n"));
      assert.match(out.stdout[0]!, /^message \d+-\d+ sent$/);
      // The connect (AUTH) needed nothing beyond XADD: no command was denied.
      assert.deepEqual((await redisCli(redis.port, ["ACL", "LOG"])).filter(Boolean), []);
      await using admin = await openStore(redis.url);
      assert.equal(await admin.len("app:event"), 1);
    }),
});

Deno.test({
  name: "producer as an XADD-only user is refused other streams and reads with one error line",
  ignore: ignoreRedis,
  fn: () =>
    withAclRedis(async (redis, cwd) => {
      const url = asUser(redis.url, "sensor2");
      const other = await runScript("rstream-produce", ["sensor2", "--url", url, "--stream", "x"], {
        cwd,
      });
      assert.equal(other.code, 1);
      assert.match(other.stderr[0]!, /^error: Permission denied \(XADD on 'x'\): /);
      assert.equal(other.stderr.length, 1);
      assert.ok(!other.stderr[0]!.includes("pass@"), "no password in the error");
      const consumer = await runScript(
        "rstream-consume",
        ["--reader", "r", "--max", "1", "--block", "100", "--url", url],
        { cwd },
      );
      assert.equal(consumer.code, 1);
      assert.match(consumer.stderr.join("\n"), /Permission denied/);
    }),
});

Deno.test({
  name: "producer --spool forwards as a user that may only XADD and XREVRANGE app:event",
  ignore: ignoreRedis,
  fn: () =>
    withAclRedis(async (redis, cwd) => {
      const url = asUser(redis.url, "sensor3");
      for (let run = 0; run < 2; run++) {
        const out = await runScript(
          "rstream-produce",
          [
            "sensor3",
            "--url",
            url,
            "--spool",
            ".rstream/spool.db",
            "--count",
            "3",
            "--maxlen",
            "1000",
          ],
          { cwd },
        );
        assert.equal(out.code, 0, out.stderr.join("\n"));
        assert.ok(!out.stderr.some((line) => line.startsWith("warning")), out.stderr.join("\n"));
      }
      assert.deepEqual((await redisCli(redis.port, ["ACL", "LOG"])).filter(Boolean), []);
      await using admin = await openStore(redis.url);
      const seqs = (await admin.range("app:event")).map((e) => e.fields.spool_seq);
      assert.deepEqual(seqs, ["1", "2", "3", "4", "5", "6"]);
    }),
});

Deno.test({
  name: "producer --spool warns once per error, not once per retry, when Redis denies its stream",
  ignore: ignoreRedis,
  fn: () =>
    withAclRedis(async (redis, cwd) => {
      const url = asUser(redis.url, "sensor3");
      const out = await runScript(
        "rstream-produce",
        [
          "sensor3",
          "--url",
          url,
          "--stream",
          "other",
          "--spool",
          ".rstream/spool.db",
          "--count",
          "3",
          "--drain-ms",
          "2500",
        ],
        { cwd },
      );
      assert.equal(out.code, 0, out.stderr.join("\n"));
      const grant = "grant the user this command and key in its ACL, or use another user";
      const noKey = "this user has no permissions to access one of the keys used as arguments";
      assert.deepEqual(out.stderr.sort(), [
        "spool: 3 readings still spooled in .rstream/spool.db; they are forwarded on the next run",
        `warning: forwarding: Permission denied (XADD on 'other'): ${noKey}; ${grant}; the readings stay spooled`,
        `warning: forwarding: Permission denied (XRANGE on 'other'): ${noKey}; ${grant}; the readings stay spooled`,
      ]);
      const stats = (await redisCli(redis.port, ["INFO", "commandstats"])).join("\n");
      const denied = Number(/cmdstat_xadd:.*rejected_calls=(\d+)/.exec(stats)?.[1] ?? 0);
      assert.ok(denied >= 2, `Redis denied ${denied} XADDs: the forwarder kept retrying`);
    }),
});
