/**
 * The pure half of the bench: percentiles, ratios, redis-benchmark's CSV, the
 * table and the JSON object. No I/O here, so `report_test.ts` checks it all.
 *
 * @module
 */

/** Latency percentiles in ms. */
export interface Percentiles {
  /** How many samples. */
  n: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
}

/** What part 8 measured: the edge packages of `deno task package` (bench/edge.ts). */
export interface EdgeFigures {
  /** `.tar.gz` size per target, MB (10^6 bytes). */
  packageMb: Record<string, number>;
  /** Bundle size per program, KB (10^3 bytes). */
  bundleKb: Record<string, number>;
  /** Packaged producer, spawn → first acknowledged add, median, ms. */
  startMs: number;
  /** Packaged producer's peak RSS sending `rssReadings` at 10,000/s, MiB (as part 7). */
  rssMb: number;
  /** Readings of the RSS run. */
  rssReadings: number;
  /** The packaged runtime (`runtime/deno`), MB. */
  runtimeMb: number;
  /** What `deno compile` embeds for the producer besides its runtime (denort), MB. */
  compilePayloadMb: number;
}

/**
 * One process over a soak, read from `/proc/PID/status` (MiB, as `ps` and
 * `time -v` count) and `/proc/PID/stat`.
 */
export interface SoakProcess {
  /** VmRSS once a second, from the end of the first second on. */
  samples: number[];
  /** VmHWM at the end: the kernel's high-water mark of the whole run, start-up included. */
  hwm: number;
  /**
   * RssAnon at the end: the process's own memory (heap, stacks). The rest of
   * VmRSS is file pages, mostly the deno executable's, which every Deno
   * process on the machine shares.
   */
  anon: number;
  /** User + system CPU seconds from spawn to the last sample. */
  cpuSeconds: number;
  /** Wall seconds from spawn to the last sample. */
  wallSeconds: number;
}

/** What part 9 measured: the producer and consumer scripts side by side for a while (bench/soak.ts). */
export interface SoakFigures {
  /** How long the processes were sampled. */
  seconds: number;
  /** The producer's `--rate`. */
  rate: number;
  /** The `--v8-flags=…` of the produce and consume tasks, or `""`. */
  v8Flags: string;
  /** `deno task produce … --count 0 --rate RATE`. */
  producer: SoakProcess;
  /** `deno task consume …` in a group, reading what the producer adds. */
  consumer: SoakProcess;
  /** An empty script (one timer) with the produce task's flags: what Deno itself takes. */
  floor: SoakProcess;
  /** The peer: a bare `Deno.connect` loop writing pre-encoded XADDs at RATE, same flags. */
  bare: SoakProcess;
  /** Entries the producer printed as sent, per second over the sampled window. */
  producedPerS: number;
  /** Entries the consumer printed as finished, per second over the same window. */
  consumedPerS: number;
  /** XADDs the bare loop had answered, per second over its whole run. */
  barePerS: number;
}

/** What the soak rows say about one process. */
export interface RssSummary {
  /** The last sample, MiB. */
  end: number;
  /** The larger of VmHWM and the largest sample, MiB. */
  peak: number;
  /** The sample at the half-way second, MiB. */
  half: number;
  /** `end − half`: the growth over the second half, MiB. */
  growth: number;
  /** Least-squares slope of the second half's samples, MiB per minute. */
  slopePerMin: number;
}

