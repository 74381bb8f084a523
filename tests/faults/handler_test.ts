/**
 * Handler faults: a handler slower than `claimIdleMs` in a live consumer, and
 * a poison entry that always fails.
 *
 * @module
 */

import assert from "node:assert/strict";
import { parseDeadLetter } from "../../lib/worker/dead_letter.ts";
import {
  checkDelivered,
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
  "consume() keeps a handler's entry claimed while it runs longer than claimIdleMs, so no other consumer processes it again",
  async (t) => {
    const CLAIM_IDLE = 300;
    const WORK = 1200; // four times claimIdleMs
    const sent = await publish(t.store, 12);
    const args = ["--start-from", "0", "--count", "2", "--concurrency", "2", "--block", "100"]
      .concat(["--work-ms", String(WORK), "--claim-idle", String(CLAIM_IDLE)]);
    const consumers = [t.consumer("c1", args), t.consumer("c2", args)];
    await until(() => settled(t.store), "both consumers to finish", 30_000);
    for (const c of consumers) assert.equal(await c.stop(), 0, c.stderr.join("\n"));
    const all = tally(consumers);
    assert.deepEqual([...all.processing.values()].filter((n) => n !== 1), [], "processed twice");
    assert.equal(all.claimed, 0, "nothing was claimed from a live consumer");
    const deliveries = consumers.flatMap((c) => c.events)
      .filter((e) => e.event === "processing").map((e) => e.deliveries);
    assert.ok(deliveries.every((d) => d === 1), "every entry was delivered once");
    assert.ok(consumers.every((c) => c.count("finished") > 0), "both consumers worked");
    const figures = await checkDelivered(t.store, sent, all);
    report(`handler ${WORK} ms > claimIdleMs ${CLAIM_IDLE} ms, 2 live consumers [${t.backend}]`, {
      ...figures,
      extra: { "processed twice": 0, claimed: all.claimed },
    });
  },
);

faultTest(
  "consume() moves a poison entry to the dead-letter stream with its error after maxDeliveries while other entries flow",
  async (t) => {
    const MAX_DELIVERIES = 3;
    const poison = new Set([7, 50, 51, 120, 299]);
    const sent = await publish(t.store, 300, { temp: (n) => poison.has(n) ? "0.9" : "0.4" });
    const poisonIds = new Set([...poison].map((n) => sent[n]!));
    const c1 = t.consumer("c1", [
      "--start-from",
      "0",
      "--count",
      "10",
      "--concurrency",
      "10",
      "--block",
      "100",
      "--fail-above",
      "0.7",
      "--claim-idle",
      "200",
      "--max-deliveries",
      String(MAX_DELIVERIES),
    ]);
    await until(
      async () => await t.store.len(`${STREAM}:dead-letter`) >= poison.size && settled(t.store),
      "the poison entries to be dead-lettered",
      30_000,
    );
    assert.equal(await c1.stop(), 0, c1.stderr.join("\n"));
    const letters = (await t.store.range(`${STREAM}:dead-letter`)).map((e) =>
      parseDeadLetter(e.fields)
    );
    assert.deepEqual(letters.map((l) => l.id).sort(), [...poisonIds].sort());
    for (const letter of letters) {
      assert.deepEqual(
        [letter.stream, letter.group, letter.consumer, letter.error, letter.deliveries],
        [STREAM, GROUP, "c1", "temp 0.9 is above 0.7", MAX_DELIVERIES + 1],
      );
      assert.equal(letter.fields.temp, "0.9");
    }
    const all = tally([c1]);
    for (const id of poisonIds) assert.equal(all.processing.get(id), MAX_DELIVERIES);
    // The good entries flowed meanwhile: each processed once, none waited for the poison.
    const good = sent.filter((id) => !poisonIds.has(id));
    assert.ok(good.every((id) => all.processing.get(id) === 1 && all.finished.get(id) === 1));
    const lastGood = c1.events.findLastIndex((e) => e.event === "finished");
    const firstLetter = c1.events.findIndex((e) => e.event === "dead-lettered");
    assert.ok(firstLetter > 0 && lastGood > 0);
    const figures = await checkDelivered(t.store, sent, all);
    report(`poison entries, maxDeliveries ${MAX_DELIVERIES} [${t.backend}]`, {
      ...figures,
      extra: { poison: poison.size, "dead-lettered": letters.length, failures: all.failed },
    });
  },
);
