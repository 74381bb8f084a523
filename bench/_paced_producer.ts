/**
 * The latency bench's producer, a process of its own with its own store:
 *
 *   deno run --allow-net=127.0.0.1 bench/_paced_producer.ts URL STREAM RATE WARMUP_MS MEASURE_MS
 *
 * Adds readings at RATE per second: every timer tick it sends what is due
 * (one `add`, or one `addMany` when several are due), each stamped in field
 * `t` with `performance.timeOrigin + performance.now()` just before it is
 * sent. Entries of the first WARMUP_MS carry `w=1` (not counted). Prints
 * `sent N` (measured entries) at the end.
 *
 * @module
 */

import { openStore } from "../lib/open_store.ts";
import type { Fields } from "../lib/store.ts";
import { nowMs, sleep } from "./_clock.ts";

const [url, stream, rateText, warmupText, measureText] = Deno.args;
const rate = Number(rateText);
const warmupMs = Number(warmupText);
const totalMs = warmupMs + Number(measureText);

await using store = await openStore(url!);
const t0 = performance.now();
let sent = 0;
let measured = 0;
while (true) {
  const elapsed = performance.now() - t0;
  if (elapsed >= totalMs) break;
  const due = Math.floor((elapsed * rate) / 1000) + 1;
  if (due <= sent) {
    await sleep(Math.max(0, ((sent * 1000) / rate) - elapsed));
    continue;
  }
  const warm = elapsed < warmupMs ? "1" : "0";
  const batch: Fields[] = [];
  for (let i = sent; i < due; i++) {
    batch.push({
      sensor_id: "sensor2",
      temp: "0.42",
      humidity: "0.61",
      w: warm,
      t: String(nowMs()),
    });
  }
  if (batch.length === 1) await store.add(stream!, batch[0]!);
  else await store.addMany(stream!, batch);
  sent = due;
  if (warm === "0") measured += batch.length;
}
console.log(`sent ${measured}`);