/** Everything one bench run measured (throughputs in entries/s, times in ms). */
export interface BenchResults {
  /** `--quick` run (smaller N). */
  quick: boolean;
  /** redis-benchmark XADD on one connection. */
  baseline: { p1: number; p100: number };
  /** redis-benchmark -c 1 -P 100 XADD against `rstream serve` on memory: and file:. */
  serve?: { memory: number; file: number };
  /** node-redis (`createClient({url, RESP: 2})`) directly: the peer row. */
  raw: { single: number; batched: number };
  /**
   * The ceiling: a bare `Deno.connect` loop writing pre-encoded XADDs, one
   * awaited per write (`single`) and 100 per write (`batched`), counting replies.
   */
  ceiling: {
    single: number;
    batched: number;
    /** A bare consume loop (XREADGROUP COUNT 1000 + one XACK per batch, redis-parser). */
    consume: number;
  };
  /** rstream's `store.add` one by one, and `store.addMany` batches. */
  rstream: { single: number; batched: number; batchSize: number };
  /** `consume()` over a pre-filled stream, no-op handler, until all acked. */
  consume: { one: number; four: number; count: number; concurrency: number };
  /** Add-to-handler latency at paced rates. */
  latency: { at1k: Percentiles; at10k: Percentiles };
  /** The embedded store (`file:` in a temp dir). */
  embedded: {
    single: number;
    batched: number;
    /** 100 adders awaiting their adds at once on one store. */
    concurrent: number;
    consume: number;
    wake: Percentiles;
    /** Bare node:sqlite: one transaction per insert, and a batch per transaction. */
    ceiling: { single: number; batched: number };
  };
  /** Process start to first acknowledged add; `cliEmbedded`: a one-shot `len` on a file store. */
  startup: { cli: number; producer: number; cliEmbedded: number };
  /** Peak RSS in MB and how it was read. */
  rss: { producer: number; consumer: number; method: string };
  /** The edge packages. */
  edge: EdgeFigures;
  /** The producer and consumer scripts over a soak. */
  soak: SoakFigures;
}

