/**
 * `kill -9` in the middle of a large `addMany` on the embedded store: the
 * pipeline is one SQLite transaction whatever its size, so each batch is
 * stored whole or not at all.
 *
 * @module
 */

import assert from "node:assert/strict";
import { GROUP_LIMIT } from "../../lib/embedded/executor.ts";
import { openStore } from "../../lib/open_store.ts";
import { assertClean, delay, report } from "./_faults.ts";

const CHILD = new URL("./_add_many_child.ts", import.meta.url).pathname;
/** Well above the group-commit size, where a batch used to be committed in parts. */
const N = 3 * GROUP_LIMIT;
const KILLS = 3;

Deno.test("addMany() on the embedded store is all or nothing when its process is killed with -9 mid-batch", async () => {
  const dir = await Deno.makeTempDir({ prefix: "rstream-faults-addmany-" });
  const path = `${dir}/.rstream/streams.db`;
  const pids: number[] = [];
  const lengths: number[] = [];
  let inFlightKilled = 0;
  try {
    for (let round = 0; round < KILLS; round++) {
      const child = new Deno.Command(Deno.execPath(), {
        args: ["run", "--quiet", "--allow-all", CHILD, path, String(N)],
        stdout: "piped",
        stderr: "inherit",
      }).spawn();
      pids.push(child.pid);
      const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
      let out = "";
      // Wait for a batch to start after one was done, then kill it partway (0–400 ms in).
      while (!/done \d+\nstart \d+\n/.test(out)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`the writer exited: ${out}`);
        out += value;
      }
      await delay(Math.floor(Math.random() * 400));
      child.kill("SIGKILL");
      while (true) {
        const { value, done } = await reader.read();
        if (done) break;
        out += value;
      }
      await child.status;
      const started = [...out.matchAll(/start (\d+)/g)].length;
      const finished = [...out.matchAll(/done (\d+)/g)].length;
      if (started > finished) inFlightKilled++;
      await using store = await openStore(`file:${path}`);
      for (let k = 1; k <= started; k++) {
        const len = await store.len(`batch:${k}`);
        lengths.push(len);
        assert.ok(len === 0 || len === N, `batch:${k} holds ${len} of ${N} entries`);
        if (k <= finished) assert.equal(len, N, `batch:${k} was confirmed`);
      }
      for (let k = 1; k <= started; k++) await store.deleteStream(`batch:${k}`);
    }
    assert.ok(inFlightKilled > 0, "at least one kill landed while a batch was in flight");
    report("kill -9 during addMany (add_many_kill)", {
      sent: lengths.length * N,
      processed: lengths.filter((l) => l === N).length * N,
      acked: lengths.filter((l) => l === N).length * N,
      lost: 0,
      extra: {
        "batch size": N,
        "batches killed in flight": inFlightKilled,
        "partial batches": lengths.filter((l) => l !== 0 && l !== N).length,
      },
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  await assertClean(pids, [dir]);
});
