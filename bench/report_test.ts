import assert from "node:assert/strict";
import {
  type BenchResults,
  parseRedisBenchmarkCsv,
  percentile,
  percentiles,
  perSecond,
  ratio,
  renderTable,
  toJson,
} from "./report.ts";
import { taskFlags } from "./startup.ts";

const lat = (p50: number) => ({ n: 1000, p50, p99: p50 * 4, p999: p50 * 8, max: p50 * 10 });

const RESULTS: BenchResults = {
  quick: true,
  baseline: { p1: 40_000, p100: 800_000 },
  raw: { single: 20_000, batched: 200_000 },
  ceiling: { single: 20_000, batched: 700_000, consume: 400_000 },
  rstream: { single: 19_000, batched: 640_000, batchSize: 100 },
  consume: { one: 100_000, four: 120_000, count: 1000, concurrency: 1000 },
  latency: { at1k: lat(0.3), at10k: lat(0.5) },
  embedded: {
    single: 60_000,
    batched: 310_000,
    concurrent: 260_000,
    consume: 30_000,
    wake: lat(5),
    ceiling: { single: 64_000, batched: 400_000 },
  },
  startup: { cli: 120.04, producer: 140, cliEmbedded: 38.26 },
  rss: { producer: 55.56, consumer: 70, method: "/usr/bin/time -v max RSS" },
  edge: {
    packageMb: { "x86_64-unknown-linux-gnu": 42.74, "aarch64-unknown-linux-gnu": 41.31 },
    bundleKb: { "rstream": 431.53, "rstream-produce": 173.22, "rstream-consume": 187.21 },
    startMs: 151.26,
    rssMb: 61.04,
    rssReadings: 2000,
    runtimeMb: 95.6,
    compilePayloadMb: 3.631,
  },
};

Deno.test("percentile() takes the nearest rank", () => {
  const sorted = Array.from({ length: 1000 }, (_, i) => i + 1);
  assert.equal(percentile(sorted, 50), 500);
  assert.equal(percentile(sorted, 99), 990);
  assert.equal(percentile(sorted, 99.9), 999);
  assert.equal(percentile(sorted, 100), 1000);
  assert.equal(percentile(sorted, 0), 1);
  assert.equal(percentile([7], 99.9), 7);
});

Deno.test("percentile() rejects no samples and p outside 0..100", () => {
  assert.throws(() => percentile([], 50), RangeError);
  assert.throws(() => percentile([1], 101), RangeError);
  assert.throws(() => percentile([1], NaN), RangeError);
});

Deno.test("percentiles() sorts its samples numerically", () => {
  assert.deepEqual(percentiles([10, 9, 1, 2, 100]), {
    n: 5,
    p50: 9,
    p99: 100,
    p999: 100,
    max: 100,
  });
});

Deno.test("ratio() divides by the baseline, NaN without one", () => {
  assert.equal(ratio(640_000, 800_000), 0.8);
  assert.equal(ratio(1, 3), 0.333);
  assert.ok(Number.isNaN(ratio(1, 0)));
  assert.equal(perSecond(1000, 500), 2000);
});

Deno.test("parseRedisBenchmarkCsv() reads the rps column", () => {
  const csv = `"test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms"
"XADD bench:rb * sensor_id sensor2 temp 0.42 humidity 0.61","35174.11","0.024","0.016","0.023"
`;
  assert.equal(parseRedisBenchmarkCsv(csv), 35174.11);
  assert.throws(() => parseRedisBenchmarkCsv(""), /without an rps row/);
});

