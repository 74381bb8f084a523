/**
 * SIGTERM with handlers in flight: nothing is acked before its handler
 * succeeded, the process exits within the longest handler plus a margin, and
 * a restart finishes the rest.
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
  "consume() acks nothing before its handler succeeded and exits within the deadline on SIGTERM",
  async (t) => {
    const WORK = 1500;
    const DEADLINE = WORK + 2000;
    const sent = await publish(t.store, 20);
    const args = ["--start-from", "0", "--count", "5", "--concurrency", "5", "--block", "100"];
    const first = t.consumer("c1", [...args, "--work-ms", String(WORK)]);
    await until(() => first.count("processing") === 5, "5 handlers in flight");
    assert.equal((await t.store.pendingSummary(STREAM, GROUP)).count, 5);
    const stoppedAt = Date.now();
    first.process.kill("SIGTERM");
    await delay(300);
    // The handlers are still running: nothing acked, nothing finished yet.
    assert.equal((await t.store.pendingSummary(STREAM, GROUP)).count, 5);
    assert.equal(first.count("finished"), 0);
    const { code } = await first.process.done;
    const exitMs = Date.now() - stoppedAt;
    assert.equal(code, 0, first.stderr.join("\n"));
    assert.ok(exitMs < DEADLINE, `exited after ${exitMs} ms`);
    assert.equal(first.count("finished"), 5, "the in-flight handlers finished and were acked");
    assert.equal(first.count("processing"), 5, "nothing new started after SIGTERM");
    assert.equal((await t.store.pendingSummary(STREAM, GROUP)).count, 0);

    const second = t.consumer("c1", args);
    await until(() => settled(t.store), "a restart to finish the rest");
    assert.equal(await second.stop(), 0, second.stderr.join("\n"));
    const figures = await checkDelivered(t.store, sent, tally([first, second]));
    report(`SIGTERM with 5 handlers in flight [${t.backend}]`, {
      ...figures,
      extra: { "in flight at SIGTERM": 5, "exit ms": exitMs, "deadline ms": DEADLINE },
    });
  },
);