/**
 * The `p`-th percentile (0..100) of ascending `sorted` values, nearest rank.
 *
 * @throws {RangeError} on an empty array or a `p` outside 0..100.
 */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new RangeError("percentile() of no samples");
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be in 0..100, got ${p}`);
  const rank = Math.ceil((p * sorted.length) / 100 - 1e-9); // 99.9% of 1000 is 999, not 1000
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** p50/p99/p999/max of unsorted samples. */
export function percentiles(samples: readonly number[]): Percentiles {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    n: sorted.length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    p999: percentile(sorted, 99.9),
    max: sorted[sorted.length - 1]!,
  };
}

/** `value / baseline`, rounded to 3 decimals; `NaN` when the baseline is not positive. */
export function ratio(value: number, baseline: number): number {
  if (!(baseline > 0)) return NaN;
  return Math.round((value / baseline) * 1000) / 1000;
}

/** Entries per second for `n` entries in `ms`. */
export function perSecond(n: number, ms: number): number {
  return ms > 0 ? (n * 1000) / ms : NaN;
}

/**
 * The requests/s of redis-benchmark's `--csv` output (the `rps` column of its
 * one data row).
 *
 * @throws {Error} when there is no `rps` column or no data row.
 */
export function parseRedisBenchmarkCsv(csv: string): number {
  const rows = csv.trim().split(/\r?\n/).map((line) =>
    [...line.matchAll(/"((?:[^"]|"")*)"|([^,]+)/g)].map((m) => m[1] ?? m[2] ?? "")
  );
  const header = rows.findIndex((row) => row.includes("rps"));
  if (header < 0 || rows.length <= header + 1) {
    throw new Error(`redis-benchmark CSV without an rps row: ${JSON.stringify(csv)}`);
  }
  const rps = Number(rows[header + 1]![rows[header]!.indexOf("rps")]);
  if (!Number.isFinite(rps)) throw new Error(`redis-benchmark rps is not a number: ${csv}`);
  return rps;
}

/** One process in `cat /proc/PID/status …` output. */
export interface ProcStatus {
  /** `Name:` (the executable's name, `deno` for a `deno run`). */
  name: string;
  /** `VmRSS:`, MiB. */
  rssMb: number;
  /** `VmHWM:`, MiB. */
  hwmMb: number;
  /** `RssAnon:`, MiB. */
  anonMb: number;
}

/**
 * Reads `Name`, `Pid`, `VmHWM`, `VmRSS` and `RssAnon` out of one or more concatenated
 * `/proc/PID/status` files, by pid.
 *
 * @throws {Error} when a file lacks one of them (a kernel thread, a zombie).
 */
export function parseProcStatus(text: string): Map<number, ProcStatus> {
  const result = new Map<number, ProcStatus>();
  for (const block of text.split(/^(?=Name:)/m)) {
    if (block.trim() === "") continue;
    const field = (name: string) => new RegExp(`^${name}:\\s*(.*)$`, "m").exec(block)?.[1];
    const pid = Number(field("Pid"));
    const rss = /^(\d+) kB$/.exec(field("VmRSS") ?? "");
    const hwm = /^(\d+) kB$/.exec(field("VmHWM") ?? "");
    const anon = /^(\d+) kB$/.exec(field("RssAnon") ?? "");
    if (!Number.isInteger(pid) || !rss || !hwm || !anon) {
      throw new Error(
        `/proc/PID/status without Pid, VmRSS, VmHWM or RssAnon: ${JSON.stringify(block)}`,
      );
    }
    result.set(pid, {
      name: field("Name")!.trim(),
      rssMb: Number(rss[1]) / 1024,
      hwmMb: Number(hwm[1]) / 1024,
      anonMb: Number(anon[1]) / 1024,
    });
  }
  return result;
}

/**
 * User + system CPU seconds by pid, from one or more `/proc/PID/stat` lines
 * (fields 14 and 15, in clock ticks of 1/100 s: Linux's USER_HZ).
 *
 * @throws {Error} on a line that is not a stat line.
 */
export function parseProcStat(text: string): Map<number, number> {
  const result = new Map<number, number>();
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    const close = line.lastIndexOf(")"); // the command may hold spaces and parentheses
    const pid = Number(line.slice(0, line.indexOf(" (")));
    const fields = line.slice(close + 2).split(" "); // from field 3, the state
    const ticks = Number(fields[11]) + Number(fields[12]);
    if (close < 0 || !Number.isInteger(pid) || !Number.isFinite(ticks)) {
      throw new Error(`not a /proc/PID/stat line: ${JSON.stringify(line)}`);
    }
    result.set(pid, ticks / 100);
  }
  return result;
}

/**
 * End, peak, half-way value, growth over the second half and its slope of
 * one process's soak samples (one a second). The half-way sample is that of
 * second ⌊n/2⌋; the slope is fitted to it and every later sample.
 *
 * @throws {RangeError} with fewer than 2 samples.
 */
export function rssSummary(series: SoakProcess): RssSummary {
  const { samples } = series;
  if (samples.length < 2) {
    throw new RangeError(`rssSummary() needs 2 samples, got ${samples.length}`);
  }
  const at = Math.floor(samples.length / 2) - 1;
  const end = samples[samples.length - 1]!;
  const half = samples[at]!;
  const tail = samples.slice(at);
  const meanX = (tail.length - 1) / 2;
  const meanY = tail.reduce((sum, y) => sum + y, 0) / tail.length;
  let sxy = 0;
  let sxx = 0;
  tail.forEach((y, x) => {
    sxy += (x - meanX) * (y - meanY);
    sxx += (x - meanX) ** 2;
  });
  return {
    end,
    peak: Math.max(series.hwm, ...samples),
    half,
    growth: end - half,
    slopePerMin: (sxy / sxx) * 60,
  };
}

function mapValues(
  record: Record<string, number>,
  f: (value: number) => number,
): Record<string, number> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, f(value)]));
}

const round = (x: number, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits;

/** The soak's JSON keys: `rss_mb.*_soak*` (MiB) and `soak` (duration, rates, slopes). */
export function soakJson(
  s: SoakFigures,
): { rss_mb: Record<string, number>; soak: Record<string, unknown> } {
  const p = rssSummary(s.producer);
  const c = rssSummary(s.consumer);
  return {
    rss_mb: {
      producer_soak: round(p.end, 1),
      consumer_soak: round(c.end, 1),
      producer_soak_peak: round(p.peak, 1),
      consumer_soak_peak: round(c.peak, 1),
      producer_soak_growth: round(p.growth, 1),
      consumer_soak_growth: round(c.growth, 1),
      producer_soak_anon: round(s.producer.anon, 1),
      consumer_soak_anon: round(s.consumer.anon, 1),
      soak_floor: round(rssSummary(s.floor).end, 1),
      soak_floor_anon: round(s.floor.anon, 1),
      soak_bare_producer: round(rssSummary(s.bare).end, 1),
    },
    soak: {
      seconds: s.seconds,
      rate: s.rate,
      v8_flags: s.v8Flags,
      produced_per_s: Math.round(s.producedPerS),
      consumed_per_s: Math.round(s.consumedPerS),
      bare_per_s: Math.round(s.barePerS),
      producer_slope_mb_per_min: round(p.slopePerMin, 2),
      consumer_slope_mb_per_min: round(c.slopePerMin, 2),
      producer_cpu_percent: round(cpuPercent(s.producer), 1),
      consumer_cpu_percent: round(cpuPercent(s.consumer), 1),
      bare_cpu_percent: round(cpuPercent(s.bare), 1),
    },
  };
}

/** The machine-readable summary `deno task bench --json` prints. */
export function toJson(r: BenchResults): Record<string, unknown> {
  const soak = soakJson(r.soak);
  const lat = (p: Percentiles) => ({
    n: p.n,
    p50: round(p.p50),
    p99: round(p.p99),
    p999: round(p.p999),
    max: round(p.max),
  });
  return {
    quick: r.quick,
    ratios: {
      single_add: ratio(r.rstream.single, r.baseline.p1),
      batched_add: ratio(r.rstream.batched, r.baseline.p100),
      consume_ack: ratio(Math.max(r.consume.one, r.consume.four), r.baseline.p100),
      single_add_vs_raw: ratio(r.rstream.single, r.raw.single),
      batched_add_vs_raw: ratio(r.rstream.batched, r.raw.batched),
      single_add_vs_ceiling: ratio(r.rstream.single, r.ceiling.single),
      batched_add_vs_ceiling: ratio(r.rstream.batched, r.ceiling.batched),
      consume_ack_vs_ceiling: ratio(r.consume.one, r.ceiling.consume),
    },
    ceiling_per_s: {
      single_add: Math.round(r.ceiling.single),
      batched_add: Math.round(r.ceiling.batched),
      consume_ack: Math.round(r.ceiling.consume),
    },
    throughput_per_s: {
      redis_benchmark_p1: Math.round(r.baseline.p1),
      redis_benchmark_p100: Math.round(r.baseline.p100),
      raw_single_add: Math.round(r.raw.single),
      raw_batched_add: Math.round(r.raw.batched),
      single_add: Math.round(r.rstream.single),
      batched_add: Math.round(r.rstream.batched),
      batch_size: r.rstream.batchSize,
      consume_ack_1: Math.round(r.consume.one),
      consume_ack_4: Math.round(r.consume.four),
      consume_count: r.consume.count,
      consume_concurrency: r.consume.concurrency,
    },
    latency_ms: {
      p50_1k: round(r.latency.at1k.p50),
      p99_1k: round(r.latency.at1k.p99),
      p999_1k: round(r.latency.at1k.p999),
      p50_10k: round(r.latency.at10k.p50),
      p99_10k: round(r.latency.at10k.p99),
      p999_10k: round(r.latency.at10k.p999),
    },
    embedded: {
      single_add_per_s: Math.round(r.embedded.single),
      batched_add_per_s: Math.round(r.embedded.batched),
      concurrent_add_per_s: Math.round(r.embedded.concurrent),
      ceiling_single_add_per_s: Math.round(r.embedded.ceiling.single),
      ceiling_batched_add_per_s: Math.round(r.embedded.ceiling.batched),
      single_add_vs_ceiling: round(r.embedded.single / r.embedded.ceiling.single, 3),
      batched_add_vs_ceiling: round(r.embedded.batched / r.embedded.ceiling.batched, 3),
      consume_ack_per_s: Math.round(r.embedded.consume),
      wake_p50_ms: round(r.embedded.wake.p50),
      wake_p99_ms: round(r.embedded.wake.p99),
      wake: lat(r.embedded.wake),
    },
    ...(r.serve === undefined ? {} : {
      serve: {
        redis_benchmark_p100_memory: Math.round(r.serve.memory),
        redis_benchmark_p100_file: Math.round(r.serve.file),
        memory_vs_redis_server: ratio(r.serve.memory, r.baseline.p100),
        file_vs_redis_server: ratio(r.serve.file, r.baseline.p100),
      },
    }),
    startup_ms: {
      cli: round(r.startup.cli, 1),
      producer: round(r.startup.producer, 1),
      cli_embedded: round(r.startup.cliEmbedded, 1),
    },
    rss_mb: {
      producer: round(r.rss.producer, 1),
      consumer: round(r.rss.consumer, 1),
      method: r.rss.method,
      ...soak.rss_mb,
    },
    soak: soak.soak,
    edge: {
      package_mb: mapValues(r.edge.packageMb, (mb) => round(mb, 1)),
      bundle_kb: mapValues(r.edge.bundleKb, (kb) => round(kb, 1)),
      start_ms: round(r.edge.startMs, 1),
      rss_mb: round(r.edge.rssMb, 1),
      runtime_mb: round(r.edge.runtimeMb, 1),
      compile_payload_mb: round(r.edge.compilePayloadMb, 2),
    },
  };
}

function fmtNum(x: number): string {
  if (!Number.isFinite(x)) return "n/a";
  if (Math.abs(x) >= 1000) return Math.round(x).toLocaleString("en-US");
  if (Math.abs(x) >= 100) return x.toFixed(0);
  if (Math.abs(x) >= 10) return x.toFixed(1);
  return x.toFixed(2);
}

/** One row of the printed table. */
export interface Row {
  /** What was measured. */
  what: string;
  /** The figure. */
  value: number;
  /** Its unit. */
  unit: string;
  /** What it is compared with, and the ratio. */
  vs?: { name: string; value: number };
  /** The target, as text (e.g. `≥ 0.8×`), and whether it is met. */
  target?: { text: string; met: boolean };
}

/**
 * The soak's rows: for the producer and the consumer the RSS at the end
 * against the edge targets, the peak, the growth over the second
 * half, the CPU it took and the rate it held; then the same-run floor and peer.
 */
export function soakRows(s: SoakFigures): Row[] {
  const floor = { name: "floor", value: rssSummary(s.floor).end };
  const floorAnon = { name: "floor", value: s.floor.anon };
  const bare = { name: "bare", value: cpuPercent(s.bare) };
  const rest = s.seconds - Math.floor(s.seconds / 2);
  const rate = s.rate.toLocaleString("en-US");
  const flags = s.v8Flags === "" ? "" : ` (${s.v8Flags})`;
  const process = (name: string, one: SoakProcess, limit: number): Row[] => {
    const x = rssSummary(one);
    return [
      {
        what: `soak: ${name} RSS after ${s.seconds} s at ${rate}/s (VmRSS)`,
        value: x.end,
        unit: "MB",
        vs: floor,
        target: { text: `≤ ${limit} MB`, met: x.end <= limit },
      },
      { what: `soak: ${name} peak RSS (VmHWM)`, value: x.peak, unit: "MB", vs: floor },
      {
        what: `soak: ${name} own memory at the end (RssAnon; not the shared deno executable)`,
        value: one.anon,
        unit: "MB",
        vs: floorAnon,
      },
      {
        what: `soak: ${name} RSS growth over the last ${rest} s (${
          round(x.slopePerMin, 2)
        } MB/min)`,
        value: x.growth,
        unit: "MB",
      },
      {
        what: `soak: ${name} CPU (user + system)`,
        value: cpuPercent(one),
        unit: "% core",
        vs: bare,
      },
    ];
  };
  return [
    ...process("producer", s.producer, 40),
    {
      what: `soak: producer readings sent/s (its "message … sent" lines)`,
      value: s.producedPerS,
      unit: "entries/s",
      target: { text: `${rate} ± 1 %`, met: Math.abs(s.producedPerS - s.rate) <= s.rate / 100 },
    },
    ...process("consumer", s.consumer, 45),
    {
      what: `soak: consumer entries handled/s (its "finished processing" lines)`,
      value: s.consumedPerS,
      unit: "entries/s",
      vs: { name: "sent", value: s.producedPerS },
      target: { text: "≥ 0.99× sent", met: s.consumedPerS >= 0.99 * s.producedPerS },
    },
    {
      what: `soak floor: empty script, the produce task's flags${flags}`,
      value: floor.value,
      unit: "MB",
    },
    {
      what: `soak peer: bare Deno.connect loop, pre-encoded XADD at ${rate}/s, same flags`,
      value: rssSummary(s.bare).end,
      unit: "MB",
      vs: floor,
    },
  ];
}

