/**
 * A consumer frozen (SIGSTOP: a paused VM, a process swapped out, a long
 * stall) for longer than `claimIdleMs` while it handles entries: another
 * consumer takes them over and handles them; when the frozen one resumes
 * (SIGCONT) its handlers finish too, and each entry is still reported
 * handled by one consumer only (the late acks go alone, checked by XACK's
 * count), with nothing left pending. Two orders: the other consumer acks
 * first, or the resumed one does.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  checkDelivered,
  type Consumer,
  faultTest,
  publish,
  report,
  settled,
  tally,
  until,
} from "./_faults.ts";

const CLAIM_IDLE = 1000;

/** The IDs `consumer` claimed, and how many of them it printed finished. */
function claims(consumer: Consumer): { ids: Set<string>; finished: number } {
  const ids = new Set(consumer.events.flatMap((e) => e.event === "claimed" ? e.ids! : []));
  const finished = consumer.events.filter((e) => e.event === "finished" && ids.has(e.id!)).length;
  return { ids, finished };
}

for (const order of ["the other acks first", "the resumed one acks first"] as const) {
  faultTest(
    `consume() reports each entry handled once when a consumer frozen past claimIdleMs resumes after another took its entries over (${order})`,
    async (t) => {
      const sent = await publish(t.store, 300);
      const args = (workMs: number) =>
        ["--start-from", "0", "--count", "20", "--concurrency", "20", "--block", "100"]
          .concat(["--work-ms", String(workMs), "--claim-idle", String(CLAIM_IDLE)]);
      const frozen = t.consumer("c1", args(150));
      await until(() => frozen.count("finished") >= 20, "c1 to be handling entries");
      // When the resumed consumer must ack first, the other one's handlers take long.
      const other = t.consumer("c2", args(order === "the other acks first" ? 150 : 3000));
      let takenOver = false;
      for (let attempt = 0; attempt < 3 && !takenOver; attempt++) {
        // Frozen at a random point of its work: with entries in flight, and (on the embedded
        // store) rarely inside a write, which holds c2 up until it resumes: then try again.
        await until(() => frozen.count("processing") > frozen.count("finished"), "c1 in flight");
        frozen.process.kill("SIGSTOP");
        try {
          await until(() => claims(other).ids.size > 0, "c2 to take c1's entries over", 4_000);
          if (order === "the other acks first") {
            await until(() => {
              const { ids, finished } = claims(other);
              return finished === ids.size;
            }, "c2 to handle and ack what it took over");
          }
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
      const { ids: taken, finished: finishedByOther } = claims(other);
      const twice = [...all.processing].filter(([, n]) => n > 1).length;
      assert.ok(twice > 0, "some entries were handled by both consumers");
      const figures = await checkDelivered(t.store, sent, all);
      // Who reported the entries taken over follows from whose XACK came first.
      const expected = order === "the other acks first" ? taken.size : 0;
      assert.equal(
        finishedByOther,
        expected,
        "entries taken over reported by the one acking first",
      );
      report(`consumer frozen > claimIdleMs ${CLAIM_IDLE} ms, resumed; ${order} [${t.backend}]`, {
        ...figures,
        extra: {
          ...figures.extra,
          "taken over": taken.size,
          "handled by both": twice,
          "reported by the other": finishedByOther,
        },
      });
    },
  );
}
