import assert from "node:assert/strict";
import {
  type BenchResults,
  parseProcStat,
  parseProcStatus,
  parseRedisBenchmarkCsv,
  percentile,
  percentiles,
  perSecond,
  ratio,
  renderRows,
  renderTable,
  rssSummary,
  type SoakFigures,
  soakJson,
  soakRows,
  toJson,
} from "./report.ts";
import { taskFlags } from "./startup.ts";

const lat = (p50: number) => ({ n: 1000, p50, p99: p50 * 4, p999: p50 * 8, max: p50 * 10 });

const SOAK: SoakFigures = {
  seconds: 6,
  rate: 5000,
  v8Flags: "--v8-flags=--max-semi-space-size=2",
  producer: {
    samples: [60, 62, 64, 64, 65, 66],
    hwm: 67,
    anon: 27.5,
    cpuSeconds: 1.5,
    wallSeconds: 6,
  },
  consumer: {
    samples: [70, 72, 71, 73, 72, 74],
    hwm: 75.5,
    anon: 33.25,
    cpuSeconds: 2.4,
    wallSeconds: 6,
  },
  floor: { samples: [36, 36], hwm: 36.2, anon: 2.5, cpuSeconds: 0, wallSeconds: 6 },
  bare: { samples: [47, 48], hwm: 48, anon: 10, cpuSeconds: 0.6, wallSeconds: 6 },
  producedPerS: 4998.4,
  consumedPerS: 4990,
  barePerS: 5000,
};

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
  soak: SOAK,
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

Deno.test("parseProcStatus() reads Name, VmRSS, VmHWM and RssAnon of each pid in concatenated status files", () => {
  const status = (name: string, pid: number, hwm: number, rss: number) =>
    `Name:\t${name}\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t${pid}\nNgid:\t0\nPid:\t${pid}\nPPid:\t1\n` +
    `VmPeak:\t 3924 kB\nVmSize:\t 3924 kB\nVmHWM:\t${String(hwm).padStart(8)} kB\nVmRSS:\t${
      String(rss).padStart(8)
    } kB\nRssAnon:\t 184 kB\n`;
  assert.deepEqual(
    parseProcStatus(
      status("deno", 21351, 79_360, 68_608) + status("redis-server", 7, 10_240, 9216),
    ),
    new Map([
      [21351, { name: "deno", rssMb: 67, hwmMb: 77.5, anonMb: 0.1796875 }],
      [7, { name: "redis-server", rssMb: 9, hwmMb: 10, anonMb: 0.1796875 }],
    ]),
  );
  assert.throws(
    () => parseProcStatus("Name:\tkthreadd\nPid:\t2\n"),
    /without Pid, VmRSS, VmHWM or RssAnon/,
  );
});

Deno.test("parseProcStat() adds utime and stime in 1/100 s, whatever the command's name holds", () => {
  const line = (pid: number, comm: string, utime: number, stime: number) =>
    `${pid} (${comm}) S 21348 21348 28152 0 -1 4194304 100 0 0 0 ${utime} ${stime} 0 0 20 0 4 0 1354891`;
  assert.deepEqual(
    parseProcStat(`${line(21350, "deno", 250, 50)}\n${line(77, "a (b) c", 1, 0)}\n`),
    new Map([[21350, 3], [77, 0.01]]),
  );
  assert.throws(() => parseProcStat("21350 deno"), /not a \/proc\/PID\/stat line/);
});

Deno.test("rssSummary() takes the half-way sample of second n/2 and fits the slope from it on", () => {
  assert.deepEqual(rssSummary(SOAK.producer), {
    end: 66,
    peak: 67,
    half: 64,
    growth: 2,
    slopePerMin: 42,
  });
  const consumer = rssSummary(SOAK.consumer);
  assert.deepEqual([consumer.half, consumer.growth, consumer.peak], [71, 3, 75.5]);
  assert.equal(Math.round(consumer.slopePerMin * 1e9) / 1e9, 48);
  // a peak above every sample (start-up) is VmHWM's; a flat series has slope 0
  assert.deepEqual(
    rssSummary({ samples: [50, 50, 50], hwm: 40, anon: 9, cpuSeconds: 0, wallSeconds: 3 }),
    {
      end: 50,
      peak: 50,
      half: 50,
      growth: 0,
      slopePerMin: 0,
    },
  );
  assert.throws(
    () => rssSummary({ samples: [1], hwm: 1, anon: 1, cpuSeconds: 0, wallSeconds: 1 }),
    RangeError,
  );
});

