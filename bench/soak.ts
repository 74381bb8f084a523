/**
 * Part 9: memory on long runs. The producer and consumer scripts run side by
 * side as the deno.json tasks run them (their flags read from the `produce`
 * and `consume` tasks), `scripts/producer.ts … --count 0 --rate RATE` adding
 * to a fresh stream and `scripts/consumer.ts` handling it in a group
 * (`--count 100 --concurrency 100`, as part 7). Beside them, with the produce
 * task's flags: an empty script (the floor: what `deno run` itself takes) and
 * a bare `Deno.connect` loop adding at the same rate (the peer: what adding
 * needs without a client library).
 *
 * Once a second one `cat /proc/PID/status …` gives every process's VmRSS
 * (Deno may read `/proc` only with `--allow-all`; the bench runs `cat`);
 * the last one also gives VmHWM, the kernel's high-water mark, and a `cat` of
 * `/proc/PID/stat` the CPU each took. Each pid is checked to be the `deno`
 * process itself (`Name: deno`), not a launcher.
 * The rates are the scripts' own lines, counted as they print them:
 * `message <id> sent` and `finished processing <id>`. At the end the producer
 * is stopped (SIGTERM, exit 0), the consumer handles the rest and is
 * stopped, and the stream's length must equal the lines the producer printed
 * and the consumer's finished lines.
 *
 * @module
 */

import { openStore } from "../lib/open_store.ts";
import { sleep } from "./_clock.ts";
import {
  parseProcStat,
  parseProcStatus,
  perSecond,
  type SoakFigures,
  type SoakProcess,
} from "./report.ts";
import { taskFlags } from "./startup.ts";

export type { SoakFigures };

const ROOT = new URL("..", import.meta.url).pathname;

/** A spawned `deno run` whose stdout lines are counted as they arrive. */
interface Counted {
  readonly child: Deno.ChildProcess;
  /** `performance.now()` at spawn. */
  readonly spawnedAt: number;
  /** Lines so far that `counts` accepted. */
  readonly lines: () => number;
  /** The whole stdout's counted lines and stderr, once the process exited. */
  readonly done: Promise<{ lines: number; stdout: string; stderr: string }>;
}

