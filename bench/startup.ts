/**
 * Part 7: start-up time and peak memory of the programs people run.
 *
 * The flags are read from deno.json's `start`, `produce` and `consume`
 * tasks, so the bench runs exactly what `deno task …` runs. Start-up is the
 * time from spawning `deno run …` to the first stdout line, which each program
 * prints only after the server acknowledged the add (the CLI prints the ID,
 * the producer `message <id> sent`); `cliEmbedded` is a one-shot `len` on
 * the embedded file store, the command a person types most. Peak RSS is the child's
 * `Maximum resident set size` as `/usr/bin/time -v` reports it (the kernel's
 * high-water mark of the whole process, read at its exit).
 *
 * @module
 */

import denoJson from "../deno.json" with { type: "json" };
import { median, stdoutWithFirstLine } from "./_clock.ts";

const ROOT = new URL("..", import.meta.url).pathname;

/** The `deno run` flags of a deno.json task whose command is `deno run FLAGS… SCRIPT`. */
export function taskFlags(task: string, script: string): string[] {
  const command = (denoJson.tasks as Record<string, string>)[task];
  const words = command?.split(/\s+/) ?? [];
  const at = words.indexOf(script);
  if (words[0] !== "deno" || words[1] !== "run" || at < 0) {
    throw new Error(`deno.json task '${task}' is not 'deno run … ${script}': ${command}`);
  }
  return words.slice(2, at);
}

/** Spawns `deno run …` and returns the ms until its first stdout line; checks it exits 0. */
async function timeToFirstLine(args: string[], expect: RegExp): Promise<number> {
  const t0 = performance.now();
  const child = new Deno.Command("deno", {
    args,
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  const { text, firstLineMs: ms } = await stdoutWithFirstLine(child.stdout, t0);
  const { success } = await child.status;
  const first = text.split("\n")[0]!;
  if (!success || !expect.test(first)) {
    throw new Error(`deno ${args.join(" ")} printed ${JSON.stringify(first)}: ${await stderr}`);
  }
  await stderr;
  return ms;
}

/**
 * Median start-to-first-acknowledged-add of the CLI and of the producer over
 * `runs` runs, and the one-shot `len` of the CLI on the embedded file store at
 * `embeddedUrl` (start to the printed length).
 */
export async function startupTimes(
  url: string,
  runs: number,
  embeddedUrl: string,
): Promise<{ cli: number; producer: number; cliEmbedded: number }> {
  const cli = [
    "run",
    ...taskFlags("start", "cli.ts"),
    "cli.ts",
    "--url",
    url,
    "add",
    "bench:cli",
    "a=1",
  ];
  const producer = [
    "run",
    ...taskFlags("produce", "scripts/producer.ts"),
    "scripts/producer.ts",
    "sensor2",
    "--url",
    url,
    "--stream",
    "bench:producer",
  ];
  const embeddedLen = [
    "run",
    ...taskFlags("start", "cli.ts"),
    "cli.ts",
    "--url",
    embeddedUrl,
    "len",
    "bench:cli",
  ];
  // One untimed run each: the module graph is then in Deno's cache, as after an install.
  await timeToFirstLine(cli, /^\d+-\d+$/);
  await timeToFirstLine(producer, /^message \d+-\d+ sent$/);
  await timeToFirstLine(embeddedLen, /^\d+$/);
  const cliMs: number[] = [];
  const producerMs: number[] = [];
  const embeddedMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    cliMs.push(await timeToFirstLine(cli, /^\d+-\d+$/));
    producerMs.push(await timeToFirstLine(producer, /^message \d+-\d+ sent$/));
    embeddedMs.push(await timeToFirstLine(embeddedLen, /^\d+$/));
  }
  return { cli: median(cliMs), producer: median(producerMs), cliEmbedded: median(embeddedMs) };
}

/** Runs `/usr/bin/time -v deno run …` and returns the child's peak RSS in MB. */
async function peakRssMb(args: string[]): Promise<number> {
  const out = await new Deno.Command("/usr/bin/time", {
    args: ["-v", "deno", ...args],
    cwd: ROOT,
    stdout: "null",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stderr);
  const match = /Maximum resident set size \(kbytes\): (\d+)/.exec(text);
  if (!out.success || !match) throw new Error(`deno ${args.join(" ")} failed: ${text}`);
  return Number(match[1]) / 1024;
}

/**
 * Peak RSS of the producer sending `n` readings at 10,000/s (batched, as
 * `--rate` does), and of the group consumer handling `n` pre-filled entries
 * (`--count 100 --concurrency 100 --max n`).
 */
export async function peakRss(
  url: string,
  n: number,
): Promise<{ producer: number; consumer: number; method: string }> {
  const stream = "bench:rss";
  const producer = await peakRssMb([
    "run",
    ...taskFlags("produce", "scripts/producer.ts"),
    "scripts/producer.ts",
    "sensor2",
    "--url",
    url,
    "--stream",
    stream,
    "--count",
    String(n),
    "--rate",
    "10000",
  ]);
  const consumer = await peakRssMb([
    "run",
    ...taskFlags("consume", "scripts/consumer.ts"),
    "scripts/consumer.ts",
    "g",
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
    "--max",
    String(n),
  ]);
  return { producer, consumer, method: "/usr/bin/time -v max RSS" };
}
