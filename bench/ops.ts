/**
 * What the operations hooks cost the consumer: consume + ack of a pre-filled
 * stream (one consumer, COUNT 1000, concurrency 1000, a no-op handler) on a
 * private redis-server, in three variants run in alternating order each
 * round:
 *
 * - `before`: `consume()` as the bench's consume row runs it, no hooks;
 * - `ops_off`: the consumer script's path without ops options (what every
 *   run pays now): the handler, store and event hook passed through
 *   `startConsumerOps()` with no metrics port, no JSON logs, tracing off;
 * - `metrics_on`: the same with `--metrics-port 0` (counters, histogram,
 *   in-flight gauge, the watched connection, the refresh every 5 s).
 *
 * Prints one JSON object: entries/s per variant (median of the rounds) and
 * the median over the rounds of each variant's ratio to `before` in the same round. `deno task bench-ops [--rounds N] [--n N]`.
 *
 * @module
 */

import process from "node:process";
import { parseArgs } from "node:util";
import { consume } from "../lib/worker/consume.ts";
import { openStore } from "../lib/open_store.ts";
import type { StreamStore } from "../lib/store.ts";
import { type OpsArgs, startConsumerOps } from "../scripts/_ops.ts";
import { timed } from "./_clock.ts";
import { startBenchRedis } from "./_redis.ts";
import { perSecond } from "./report.ts";
import { prefill } from "./throughput.ts";

const args = parseArgs({
  args: Deno.args,
  options: { rounds: { type: "string" }, n: { type: "string" } },
});
const ROUNDS = Number(args.values.rounds ?? 7);
const N = Number(args.values.n ?? 50_000);
const STREAM = "bench:ops";

type Variant = "before" | "ops_off" | "metrics_on";

const OFF: OpsArgs = {
  metricsBind: "127.0.0.1",
  metricsIntervalMs: 5000,
  logFormat: "text",
  traceContext: false,
};

/** This process's CPU time (user + system) in ms. */
function cpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

/** One run: entries/s (wall time) and this process's CPU µs per entry. */
interface Run {
  rate: number;
  cpuUsPerEntry: number;
}

async function run(store: StreamStore, variant: Variant): Promise<Run> {
  await store.deleteStream(STREAM);
  await prefill(store, STREAM, N);
  await store.createGroup(STREAM, "g", { start: "0" });
  const stop = new AbortController();
  let handled = 0;
  const handler = () => {
    if (++handled === N) stop.abort();
  };
  const names = { stream: STREAM, group: "g", consumer: "c1" };
  const settings = {
    stream: STREAM,
    group: "g",
    consumer: "c1",
    count: 1000,
    concurrency: 1000,
    blockMs: 1000,
    claimIdleMs: 600_000,
    signal: stop.signal,
  };
  let ms: number;
  const cpu0 = cpuMs();
  if (variant === "before") {
    ms = await timed(() => consume(handler, { store, ...settings }));
  } else {
    const ops = variant === "ops_off" ? OFF : { ...OFF, metricsPort: 0 };
    await using hooks = await startConsumerOps(ops, names, store);
    const onEvent = hooks.onEvent(() => {});
    ms = await timed(() =>
      consume(hooks.handler(handler as () => Promise<void>), {
        ...settings,
        store: hooks.store,
        onEvent,
      })
    );
  }
  const cpu = cpuMs() - cpu0;
  const pending = await store.pendingSummary(STREAM, "g");
  if (handled !== N || pending.count !== 0) {
    throw new Error(`ops bench ${variant}: handled ${handled} of ${N}, ${pending.count} pending`);
  }
  return { rate: perSecond(N, ms), cpuUsPerEntry: (cpu * 1000) / N };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const scratch = new URL("../.rstream/", import.meta.url).pathname;
await Deno.mkdir(scratch, { recursive: true });
const dir = await Deno.makeTempDir({ dir: scratch, prefix: "bench-ops-" });
try {
  await using redis = await startBenchRedis(dir);
  await using store = await openStore(redis.url);
  const variants: Variant[] = ["before", "ops_off", "metrics_on"];
  const rates: Record<Variant, number[]> = { before: [], ops_off: [], metrics_on: [] };
  const cpu: Record<Variant, number[]> = { before: [], ops_off: [], metrics_on: [] };
  await run(store, "before"); // warm-up, untimed
  for (let round = 0; round < ROUNDS; round++) {
    // Rotate the order so that no variant always runs first (or last) in a round.
    const order = variants.map((_, i) => variants[(i + round) % variants.length]!);
    for (const variant of order) {
      const result = await run(store, variant);
      rates[variant].push(result.rate);
      cpu[variant].push(result.cpuUsPerEntry);
    }
    console.error(`bench-ops: round ${round + 1}/${ROUNDS}`);
  }
  const roundRatio = (variant: Variant, of = rates) =>
    Number(median(of[variant].map((value, i) => value / of.before[i]!)).toFixed(3));
  const per = Object.fromEntries(variants.map((v) => [v, Math.round(median(rates[v]))]));
  console.log(JSON.stringify(
    {
      n: N,
      rounds: ROUNDS,
      consume_ack_per_s: per,
      // Medians of the ratios within each round: a machine whose load drifts between rounds
      // moves both sides of a ratio together.
      ratios: {
        ops_off_vs_before: roundRatio("ops_off"),
        metrics_on_vs_before: roundRatio("metrics_on"),
      },
      // CPU time of this process per entry: what the hooks add, less disturbed by other load.
      cpu_us_per_entry: Object.fromEntries(
        variants.map((v) => [v, Number(median(cpu[v]).toFixed(2))]),
      ),
      cpu_ratios: {
        ops_off_vs_before: roundRatio("ops_off", cpu),
        metrics_on_vs_before: roundRatio("metrics_on", cpu),
      },
      all: rates,
    },
    null,
    2,
  ));
} finally {
  await Deno.remove(dir, { recursive: true });
}
