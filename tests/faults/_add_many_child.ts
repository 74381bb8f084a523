/**
 * A writer for the kill -9 test of a large `addMany`: `deno run -A
 * _add_many_child.ts PATH N` adds N readings with one `addMany` to `batch:1`,
 * `batch:2`, … in turn, printing `start K` before and `done K` after each,
 * until it is killed.
 *
 * @module
 */

import { openStore } from "../../lib/open_store.ts";

const [path, n] = Deno.args;
const store = await openStore(`file:${path}`);
const readings = Array.from({ length: Number(n) }, (_, i) => ({
  sensor_id: "sensor1",
  temp: "0.42",
  n: String(i),
}));
for (let k = 1;; k++) {
  console.log(`start ${k}`);
  await store.addMany(`batch:${k}`, readings);
  console.log(`done ${k}`);
}
