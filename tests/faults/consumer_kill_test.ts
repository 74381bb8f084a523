/**
 * Consumer processes killed with -9: restarted under the same name they
 * finish their own pending entries; dead for good, another consumer takes
 * their entries over once they were idle `claimIdleMs`.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  checkDelivered,
  delay,
  faultTest,
  GROUP,
  publish,
  report,
  settled,
  STREAM,
  tally,
  until,
} from "./_faults.ts";

const N = 1000;

faultTest(
  "consume() finishes its own pending entries after kill -9 and a restart under the same name",
  async (t) => {
    const sent = await publish(t.store, N);
    const args = ["--start-from", "0", "--count", "10", "--concurrency", "10", "--block", "100"]
      .concat(["--work-ms", "2-8", "--claim-idle", "60000"]);
    const first = t.consumer("c1", args);
    await until(() => first.count("finished") >= N / 3, "a third of the entries");
    await first.stop("SIGKILL");
    const pendingAtKill = await t.store.pending(STREAM, GROUP, { count: 1000 });
    assert.ok(pendingAtKill.length > 0, "killed mid-batch: entries were pending");
    assert.ok(pendingAtKill.every((p) => p.consumer === "c1"));

    const second = t.consumer("c1", args);
    await until(() => settled(t.store), "the restarted consumer to drain the group");
    assert.equal(await second.stop(), 0, second.stderr.join("\n"));

    // Its own pending entries come first, as second deliveries.
    const redelivered = second.events.filter((e) => e.event === "processing")
      .slice(0, pendingAtKill.length);
    assert.deepEqual(
      redelivered.map((e) => [e.id, e.deliveries]),
      pendingAtKill.map((p) => [p.id, 2]),
    );
    const figures = await checkDelivered(t.store, sent, tally([first, second]), {
      unconfirmed: 10,
    });
    report(`kill -9 consumer, restart same name [${t.backend}]`, {
      ...figures,
      extra: {
        ...figures.extra,
        "pending at kill": pendingAtKill.length,
        redelivered: redelivered.length,
      },
    });
  },
);

faultTest(
  "consume() takes over a dead consumer's entries only after claimIdleMs, with rising delivery counts",
  async (t) => {
    const CLAIM_IDLE = 2000;
    const sent = await publish(t.store, N);
    const args = ["--start-from", "0", "--count", "10", "--concurrency", "10", "--block", "100"]
      .concat(["--work-ms", "2-8", "--claim-idle", String(CLAIM_IDLE)]);
    const dead = t.consumer("c1", args);
    await until(() => dead.count("finished") >= N / 3, "a third of the entries");
    await dead.stop("SIGKILL");
    const killedAt = Date.now();
    const orphans = await t.store.pending(STREAM, GROUP, { count: 1000 });
    assert.ok(orphans.length > 0, "killed mid-batch: entries were pending");

    const heir = t.consumer("c2", args);
    // Well before claimIdleMs (less the heartbeat period c1 may have just used),
    // the orphans still belong to c1 and c2 has not touched them.
    await until(() => heir.count("finished") >= 50, "c2 to work on new entries");
    await delay(Math.max(0, killedAt + CLAIM_IDLE / 2 - Date.now()));
    const stillOwned = await t.store.pending(STREAM, GROUP, { consumer: "c1", count: 1000 });
    assert.deepEqual(stillOwned.map((p) => p.id), orphans.map((p) => p.id));
    const orphanIds = new Set(orphans.map((p) => p.id));
    assert.equal(heir.events.filter((e) => orphanIds.has(e.id ?? "")).length, 0);

    await until(() => settled(t.store), "c2 to drain the group", 30_000);
    const claimedAt = Date.now();
    assert.equal(await heir.stop(), 0, heir.stderr.join("\n"));
    const claims = heir.events.filter((e) => e.event === "claimed").flatMap((e) => e.ids!);
    assert.deepEqual(claims.sort(), [...orphanIds].sort());
    const retries = heir.events.filter((e) => e.event === "processing" && orphanIds.has(e.id!));
    assert.deepEqual(retries.map((e) => e.deliveries), retries.map(() => 2));
    assert.ok(claimedAt - killedAt >= CLAIM_IDLE * 2 / 3, "claimed before claimIdleMs");
    const figures = await checkDelivered(t.store, sent, tally([dead, heir]), { unconfirmed: 10 });
    report(`kill -9 consumer for good, reclaimed by another [${t.backend}]`, {
      ...figures,
      extra: {
        ...figures.extra,
        "reclaimed after claimIdleMs": claims.length,
        "delivery count": "1 -> 2",
      },
    });
  },
);
