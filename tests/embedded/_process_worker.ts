/**
 * A subprocess for the multi-process tests of the embedded store. Usage:
 *
 *   deno run -A _process_worker.ts <mode> <db path> [args...]
 *
 * Modes:
 * - `produce <stream> <count>`: adds `count` entries (`n` = 0..count-1), in
 *   pipelines of 50, then prints `done`.
 * - `consume <stream> <group> <consumer>`: prints `ready`, reads the group with BLOCK until
 *   the key `produced` is `1` and nothing is left, acking each entry and
 *   pausing 1 ms after each read as if it worked; prints
 *   one JSON array of the `n` fields it got.
 * - `block <stream>`: prints `ready`, waits with XREAD BLOCK 0 on `$`, and
 *   prints `woke <Date.now()> <id>`.
 * - `add-forever <stream>`: adds entries one by one, printing each ID once
 *   XADD has returned (committed), until killed.
 * - `read-forever <stream> <group> <consumer>`: reads one entry at a time
 *   without acking, printing each delivered ID, until killed.
 *
 * @module
 */

import { openEmbeddedConnection } from "../../lib/embedded/connection.ts";

const [mode, path, ...rest] = Deno.args;
const encoder = new TextEncoder();
const print = (line: string) => Deno.stdout.writeSync(encoder.encode(line + "\n"));

await using connection = openEmbeddedConnection(path);

if (mode === "produce") {
  const [stream, countText] = rest;
  const count = Number(countText);
  for (let start = 0; start < count; start += 50) {
    const batch = [];
    for (let n = start; n < Math.min(count, start + 50); n++) {
      batch.push(["XADD", stream, "*", "n", String(n)]);
    }
    const replies = await connection.pipeline(batch);
    const failed = replies.find((r) => r instanceof Error);
    if (failed) throw failed;
  }
  print("done");
} else if (mode === "consume") {
  const [stream, group, consumer] = rest;
  const got: number[] = [];
  print("ready");
  while (true) {
    const reply = await connection.sendBlocking([
      "XREADGROUP",
      "GROUP",
      group,
      consumer,
      "COUNT",
      "7",
      "BLOCK",
      "50",
      "STREAMS",
      stream,
      ">",
    ]) as [string, [string, string[]][]][] | null;
    if (reply === null) {
      if (await connection.send(["GET", "produced"]) === "1") {
        const left = await connection.send(["XINFO", "GROUPS", stream]) as unknown[][];
        if (left[0][left[0].indexOf("lag") + 1] === 0) break;
      }
      continue;
    }
    for (const [id, fields] of reply[0][1]) {
      got.push(Number(fields[1]));
      await connection.send(["XACK", stream, group, id]);
    }
    // A real consumer works between reads; without it, one process in a tight
    // loop holds SQLite's write lock nearly all the time and the other rarely
    // gets a turn (exactly-once still holds; the split is what this models).
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  print(JSON.stringify(got));
} else if (mode === "block") {
  const [stream] = rest;
  const reply = connection.sendBlocking(["XREAD", "BLOCK", "0", "STREAMS", stream, "$"]);
  print("ready");
  const result = await reply as [string, [string, string[]][]][];
  print(`woke ${Date.now()} ${result[0][1][0][0]}`);
} else if (mode === "add-forever") {
  const [stream] = rest;
  for (let n = 0;; n++) {
    print(String(await connection.send(["XADD", stream, "*", "n", String(n)])));
  }
} else if (mode === "read-forever") {
  const [stream, group, consumer] = rest;
  while (true) {
    const reply = await connection.sendBlocking([
      "XREADGROUP",
      "GROUP",
      group,
      consumer,
      "COUNT",
      "1",
      "BLOCK",
      "100",
      "STREAMS",
      stream,
      ">",
    ]) as [string, [string, string[]][]][] | null;
    if (reply !== null) print(reply[0][1][0][0]);
  }
} else {
  throw new Error(
    `Unknown mode '${mode}'; use produce, consume, block, add-forever or read-forever`,
  );
}
