/**
 * A consumer frozen (SIGSTOP: a paused VM, a process swapped out, a long
 * stall) for longer than `claimIdleMs` while it handles entries: another
 * consumer takes them over and handles them; when the frozen one resumes
 * (SIGCONT) its handlers finish too, and each entry is still reported
 * handled by one consumer only (the late acks go alone, checked by XACK's
 * count), with nothing left pending.
 *
 * @module
 */

import assert from "node:assert/strict";
import { checkDelivered, faultTest, publish, report, settled, tally, until } from "./_faults.ts";

const CLAIM_IDLE = 1000;

faultTest(
  "consume() reports each entry handled once when a consumer frozen past claimIdleMs resumes after another took its entries over",
  async (t) => {
    const sent = await publish(t.store, 300);
    const args = ["--start-from", "0", "--count", "20", "--concurrency", "20", "--block", "100"]
      .concat(["--work-ms", "150", "--claim-idle", String(CLAIM_IDLE)]);
    const frozen = t.consumer("c1", args);
    await until(() => frozen.count("finished") >= 20, "c1 to be handling entries");
    const other = t.consumer("c2", args);
    let takenOver = false;
    for (let attempt = 0; attempt < 3 && !takenOver; attempt++) {
      // Frozen at a random point of its work: with entries in flight, and (on the embedded
      // store) rarely inside a write, which holds c2 up until it resumes: then try again.
      await until(() => frozen.count("processing") > frozen.count("finished"), "c1 in flight");
      frozen.process.kill("SIGSTOP");
      try {
        await until(() => other.count("claimed") > 0, "c2 to take c1's entries over", 4_000);
        await until(
          () => other.count("finished") > other.count("processing") - 20,
          "c2 done",
          4_000,
        );
        takenOver = true;
      } catch {
        // c2 took nothing over in time: thaw and freeze again
      } finally {
        frozen.process.kill("SIGCONT");
      }
    }
    assert.ok(takenOver, "c2 took over entries of the frozen c1");
    await until(() => settled(t.store), "every entry acked", 30_000);
    for (const c of [frozen, other]) assert.equal(await c.stop(), 0, c.stderr.join("\n"));
    const all = tally([frozen, other]);
    const twice = [...all.processing].filter(([, n]) => n > 1).length;
    assert.ok(all.claimed > 0 && twice > 0, "some entries were handled by both consumers");
    const figures = await checkDelivered(t.store, sent, all);
    report(`consumer frozen > claimIdleMs ${CLAIM_IDLE} ms, then resumed [${t.backend}]`, {
      ...figures,
      extra: { "taken over": all.claimed, "handled by both": twice },
    });
  },
);