Deno.test("toJson() has the keys CI and the docs read, with ratios to the same depth", () => {
  const json = toJson(RESULTS) as Record<string, Record<string, unknown>>;
  assert.deepEqual(json.ratios, {
    single_add: 0.475,
    batched_add: 0.8,
    consume_ack: 0.15,
    single_add_vs_raw: 0.95,
    batched_add_vs_raw: 3.2,
    single_add_vs_ceiling: 0.95,
    batched_add_vs_ceiling: 0.914,
    consume_ack_vs_ceiling: 0.25,
  });
  assert.deepEqual(json.ceiling_per_s, {
    single_add: 20_000,
    batched_add: 700_000,
    consume_ack: 400_000,
  });
  assert.deepEqual(Object.keys(json.latency_ms).filter((k) => k.startsWith("p99_")), [
    "p99_1k",
    "p99_10k",
  ]);
  assert.equal(json.latency_ms.p99_10k, 2);
  assert.equal(json.embedded.single_add_per_s, 60_000);
  assert.equal(json.embedded.batched_add_per_s, 310_000);
  assert.equal(json.embedded.wake_p99_ms, 20);
  assert.deepEqual(json.startup_ms, { cli: 120, producer: 140, cli_embedded: 38.3 });
  assert.equal(json.rss_mb.producer, 55.6);
  assert.equal(json.rss_mb.consumer, 70);
  assert.deepEqual(json.edge, {
    package_mb: { "x86_64-unknown-linux-gnu": 42.7, "aarch64-unknown-linux-gnu": 41.3 },
    bundle_kb: { "rstream": 431.5, "rstream-produce": 173.2, "rstream-consume": 187.2 },
    start_ms: 151.3,
    rss_mb: 61,
    runtime_mb: 95.6,
    compile_payload_mb: 3.63,
  });
  assert.doesNotThrow(() => JSON.parse(JSON.stringify(json)));
});

Deno.test("renderTable() prints one line per figure with its ratio and target", () => {
  const table = renderTable(RESULTS);
  const line = (start: string) => table.split("\n").find((l) => l.startsWith(start)) ?? "";
  assert.match(
    line("rstream store.addMany"),
    /640,000 │ entries\/s │ 0\.800× rb -P 100 │ ≥ 0\.8× met/,
  );
  assert.match(line("rstream store.add,"), /0\.475× rb -P 1 +│ ≥ 0\.8× MISSED/);
  assert.match(line("add → handler latency p99 at 10k/s"), /2\.00 │ ms .*≤ 1 ms MISSED/);
  assert.match(line("rstream consume + ack, 1"), /≥ 0\.8× bare consume MISSED/);
  assert.match(line("embedded store.add, 100 concurrent"), /260,000 │ entries\/s .*≥ 250,000 met/);
  assert.match(line("producer peak RSS"), /55\.6 │ MB .*≤ 40 MB MISSED/);
  assert.match(
    line("ceiling: bare Deno.connect loop, 100"),
    /700,000 │ entries\/s │ 0\.875× rb -P 100/,
  );
  assert.match(
    line("rstream store.addMany against"),
    /640,000 │ entries\/s │ 0\.914× bare 100 +│ ≥ 0\.85× met/,
  );
  assert.match(line("rstream store.add against"), /0\.950× bare 1 +│ ≥ 0\.9× met/);
});

Deno.test("renderTable() prints the edge packages' sizes and the packaged producer's figures", () => {
  const table = renderTable(RESULTS);
  const line = (start: string) => table.split("\n").find((l) => l.startsWith(start)) ?? "";
  assert.match(line("edge package (deno task package), aarch64"), /│ +41\.3 │ MB +│ +│$/);
  assert.match(line("edge bundle (deno bundle), rstream-produce "), /│ +173 │ KB +│ +│$/);
  assert.match(
    line("packaged producer start"),
    /│ +151 │ ms +│ 1\.080× deno task +│$/,
  );
  assert.match(
    line("packaged producer peak RSS, 2000 readings"),
    /│ +61\.0 │ MB +│ 1\.099× deno task +│$/,
  );
  assert.match(line("deno compile rstream-produce"), /binary = denort \+ this\) +│ +3\.63 │ MB +│/);
});

Deno.test("taskFlags() reads the deno run flags of a deno.json task", () => {
  const flags = taskFlags("start", "cli.ts");
  assert.ok(flags.length > 0 && flags.every((f) => /^--?[a-z]/.test(f)), flags.join(" "));
  assert.deepEqual(flags.slice(0, 2), ["-q", "--allow-net"]); // -q: no download line over the prompt
  assert.throws(() => taskFlags("start", "nope.ts"), /is not 'deno run/);
});