Deno.test("soakJson() has the rss_mb soak keys and the soak's duration, rates, slopes and CPU", () => {
  assert.deepEqual(soakJson(SOAK), {
    rss_mb: {
      producer_soak: 66,
      consumer_soak: 74,
      producer_soak_peak: 67,
      consumer_soak_peak: 75.5,
      producer_soak_growth: 2,
      consumer_soak_growth: 3,
      producer_soak_anon: 27.5,
      consumer_soak_anon: 33.3,
      soak_floor: 36,
      soak_floor_anon: 2.5,
      soak_bare_producer: 48,
    },
    soak: {
      seconds: 6,
      rate: 5000,
      v8_flags: "--v8-flags=--max-semi-space-size=2",
      produced_per_s: 4998,
      consumed_per_s: 4990,
      bare_per_s: 5000,
      producer_slope_mb_per_min: 42,
      consumer_slope_mb_per_min: 48,
      producer_cpu_percent: 25,
      consumer_cpu_percent: 40,
      bare_cpu_percent: 10,
    },
  });
  const json = toJson(RESULTS) as Record<string, Record<string, unknown>>;
  assert.equal(json.rss_mb.producer, 55.6); // part 7's keys stay beside the soak's
  assert.equal(json.rss_mb.producer_soak, 66);
  assert.equal(json.soak.seconds, 6);
});

Deno.test("soakRows() print the edge targets beside the end RSS, the floor and the peer", () => {
  const table = renderRows(soakRows(SOAK));
  const line = (start: string) => table.split("\n").find((l) => l.startsWith(start)) ?? "";
  assert.match(
    line("soak: producer RSS after 6 s at 5,000/s (VmRSS)"),
    /│ +66\.0 │ MB +│ 1\.833× floor +│ ≤ 40 MB MISSED$/,
  );
  assert.match(line("soak: producer peak RSS (VmHWM)"), /│ +67\.0 │ MB +│ 1\.861× floor +│$/);
  assert.match(
    line("soak: producer own memory at the end (RssAnon; not the shared deno executable)"),
    /│ +27\.5 │ MB +│ 11\.000× floor +│$/,
  );
  assert.match(
    line("soak: producer RSS growth over the last 3 s (42 MB/min)"),
    /│ +2\.00 │ MB +│ +│$/,
  );
  assert.match(line("soak: producer CPU (user + system)"), /│ +25\.0 │ % core +│ 2\.500× bare +│$/);
  assert.match(
    line("soak: producer readings sent/s"),
    /│ 4,998 │ entries\/s │ +│ 5,000 ± 1 % met$/,
  );
  assert.match(
    line("soak: consumer RSS after 6 s"),
    /│ +74\.0 │ MB +│ 2\.056× floor +│ ≤ 45 MB MISSED$/,
  );
  assert.match(
    line("soak: consumer entries handled/s"),
    /│ 4,990 │ entries\/s │ 0\.998× sent +│ ≥ 0\.99× sent met$/,
  );
  assert.match(
    line("soak floor: empty script, the produce task's flags (--v8-flags=--max-semi-space-size=2)"),
    /│ +36\.0 │ MB +│ +│$/,
  );
  assert.match(
    line("soak peer: bare Deno.connect loop, pre-encoded XADD at 5,000/s"),
    /│ +48\.0 │ MB +│ 1\.333× floor +│$/,
  );
  assert.equal(table.split("\n").length, 2 + 14);
  const full = renderTable(RESULTS).split("\n"); // the soak's rows close the whole table
  assert.match(full.at(-1)!, /^soak peer: bare Deno\.connect loop/);
  assert.match(full.find((l) => l.startsWith("soak: consumer RSS after 6 s"))!, /≤ 45 MB MISSED$/);
});

Deno.test("soakRows() says met when the end RSS is within the target and the rate within 1 %", () => {
  const within: SoakFigures = {
    ...SOAK,
    producer: { ...SOAK.producer, samples: [40, 40, 40, 40] },
    consumer: { ...SOAK.consumer, samples: [45, 45, 45, 45] },
    producedPerS: 4940,
    consumedPerS: 4880,
  };
  const table = renderRows(soakRows(within));
  const line = (start: string) => table.split("\n").find((l) => l.startsWith(start)) ?? "";
  assert.match(line("soak: producer RSS after"), /≤ 40 MB met$/);
  assert.match(line("soak: consumer RSS after"), /≤ 45 MB met$/);
  assert.match(line("soak: producer readings sent/s"), /5,000 ± 1 % MISSED$/);
  assert.match(line("soak: consumer entries handled/s"), /0\.988× sent +│ ≥ 0\.99× sent MISSED$/);
});

Deno.test("taskFlags() reads the deno run flags of a deno.json task", () => {
  const flags = taskFlags("start", "cli.ts");
  assert.ok(flags.length > 0 && flags.every((f) => /^--?[a-z]/.test(f)), flags.join(" "));
  assert.deepEqual(flags.slice(0, 2), ["-q", "--allow-net"]); // -q: no download line over the prompt
  assert.throws(() => taskFlags("start", "nope.ts"), /is not 'deno run/);
});
