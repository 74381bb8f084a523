/**
 * 50 consumer processes started one after the other under fresh names (as a
 * deployment that names consumers by host and pid would): with
 * `--remove-idle-consumers` the idle ones without pending entries are
 * removed, a consumer with pending entries never is.
 *
 * @module
 */

import assert from "node:assert/strict";
import { delay, faultTest, GROUP, publish, report, STREAM } from "./_faults.ts";

const RUNS = 50;
const IDLE_MS = 1500;

faultTest(
  "consume() removes idle consumers without pending entries after removeIdleConsumersMs over 50 restarts, never one with pending entries",
  async (t) => {
    const sent = await publish(t.store, 1);
    await t.store.createGroup(STREAM, GROUP, { start: "0" });
    // A consumer that read an entry and went away: idle, with an entry pending.
    await t.store.readGroup(STREAM, GROUP, { consumer: "holder", count: 1 });
    const args = ["--max", "2", "--block", "100", "--claim-idle", "600000"]
      .concat(["--remove-idle-consumers", String(IDLE_MS)]);
    const removed: string[] = [];
    let peak = 0;
    const started = performance.now();
    let lastStart = started;
    for (let run = 0; run < RUNS; run++) {
      sent.push(...await publish(t.store, 2, { from: sent.length }));
      lastStart = performance.now();
      const consumer = t.consumer(`run-${run}`, args);
      const { code } = await consumer.process.exited(); // ends at --max 2, or fails
      assert.equal(code, 0, consumer.stderr.join("\n"));
      assert.equal(consumer.count("finished"), 2);
      for (const line of consumer.stderr) {
        const name = /^removed idle consumer (\S+)$/.exec(line)?.[1];
        if (name) removed.push(name);
      }
      peak = Math.max(peak, (await t.store.consumers(STREAM, GROUP)).length);
    }
    const seconds = (performance.now() - started) / 1000;
    assert.ok(!removed.includes("holder"), "the consumer with a pending entry was removed");
    const left = await t.store.consumers(STREAM, GROUP);
    const names = left.map((c) => c.name);
    assert.ok(names.includes("holder"));
    assert.equal(left.find((c) => c.name === "holder")!.pending, 1);
    // Every consumer idle longer than IDLE_MS when the last run looked was removed: a
    // consumer left now has been idle at most IDLE_MS plus the time since that run started
    // (100 ms for the clocks of the server and this process).
    const sinceLastStart = performance.now() - lastStart;
    for (const c of left.filter((c) => c.name !== "holder")) {
      assert.ok(
        c.idleMs <= IDLE_MS + sinceLastStart + 100,
        `${c.name} idle ${c.idleMs} ms was not removed (last start ${
          Math.round(sinceLastStart)
        } ms ago)`,
      );
    }
    assert.equal(
      removed.length + names.length - 1,
      RUNS,
      "each run's consumer was removed or is recent",
    );

    // Once they are all idle, the next start removes them all but the holder.
    await delay(IDLE_MS + 100);
    sent.push(...await publish(t.store, 2, { from: sent.length }));
    const last = t.consumer("last", args);
    assert.equal((await last.process.exited()).code, 0);
    assert.deepEqual(
      (await t.store.consumers(STREAM, GROUP)).map((c) => c.name).sort(),
      ["holder", "last"],
    );
    assert.equal((await t.store.pendingSummary(STREAM, GROUP)).count, 1, "only the holder's entry");
    report(`${RUNS} restarts under fresh names, removeIdleConsumersMs ${IDLE_MS} [${t.backend}]`, {
      sent: sent.length,
      processed: sent.length - 1,
      acked: sent.length - 1,
      lost: 0,
      extra: {
        "consumers created": RUNS + 1,
        removed: removed.length,
        "peak consumers": peak,
        "holder with pending kept": 1,
        "s": Math.round(seconds),
      },
    });
  },
  { backends: ["redis"] },
);
