/**
 * Part 5: end-to-end latency, from just before `add` in a paced producer
 * process to the start of the handler in a `consume()` worker here.
 *
 * @module
 */

import { consume } from "../lib/worker/consume.ts";
import { openStore } from "../lib/open_store.ts";
import { nowMs } from "./_clock.ts";
import { type Percentiles, percentiles } from "./report.ts";

const PRODUCER = new URL("./_paced_producer.ts", import.meta.url).pathname;

/** Producer at `rate`/s for `warmupMs` + `measureMs`; returns the measured percentiles. */
export async function endToEndLatency(
  url: string,
  options: { rate: number; warmupMs: number; measureMs: number },
): Promise<Percentiles> {
  const stream = `bench:latency:${options.rate}`;
  await using store = await openStore(url);
  await store.deleteStream(stream);
  await store.createGroup(stream, "g", { start: "$", mkStream: true });
  const samples: number[] = [];
  const stop = new AbortController();
  let seen = 0;
  let expected = Infinity;
  const worker = consume((delivery) => {
    const now = nowMs();
    seen++;
    if (delivery.fields.w === "0") samples.push(now - Number(delivery.fields.t));
    if (seen >= expected) stop.abort();
  }, {
    store,
    stream,
    group: "g",
    consumer: "c1",
    count: 100,
    concurrency: 100,
    blockMs: 1000,
    claimIdleMs: 600_000,
    signal: stop.signal,
  });
  const producer = new Deno.Command("deno", {
    args: [
      "run",
      "--allow-net=127.0.0.1",
      PRODUCER,
      url,
      stream,
      String(options.rate),
      String(options.warmupMs),
      String(options.measureMs),
    ],
    stdout: "piped",
    stderr: "inherit",
  });
  const out = await producer.output();
  const line = new TextDecoder().decode(out.stdout).trim();
  const match = /^sent (\d+)$/.exec(line);
  if (!out.success || !match) throw new Error(`paced producer failed: ${line}`);
  const total = await store.len(stream);
  expected = total;
  if (seen >= expected) stop.abort();
  const timeout = setTimeout(() => stop.abort(), 10_000);
  await worker;
  clearTimeout(timeout);
  if (samples.length !== Number(match[1])) {
    throw new Error(`latency bench: producer sent ${match[1]}, handler saw ${samples.length}`);
  }
  await store.deleteStream(stream);
  return percentiles(samples);
}
