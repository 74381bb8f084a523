/**
 * Load: 100k entries (RSTREAM_FAULTS_LOAD_N for local runs) through 4
 * consumer processes, 5% of them poison (seeded), one consumer killed with -9
 * at a third and restarted: every entry processed, acked once, the poison
 * ones dead-lettered.
 *
 * @module
 */

import assert from "node:assert/strict";
import { parseDeadLetter } from "../../lib/worker/dead_letter.ts";
import {
  checkDelivered,
  type Consumer,
  faultTest,
  publish,
  report,
  seededRandom,
  settled,
  STREAM,
  tally,
  until,
} from "./_faults.ts";

const N = Number(Deno.env.get("RSTREAM_FAULTS_LOAD_N") ?? 100_000);
const SEED = 20_240_601;

faultTest(
  `consume() processes ${N} entries through 4 processes with 5% poison and a kill -9, acking each once`,
  async (t) => {
    const started = performance.now();
    const random = seededRandom(SEED);
    const temps = Array.from({ length: N }, () => random().toFixed(3));
    const sent = await publish(t.store, N, { temp: (n) => temps[n]! });
    const poison = new Set(sent.filter((_, n) => Number(temps[n]) > 0.95));
    const published = performance.now();
    const args = ["--start-from", "0", "--count", "100", "--concurrency", "100", "--block", "200"]
      .concat(["--fail-above", "0.95", "--max-deliveries", "2", "--claim-idle", "1000"]);
    const consumers: Consumer[] = ["c1", "c2", "c3", "c4"].map((name) => t.consumer(name, args));
    const done = () => consumers.reduce((n, c) => n + c.count("finished"), 0);
    await until(() => done() >= N / 3, "a third of the entries", 60_000);
    const killed = consumers[0]!;
    await killed.stop("SIGKILL");
    consumers.push(t.consumer("c1", args));
    await until(
      async () => await t.store.len(`${STREAM}:dead-letter`) >= poison.size && settled(t.store),
      "every entry handled or dead-lettered",
      120_000,
    );
    const seconds = (performance.now() - published) / 1000;
    for (const c of consumers.slice(1)) assert.equal(await c.stop(), 0, c.stderr.join("\n"));
    const letters = (await t.store.range(`${STREAM}:dead-letter`)).map((e) =>
      parseDeadLetter(e.fields)
    );
    const lettered = new Set(letters.map((l) => l.id));
    // A kill -9 between the dead-letter XADD and its XACK may write one twice.
    assert.ok(letters.length - lettered.size <= 100, "dead letters written twice");
    assert.deepEqual([...lettered].sort(), [...poison].sort());
    const all = tally(consumers);
    const good = sent.filter((id) => !poison.has(id));
    assert.ok(good.every((id) => !all.deadLettered.has(id)));
    // On 2 busy cores a consumer can stall (a starved SQLite lock, CPU) past claimIdleMs / 2 while
    // its batch XACK is on the way; an entry taken over then may be reported by both: at most one
    // batch (count 100), and only by the consumer that claimed it and another.
    const figures = await checkDelivered(t.store, sent, all, {
      unconfirmed: 100,
      reportedTwiceAfterTakeover: 100,
    });
    report(`load ${N} entries, 4 consumers, 5% poison, one kill -9 [${t.backend}]`, {
      ...figures,
      extra: {
        ...figures.extra,
        poison: poison.size,
        "dead-lettered": lettered.size,
        "handler re-runs (kill, poison retries)": [...all.processing.values()].reduce(
          (n, k) => n + k - 1,
          0,
        ),
        "entries/s": Math.round(N / seconds),
        "s total": Math.round((performance.now() - started) / 1000),
        seed: SEED,
      },
    });
  },
);
