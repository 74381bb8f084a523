/**
 * The soak's peer: what a Deno process needs to add at the producer's rate
 * with no client library at all.
 *
 *   deno run --allow-net bench/_bare_paced_producer.ts PORT STREAM RATE MS
 *
 * One `Deno.connect`; every timer tick it writes the XADDs that are due as
 * copies of one pre-encoded command (the article's reading, as part 1) in one
 * write, and counts the replies in another loop. Prints `acked N in T ms`
 * after MS.
 *
 * @module
 */

import { PAYLOAD_ARGS } from "./baseline.ts";
import { sleep } from "./_clock.ts";

const [portText, stream, rateText, msText] = Deno.args;
const rate = Number(rateText);
const totalMs = Number(msText);
/** At most this many XADDs per write (the producer's MAX_BATCH). */
const MAX_BATCH = 1000;

const encoder = new TextEncoder();
const words = ["XADD", stream!, "*", ...PAYLOAD_ARGS];
const one = encoder.encode(
  `*${words.length}\r\n${words.map((w) => `$${encoder.encode(w).length}\r\n${w}\r\n`).join("")}`,
);
const batch = new Uint8Array(one.length * MAX_BATCH);
for (let i = 0; i < MAX_BATCH; i++) batch.set(one, i * one.length);

const conn = await Deno.connect({ hostname: "127.0.0.1", port: Number(portText) });
let acked = 0;
let sent = 0;
const replies = (async () => {
  const buffer = new Uint8Array(64 * 1024);
  let newlines = 0;
  for (;;) {
    const n = await conn.read(buffer);
    if (n === null) return;
    for (let i = 0; i < n; i++) if (buffer[i] === 10) newlines++;
    acked = Math.floor(newlines / 2); // "$N\r\n<id>\r\n" per XADD
  }
})();

const t0 = performance.now();
while (performance.now() - t0 < totalMs) {
  const elapsed = performance.now() - t0;
  const due = Math.floor((elapsed * rate) / 1000) + 1;
  if (due <= sent) {
    await sleep(Math.max(1, (sent * 1000) / rate - elapsed));
    continue;
  }
  const n = Math.min(due - sent, MAX_BATCH);
  sent += n;
  let view = batch.subarray(0, n * one.length);
  while (view.length > 0) view = view.subarray(await conn.write(view));
}
const ms = performance.now() - t0;
while (acked < sent) await sleep(5);
conn.close();
await replies.catch(() => {}); // the read ends with the closed connection
console.log(`acked ${acked} in ${Math.round(ms)} ms`);