/** Spawns `deno ARGS` in the repository root; counts the stdout lines `counts` accepts. */
function spawnCounted(args: string[], counts: (line: string) => boolean): Counted {
  const spawnedAt = performance.now();
  const child = new Deno.Command("deno", {
    args,
    cwd: ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let lines = 0;
  let kept = ""; // the first lines, for an error message
  const stderr = new Response(child.stderr).text();
  const stdout = (async () => {
    let partial = "";
    for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
      const parts = (partial + chunk).split("\n");
      partial = parts.pop()!;
      for (const line of parts) {
        if (counts(line)) lines++;
        if (kept.length < 2000) kept += line + "\n";
      }
    }
    if (partial !== "" && counts(partial)) lines++;
  })();
  const done = (async () => {
    await child.status;
    await stdout;
    return { lines, stdout: kept, stderr: await stderr };
  })();
  return { child, spawnedAt, lines: () => lines, done };
}

/** `cat` of one file per pid, such as `/proc/PID/status`. */
async function catProc(pids: readonly number[], file: "status" | "stat"): Promise<string> {
  const out = await new Deno.Command("cat", {
    args: pids.map((pid) => `/proc/${pid}/${file}`),
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(
      `cat /proc/PID/${file} failed (a process exited?): ${new TextDecoder().decode(out.stderr)}`,
    );
  }
  return new TextDecoder().decode(out.stdout);
}

/** VmRSS and VmHWM of each pid, read by one `cat`; each must be a `deno` process. */
async function readStatus(pids: readonly number[]) {
  const status = parseProcStatus(await catProc(pids, "status"));
  return pids.map((pid) => {
    const one = status.get(pid);
    if (one?.name !== "deno") throw new Error(`pid ${pid} is ${one?.name}, not the deno process`);
    return one;
  });
}

/**
 * Runs the soak against the Redis at `url`/`port` for `seconds`, the
 * producer at `rate` readings per second.
 *
 * @example A short soak (not run by `deno test --doc`: it needs a redis-server)
 * ```ts ignore
 * import { soak } from "./soak.ts";
 * import assert from "node:assert/strict";
 * const figures = await soak("redis://127.0.0.1:6379", 6379, { seconds: 6, rate: 5000 });
 * assert.equal(figures.producer.samples.length, 6);
 * ```
 */
export async function soak(
  url: string,
  port: number,
  options: { seconds: number; rate: number },
): Promise<SoakFigures> {
  const { seconds, rate } = options;
  const stream = "bench:soak";
  const produce = taskFlags("produce", "scripts/producer.ts");
  const consume = taskFlags("consume", "scripts/consumer.ts");
  const v8Flags = [...new Set([...produce, ...consume].filter((f) => f.startsWith("--v8-flags=")))]
    .join(" ");
  {
    await using store = await openStore(url);
    await store.deleteStream(stream);
    await store.deleteStream(`${stream}:bare`);
  }
  const lifeMs = seconds * 1000 + 2000; // the floor and the peer outlive the last sample
  const consumer = spawnCounted(
    [
      "run",
      ...consume,
      "scripts/consumer.ts",
      "soak",
      "c1",
      "--url",
      url,
      "--stream",
      stream,
      "--start-from",
      "0",
      "--count",
      "100",
      "--concurrency",
      "100",
    ],
    (line) => line.startsWith("finished processing "),
  );
  const producer = spawnCounted(
    [
      "run",
      ...produce,
      "scripts/producer.ts",
      "sensor2",
      "--url",
      url,
      "--stream",
      stream,
      "--count",
      "0",
      "--rate",
      String(rate),
    ],
    (line) => /^message \d+-\d+ sent$/.test(line),
  );
  const floor = spawnCounted(["run", ...produce, "bench/_idle.ts", String(lifeMs)], () => false);
  const bare = spawnCounted(
    [
      "run",
      ...produce,
      "bench/_bare_paced_producer.ts",
      String(port),
      `${stream}:bare`,
      String(rate),
      String(lifeMs),
    ],
    (line) => line.startsWith("acked "),
  );
  const all = [producer, consumer, floor, bare];
  const series: SoakProcess[] = all.map(() => ({
    samples: [],
    hwm: 0,
    anon: 0,
    cpuSeconds: 0,
    wallSeconds: 0,
  }));
  try {
    const counts: { at: number; produced: number; consumed: number }[] = [];
    const t0 = performance.now();
    for (let s = 1; s <= seconds; s++) {
      await sleep(t0 + s * 1000 - performance.now());
      const status = await readStatus(all.map((p) => p.child.pid));
      counts.push({
        at: performance.now(),
        produced: producer.lines(),
        consumed: consumer.lines(),
      });
      status.forEach((one, i) => {
        series[i]!.samples.push(one.rssMb);
        series[i]!.hwm = one.hwmMb;
        series[i]!.anon = one.anonMb;
      });
    }
    const cpu = parseProcStat(await catProc(all.map((p) => p.child.pid), "stat"));
    const now = performance.now();
    all.forEach((p, i) => {
      series[i]!.cpuSeconds = cpu.get(p.child.pid)!;
      series[i]!.wallSeconds = (now - p.spawnedAt) / 1000;
    });
    producer.child.kill("SIGTERM");
    const produced = await producer.done;
    if (!(await producer.child.status).success) {
      throw new Error(`the producer failed: ${produced.stderr}${produced.stdout}`);
    }
    for (let waited = 0; consumer.lines() < produced.lines && waited < 10_000; waited += 50) {
      await sleep(50);
    }
    consumer.child.kill("SIGTERM");
    const consumed = await consumer.done;
    if (!(await consumer.child.status).success) {
      throw new Error(`the consumer failed: ${consumed.stderr}${consumed.stdout}`);
    }
    const bareRun = await bare.done;
    await floor.done;
    await using store = await openStore(url);
    const length = await store.len(stream);
    if (length !== produced.lines || consumed.lines !== produced.lines) {
      throw new Error(
        `soak: the producer printed ${produced.lines} sent, the consumer ${consumed.lines} finished, the stream holds ${length}: ${consumed.stderr}`,
      );
    }
    const acked = /^acked (\d+) in (\d+) ms$/m.exec(bareRun.stdout);
    if (!acked) {
      throw new Error(
        `the bare producer printed ${JSON.stringify(bareRun.stdout)}: ${bareRun.stderr}`,
      );
    }
    await store.deleteStream(stream);
    await store.deleteStream(`${stream}:bare`);
    const first = counts[0]!;
    const last = counts[counts.length - 1]!;
    return {
      seconds,
      rate,
      v8Flags,
      producer: series[0]!,
      consumer: series[1]!,
      floor: series[2]!,
      bare: series[3]!,
      producedPerS: perSecond(last.produced - first.produced, last.at - first.at),
      consumedPerS: perSecond(last.consumed - first.consumed, last.at - first.at),
      barePerS: perSecond(Number(acked[1]), Number(acked[2])),
    };
  } finally {
    for (const p of all) {
      try {
        p.child.kill("SIGKILL");
      } catch { /* already exited */ }
    }
    await Promise.allSettled(all.map((p) => p.done));
  }
}
