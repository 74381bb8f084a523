/**
 * The embedded store on a small partition (a 3 MiB tmpfs mounted on
 * `.rstream/`): the checkpoint policy keeps the WAL near 1 MiB, so the
 * partition holds thousands of readings rather than a few hundred; when it is
 * full the producer stops with one line naming the file, every reading it
 * printed as sent is in the stream, and it works again once space is freed.
 *
 * @module
 */

import assert from "node:assert/strict";
import { openStore } from "../../lib/open_store.ts";
import { runScript } from "../scripts/_scripts.ts";
import { report, STREAM } from "./_faults.ts";

const SIZE_MIB = 3;

async function run(cmd: string, args: string[]): Promise<void> {
  const out = await new Deno.Command(cmd, { args, stderr: "piped" }).output();
  assert.ok(out.success, `${cmd} ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
}

Deno.test({
  name:
    "rstream-produce stops with one line and loses no sent reading when the store's disk is full",
  ignore: Deno.uid() !== 0, // mounting the tmpfs needs root, as CI has
  async fn() {
    const cwd = await Deno.makeTempDir({ prefix: "rstream-faults-full-" });
    const dir = `${cwd}/.rstream`;
    await Deno.mkdir(dir);
    await run("mount", ["-t", "tmpfs", "-o", `size=${SIZE_MIB}m`, "tmpfs", dir]);
    try {
      await Deno.writeFile(`${dir}/filler`, new Uint8Array(128 * 1024));
      const started = performance.now();
      const full = await runScript(
        "rstream-produce",
        ["sensor1", "--count", "1000000", "--url", "file:.rstream/streams.db"],
        { cwd, timeoutMs: 60_000 },
      );
      const ms = Math.round(performance.now() - started);
      assert.equal(full.code, 1);
      assert.deepEqual(full.stderr, [
        "error: Cannot write the embedded store file:.rstream/streams.db: the disk is full (database or disk is full); the command was not stored — free space on the filesystem of .rstream",
      ]);
      const sent = full.stdout.map((line) => line.replace(/^message (\S+) sent$/, "$1"));
      const walBytes = (await Deno.stat(`${dir}/streams.db-wal`)).size;
      {
        await using store = await openStore(`file:${dir}/streams.db`);
        const stored = (await store.range(STREAM)).map((entry) => entry.id);
        assert.deepEqual(stored, sent, "exactly the readings printed as sent are stored");
      }
      // SQLite's default policy (a 4 MiB WAL, never truncated) filled 3 MiB after ~300 adds.
      assert.ok(sent.length > 10_000, `only ${sent.length} readings fit in ${SIZE_MIB} MiB`);
      assert.ok(walBytes <= 1.5 * 1024 * 1024, `the WAL grew to ${walBytes} bytes`);

      await Deno.remove(`${dir}/filler`);
      const again = await runScript("rstream-produce", [
        "sensor1",
        "--url",
        "file:.rstream/streams.db",
      ], { cwd });
      assert.equal(again.code, 0, again.stderr.join("\n"));
      await using store = await openStore(`file:${dir}/streams.db`);
      assert.equal(await store.len(STREAM), sent.length + 1);
      report(`disk full, ${SIZE_MIB} MiB tmpfs (disk_full)`, {
        sent: sent.length,
        processed: sent.length,
        acked: sent.length,
        lost: 0,
        extra: { "WAL bytes at the end": walBytes, "ms to fill": ms },
      });
    } finally {
      await run("umount", [dir]);
      await Deno.remove(cwd, { recursive: true });
    }
  },
});
