/**
 * The wake-up bench's reader, another process on the same embedded store:
 *
 *   deno run --allow-read=DIR --allow-write=DIR bench/_wake_child.ts file:PATH STREAM ROUNDS
 *
 * Each round it starts a blocking XREAD after the last ID it saw, prints
 * `ready`, and when the read returns prints `woke <ms>`: now minus the
 * entry's `t` field (the parent's `performance.timeOrigin + performance.now()`
 * just before its add).
 *
 * @module
 */

import { openStore } from "../lib/open_store.ts";
import { nowMs } from "./_clock.ts";

const [url, stream, roundsText] = Deno.args;
const encoder = new TextEncoder();
const print = (line: string) => Deno.stdout.writeSync(encoder.encode(line + "\n"));

await using store = await openStore(url!);
let last = "0-0";
for (let round = 0; round < Number(roundsText); round++) {
  const reading = store.read(stream!, { id: last, blockMs: 0 });
  print("ready");
  const [read] = await reading;
  const entry = read!.entries[0]!;
  print(`woke ${nowMs() - Number(entry.fields.t)}`);
  last = entry.id;
}
