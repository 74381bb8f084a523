/**
 * Entries deleted (XDEL) or trimmed (XTRIM MINID) while pending: the owner
 * restarting under its name, and another consumer reclaiming, both skip them
 * and the pending list drains.
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

faultTest(
  "consume() skips pending entries deleted or trimmed from the stream and drains the pending list",
  async (t) => {
    const sent = await publish(t.store, 100);
    const slow = ["--start-from", "0", "--count", "20", "--concurrency", "20", "--block", "100"]
      .concat(["--work-ms", "60000"]);
    const removed = new Set<string>();
    /** Kills a consumer holding 20 pending entries, then trims 5 and deletes 5 of them. */
    const strand = async (name: string) => {
      const holder = t.consumer(name, slow);
      await until(() => holder.count("processing") === 20, `${name} to hold 20 entries`);
      await holder.stop("SIGKILL");
      const pending = (await t.store.pending(STREAM, GROUP, { consumer: name })).map((p) => p.id);
      assert.equal(pending.length, 20);
      // MINID also evicts entries already acked before them; 5 of the evicted are pending.
      assert.ok(await t.store.trim(STREAM, { minId: pending[5]! }) >= 5);
      assert.equal(await t.store.del(STREAM, pending.slice(10, 15)), 5);
      for (const id of [...pending.slice(0, 5), ...pending.slice(10, 15)]) removed.add(id);
      return holder;
    };
    const fast = ["--start-from", "0", "--count", "10", "--concurrency", "10", "--block", "100"];

    // The owner restarts: its own pending entries come back, deleted ones without fields.
    const first = await strand("c1");
    const restarted = t.consumer("c1", [...fast, "--max", "30"]);
    const { code } = await restarted.process.exited(); // ends at --max 30, or fails
    assert.equal(code, 0, restarted.stderr.join("\n"));
    assert.deepEqual(
      restarted.events.filter((e) => e.event === "deleted").map((e) => e.id).sort(),
      [...removed].sort(),
    );

    // Another consumer reclaims a dead one's entries: XAUTOCLAIM reports the deleted ones.
    const before = new Set(removed);
    const second = await strand("c2");
    await delay(50);
    const heir = t.consumer("c3", [...fast, "--claim-idle", "300"]);
    await until(() => settled(t.store), "the pending list to drain");
    assert.equal(await heir.stop(), 0, heir.stderr.join("\n"));
    assert.deepEqual(
      heir.events.filter((e) => e.event === "deleted").map((e) => e.id).sort(),
      [...removed].filter((id) => !before.has(id)).sort(),
    );

    const all = tally([first, restarted, second, heir]);
    const present = sent.filter((id) => !removed.has(id));
    assert.ok([...removed].every((id) => !all.finished.has(id)));
    const figures = await checkDelivered(t.store, present, all);
    report(`entries deleted or trimmed while pending [${t.backend}]`, {
      ...figures,
      sent: sent.length,
      extra: {
        "deleted or trimmed while pending": removed.size,
        "reported deleted": all.deleted.length,
      },
    });
  },
);
