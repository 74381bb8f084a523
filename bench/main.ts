/**
 * `deno task bench [--quick] [--json] [--only soak] [--soak-seconds N]`:
 * starts its own redis-server and measures, in one run, rstream against
 * redis-benchmark, node-redis and the ceiling (a bare Deno.connect loop with
 * pre-encoded commands), the consumer worker, end-to-end latency, the
 * embedded store, start-up time and memory, the edge packages of
 * `deno task package`, and the producer's and consumer's memory over a soak
 * (60 s, 5 s with `--quick`; `--only soak` runs that part alone). Prints a
 * table (or, with `--json`, one JSON object); asserts no thresholds — CI runs
 * `--quick` only so that the bench keeps working.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { type BenchRedis, startBenchRedis } from "./_redis.ts";
import { redisBenchmarkXadd } from "./baseline.ts";
import { ceilingAdds, ceilingConsume } from "./ceiling.ts";
import { consumeAck, prefill, rawClientAdds, rstreamAdds } from "./throughput.ts";
import { endToEndLatency } from "./latency.ts";
import {
  embeddedAdds,
  embeddedConcurrentAdds,
  embeddedConsume,
  embeddedWakeUp,
  sqliteCeilings,
} from "./embedded.ts";
import { peakRss, startupTimes } from "./startup.ts";
import { edgeFigures } from "./edge.ts";
import { serveXadd } from "./serve.ts";
import { soak, type SoakFigures } from "./soak.ts";
import {
  type BenchResults,
  renderRows,
  renderTable,
  soakJson,
  soakRows,
  toJson,
} from "./report.ts";
import { openStore } from "../lib/open_store.ts";

/** Sizes of one run. */
const SIZES = {
  full: {
    rounds: 3,
    rbSingle: 100_000,
    rbBatched: 1_000_000,
    single: 20_000,
    consume: 100_000,
    latencyWarmupMs: 1000,
    latencyMs: 5000,
    embeddedSingle: 20_000,
    embeddedBatched: 200_000,
    embeddedConsume: 50_000,
    wakes: 200,
    startupRuns: 5,
    rss: 20_000,
    soakSeconds: 60,
  },
  quick: {
    rounds: 1,
    rbSingle: 10_000,
    rbBatched: 100_000,
    single: 3_000,
    consume: 20_000,
    latencyWarmupMs: 300,
    latencyMs: 1000,
    embeddedSingle: 3_000,
    embeddedBatched: 30_000,
    embeddedConsume: 5_000,
    wakes: 30,
    startupRuns: 1,
    rss: 2_000,
    soakSeconds: 5,
  },
};

/** Pipelining depth of batched adds: redis-benchmark's -P 100. */
const BATCH = 100;
/** The consumer settings that showed the worker at its best (see the README's Performance section). */
const CONSUME = { count: 1000, concurrency: 1000 };
/** The soak's rate: the 5k/s. */
const SOAK_RATE = 5000;

const args = parseArgs({
  args: Deno.args,
  options: {
    quick: { type: "boolean" },
    json: { type: "boolean" },
    only: { type: "string" },
    "soak-seconds": { type: "string" },
  },
});
const quick = args.values.quick === true;
const size = quick ? SIZES.quick : SIZES.full;
const log = (text: string) => console.error(`bench: ${text}`);
if (args.values.only !== undefined && args.values.only !== "soak") {
  throw new TypeError(
    `--only takes 'soak' (the one part that runs alone), got '${args.values.only}'`,
  );
}
const soakSeconds = args.values["soak-seconds"] === undefined
  ? size.soakSeconds
  : Number(args.values["soak-seconds"]);
if (!Number.isInteger(soakSeconds) || soakSeconds < 2) {
  throw new RangeError(
    `--soak-seconds must be a whole number ≥ 2, got '${args.values["soak-seconds"]}'`,
  );
}

/** The soak (part 9) against `redis`. */
function soakPart(redis: BenchRedis): Promise<SoakFigures> {
  log(`9/9 soak: producer and consumer scripts for ${soakSeconds} s at ${SOAK_RATE}/s`);
  return soak(redis.url, redis.port, { seconds: soakSeconds, rate: SOAK_RATE });
}