/** CPU seconds per wall second, in % of one core. */
function cpuPercent(one: SoakProcess): number {
  return one.wallSeconds > 0 ? (one.cpuSeconds / one.wallSeconds) * 100 : NaN;
}

/** The rows of the table, in the order of the seven parts. */
export function rows(r: BenchResults): Row[] {
  const b1 = { name: "rb -P 1", value: r.baseline.p1 };
  const b100 = { name: "rb -P 100", value: r.baseline.p100 };
  // "bare": the ceiling loop (kept short: the column is as wide as its longest entry).
  const c1 = { name: "bare 1", value: r.ceiling.single };
  const c100 = { name: `bare ${r.rstream.batchSize}`, value: r.ceiling.batched };
  const consumeBest = Math.max(r.consume.one, r.consume.four);
  const ratioTarget = (value: number, base: number) => ({
    text: "≥ 0.8×",
    met: value / base >= 0.8,
  });
  const cc = `count ${r.consume.count}, concurrency ${r.consume.concurrency}`;
  return [
    { what: "redis-benchmark XADD -c 1 -P 1", value: r.baseline.p1, unit: "entries/s" },
    { what: "redis-benchmark XADD -c 1 -P 100", value: r.baseline.p100, unit: "entries/s" },
    ...(r.serve === undefined ? [] : [
      {
        what: "  same, against rstream serve memory:",
        value: r.serve.memory,
        unit: "entries/s",
        vs: b100,
      },
      {
        what: "  same, against rstream serve file:",
        value: r.serve.file,
        unit: "entries/s",
        vs: b100,
      },
    ]),
    { what: "node-redis xAdd, awaited one by one", value: r.raw.single, unit: "entries/s", vs: b1 },
    {
      what: `node-redis xAdd, ${r.rstream.batchSize} per pipelined batch`,
      value: r.raw.batched,
      unit: "entries/s",
      vs: b100,
    },
    {
      what: "ceiling: bare Deno.connect loop, 1 pre-encoded XADD per write, awaited",
      value: r.ceiling.single,
      unit: "entries/s",
      vs: b1,
    },
    {
      what: `ceiling: bare Deno.connect loop, ${r.rstream.batchSize} pre-encoded XADD per write`,
      value: r.ceiling.batched,
      unit: "entries/s",
      vs: b100,
    },
    {
      what: "rstream store.add, awaited one by one",
      value: r.rstream.single,
      unit: "entries/s",
      vs: b1,
      target: ratioTarget(r.rstream.single, r.baseline.p1),
    },
    {
      what: `rstream store.addMany, ${r.rstream.batchSize} per batch`,
      value: r.rstream.batched,
      unit: "entries/s",
      vs: b100,
      target: ratioTarget(r.rstream.batched, r.baseline.p100),
    },
    {
      what: "rstream store.add against the bare awaited loop",
      value: r.rstream.single,
      unit: "entries/s",
      vs: c1,
      target: { text: "≥ 0.9×", met: r.rstream.single / r.ceiling.single >= 0.9 },
    },
    {
      what: `rstream store.addMany against the bare ${r.rstream.batchSize}-per-write loop`,
      value: r.rstream.batched,
      unit: "entries/s",
      vs: c100,
      target: { text: "≥ 0.85×", met: r.rstream.batched / r.ceiling.batched >= 0.85 },
    },
    {
      what: "ceiling: bare consume loop (XREADGROUP COUNT 1000 + XACK, redis-parser)",
      value: r.ceiling.consume,
      unit: "entries/s",
    },
    {
      what: `rstream consume + ack, 1 consumer (${cc})`,
      value: r.consume.one,
      unit: "entries/s",
      vs: b100,
      target: { text: "≥ 0.8× bare consume", met: r.consume.one >= 0.8 * r.ceiling.consume },
    },
    {
      what: `rstream consume + ack, 4 consumers (${cc})`,
      value: r.consume.four,
      unit: "entries/s",
      vs: b100,
      target: ratioTarget(consumeBest, r.baseline.p100),
    },
    ...(["at1k", "at10k"] as const).flatMap((key) => {
      const p = r.latency[key];
      const rate = key === "at1k" ? "1k" : "10k";
      return [
        { what: `add → handler latency p50 at ${rate}/s`, value: p.p50, unit: "ms" },
        {
          what: `add → handler latency p99 at ${rate}/s`,
          value: p.p99,
          unit: "ms",
          ...(key === "at10k" ? { target: { text: "≤ 1 ms", met: p.p99 <= 1 } } : {}),
        },
        { what: `add → handler latency p999 at ${rate}/s (n=${p.n})`, value: p.p999, unit: "ms" },
      ];
    }),
    {
      what: "ceiling: bare node:sqlite, one transaction per insert",
      value: r.embedded.ceiling.single,
      unit: "entries/s",
    },
    {
      what: `ceiling: bare node:sqlite, ${r.rstream.batchSize} inserts per transaction`,
      value: r.embedded.ceiling.batched,
      unit: "entries/s",
    },
    {
      what: "embedded store.add, awaited one by one",
      value: r.embedded.single,
      unit: "entries/s",
      target: {
        text: "≥ 0.9× bare single",
        met: r.embedded.single >= 0.9 * r.embedded.ceiling.single,
      },
    },
    {
      what: "embedded store.add, 100 concurrent awaited adders",
      value: r.embedded.concurrent,
      unit: "entries/s",
      target: { text: "≥ 250,000", met: r.embedded.concurrent >= 250_000 },
    },
    {
      what: `embedded store.addMany, ${r.rstream.batchSize} per batch`,
      value: r.embedded.batched,
      unit: "entries/s",
      target: {
        text: "≥ 0.9× bare batched",
        met: r.embedded.batched >= 0.9 * r.embedded.ceiling.batched,
      },
    },
    {
      what: `embedded consume + ack (${cc})`,
      value: r.embedded.consume,
      unit: "entries/s",
      target: { text: "≥ 200,000", met: r.embedded.consume >= 200_000 },
    },
    { what: "embedded cross-process wake-up p50", value: r.embedded.wake.p50, unit: "ms" },
    {
      what: `embedded cross-process wake-up p99 (n=${r.embedded.wake.n})`,
      value: r.embedded.wake.p99,
      unit: "ms",
      target: { text: "≤ 10 ms", met: r.embedded.wake.p99 <= 10 },
    },
    {
      what: "CLI start → first add acknowledged",
      value: r.startup.cli,
      unit: "ms",
      target: { text: "≤ 50 ms", met: r.startup.cli <= 50 },
    },
    {
      what: "producer start → first add acknowledged",
      value: r.startup.producer,
      unit: "ms",
      target: { text: "≤ 60 ms", met: r.startup.producer <= 60 },
    },
    {
      what: "CLI one-shot len on the embedded file store",
      value: r.startup.cliEmbedded,
      unit: "ms",
      target: { text: "≤ 40 ms", met: r.startup.cliEmbedded <= 40 },
    },
    {
      what: `producer peak RSS at 10k readings/s (${r.rss.method})`,
      value: r.rss.producer,
      unit: "MB",
      target: { text: "≤ 40 MB", met: r.rss.producer <= 40 },
    },
    {
      what: `consumer peak RSS (${r.rss.method})`,
      value: r.rss.consumer,
      unit: "MB",
      target: { text: "≤ 45 MB", met: r.rss.consumer <= 45 },
    },
    ...Object.entries(r.edge.packageMb).map(([target, mb]) => ({
      what: `edge package (deno task package), ${target}`,
      value: mb,
      unit: "MB",
    })),
    ...Object.entries(r.edge.bundleKb).map(([name, kb]) => ({
      what: `edge bundle (deno bundle), ${name}`,
      value: kb,
      unit: "KB",
    })),
    {
      what: "packaged producer start → first add acknowledged",
      value: r.edge.startMs,
      unit: "ms",
      vs: { name: "deno task", value: r.startup.producer },
    },
    {
      what: `packaged producer peak RSS, ${r.edge.rssReadings} readings at 10k/s`,
      value: r.edge.rssMb,
      unit: "MB",
      vs: { name: "deno task", value: r.rss.producer },
    },
    { what: "edge package runtime (runtime/deno)", value: r.edge.runtimeMb, unit: "MB" },
    {
      what: "deno compile rstream-produce: program embedded (binary = denort + this)",
      value: r.edge.compilePayloadMb,
      unit: "MB",
    },
    ...soakRows(r.soak),
  ];
}

/** The human table: one line per figure, its ratio to the baseline, and the target. */
export function renderTable(r: BenchResults): string {
  return renderRows(rows(r));
}

/** The table of some rows (`renderTable()` of all of them; `--only soak` of the soak's). */
export function renderRows(rows: readonly Row[]): string {
  const header = ["measurement", "value", "unit", "vs baseline", "target"];
  const body = rows.map((row) => [
    row.what,
    fmtNum(row.value),
    row.unit,
    row.vs ? `${ratio(row.value, row.vs.value).toFixed(3)}× ${row.vs.name}` : "",
    row.target ? `${row.target.text} ${row.target.met ? "met" : "MISSED"}` : "",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((line) => line[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => i === 1 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)).join(" │ ")
      .trimEnd();
  return [
    line(header),
    widths.map((w) => "─".repeat(w)).join("─┼─"),
    ...body.map(line),
  ].join("\n");
}