/** Parts 1–9 against `redis`, with `dir` as scratch space. */
async function allParts(redis: BenchRedis, dir: string): Promise<BenchResults> {
  const url = redis.url;
  // Latency first, in a process that has run nothing else yet (as a real consumer
  // process). This did not remove the variance: p99 at 10k/s measured 0.8–1.4 ms in
  // a standalone 3 s run and 1.6–3.6 ms in full bench runs (README, Performance).
  log("5/9 add → handler latency at 1k/s and 10k/s");
  const latencyOptions = { warmupMs: size.latencyWarmupMs, measureMs: size.latencyMs };
  const at1k = await endToEndLatency(url, { rate: 1000, ...latencyOptions });
  const at10k = await endToEndLatency(url, { rate: 10_000, ...latencyOptions });

  // Throughputs are the best of `rounds` interleaved rounds, baseline and
  // library alike: on a shared 2-core machine a neighbour's burst then costs
  // one round, not the comparison.
  const best = (a: number, b: number) => Math.max(a, b);
  const baseline = { p1: 0, p100: 0 };
  const served = { memory: 0, file: 0 };
  const raw = { single: 0, batched: 0 };
  const ceiling = { single: 0, batched: 0, consume: 0 };
  const adds = { single: 0, batched: 0 };
  let consumeOne = 0;
  let consumeFour = 0;
  for (let round = 1; round <= size.rounds; round++) {
    log(`round ${round}/${size.rounds}: 1/9 redis-benchmark XADD -P 1 and -P 100`);
    baseline.p1 = best(
      baseline.p1,
      await redisBenchmarkXadd(redis.port, { n: size.rbSingle, pipeline: 1, key: "bench:rb1" }),
    );
    baseline.p100 = best(
      baseline.p100,
      await redisBenchmarkXadd(redis.port, {
        n: size.rbBatched,
        pipeline: BATCH,
        key: "bench:rb100",
      }),
    );
    log(`round ${round}/${size.rounds}: 1/9 redis-benchmark XADD -P 100 against rstream serve`);
    const servedRound = await serveXadd(dir, { n: size.rbBatched / 5, pipeline: BATCH });
    served.memory = best(served.memory, servedRound.memory);
    served.file = best(served.file, servedRound.file);
    {
      await using store = await openStore(url);
      await store.deleteStream("bench:rb1");
      await store.deleteStream("bench:rb100");
    }

    log(`round ${round}/${size.rounds}: 2/9 ceiling (bare Deno.connect loop) and node-redis xAdd`);
    const ceilingRound = await ceilingAdds(redis.port, { n: size.single, batch: BATCH });
    ceiling.single = best(ceiling.single, ceilingRound.single);
    ceiling.batched = best(ceiling.batched, ceilingRound.batched);

    const rawRound = await rawClientAdds(url, { n: size.single, batch: BATCH });
    raw.single = best(raw.single, rawRound.single);
    raw.batched = best(raw.batched, rawRound.batched);

    log(`round ${round}/${size.rounds}: 3/9 rstream add / addMany`);
    const addsRound = await rstreamAdds(url, { n: size.single, batch: BATCH });
    adds.single = best(adds.single, addsRound.single);
    adds.batched = best(adds.batched, addsRound.batched);

    log(`round ${round}/${size.rounds}: 4/9 rstream consume + ack, 1 and 4 consumers`);
    {
      await using store = await openStore(url);
      const stream = "bench:consume:ceiling";
      await prefill(store, stream, size.consume);
      await store.createGroup(stream, "g", { start: "0" });
      ceiling.consume = best(
        ceiling.consume,
        await ceilingConsume(redis.port, { stream, group: "g", n: size.consume, count: 1000 }),
      );
      await store.deleteStream(stream);
    }
    consumeOne = best(
      consumeOne,
      await consumeAck(() => openStore(url), { n: size.consume, consumers: 1, ...CONSUME }),
    );
    consumeFour = best(
      consumeFour,
      await consumeAck(() => openStore(url), { n: size.consume, consumers: 4, ...CONSUME }),
    );
  }

  log("6/9 embedded store");
  const embeddedAdd = await embeddedAdds(dir, {
    n: size.embeddedSingle,
    batch: BATCH,
    batchedN: size.embeddedBatched,
  });
  const embeddedConcurrent = await embeddedConcurrentAdds(dir, { n: size.embeddedBatched });
  const embeddedCeiling = sqliteCeilings(dir, {
    n: size.embeddedSingle,
    batch: BATCH,
    batchedN: size.embeddedBatched,
  });
  const embeddedConsumeRate = await embeddedConsume(dir, { n: size.embeddedConsume, ...CONSUME });
  const wake = await embeddedWakeUp(dir, size.wakes);

  log("7/9 start-up and peak RSS");
  const startup = await startupTimes(url, size.startupRuns, `file:${dir}/startup.db`);
  const rss = await peakRss(url, size.rss);

  log("8/9 edge packages: deno task package, the packaged producer's start-up and peak RSS");
  const edge = await edgeFigures(url, dir, { runs: size.startupRuns, rssReadings: size.rss });

  const results: BenchResults = {
    quick,
    baseline,
    serve: served,
    raw,
    ceiling,
    rstream: { ...adds, batchSize: BATCH },
    consume: { one: consumeOne, four: consumeFour, ...CONSUME },
    latency: { at1k, at10k },
    embedded: {
      ...embeddedAdd,
      concurrent: embeddedConcurrent,
      consume: embeddedConsumeRate,
      wake,
      ceiling: embeddedCeiling,
    },
    startup,
    rss,
    edge,
    soak: await soakPart(redis),
  };
  return results;
}

/** Prints the table, or with `--json` the table on stderr and the JSON object on stdout. */
function print(table: string, json: unknown): void {
  if (args.values.json) {
    console.error(table); // the table for people; stdout stays one JSON object
    console.log(JSON.stringify(json, null, 2));
  } else console.log(table);
}

const scratch = new URL("../.rstream/", import.meta.url).pathname;
await Deno.mkdir(scratch, { recursive: true });
const dir = await Deno.makeTempDir({ dir: scratch, prefix: "bench-" });
const started = performance.now();
const done = () => log(`done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
try {
  await using redis = await startBenchRedis(dir);
  log(`redis-server on ${redis.url}; ${quick ? "quick" : "full"} run`);
  if (args.values.only === "soak") {
    const figures = await soakPart(redis);
    done();
    print(renderRows(soakRows(figures)), { quick, ...soakJson(figures) });
  } else {
    const results = await allParts(redis, dir);
    done();
    print(renderTable(results), toJson(results));
  }
} finally {
  await Deno.remove(dir, { recursive: true });
}
