/**
 * Several processes on one embedded store file: a producer and two consumers
 * in one group, a reader blocked in another process, and `kill -9`.
 *
 * @module
 */

import assert from "node:assert/strict";
import { openEmbeddedConnection } from "../../lib/embedded/connection.ts";

const WORKER = new URL("./_process_worker.ts", import.meta.url).pathname;

interface Worker {
  child: Deno.ChildProcess;
  /** Resolves with the next stdout line (undefined at end of output). */
  nextLine(): Promise<string | undefined>;
}

function spawnWorker(...args: string[]): Worker {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", WORKER, ...args],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  return {
    child,
    async nextLine() {
      while (!buffer.includes("\n")) {
        const { value, done } = await reader.read();
        if (done) {
          const rest = buffer;
          buffer = "";
          return rest.length ? rest : undefined;
        }
        buffer += value;
      }
      const newline = buffer.indexOf("\n");
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      return line;
    },
  };
}

async function withTempDb(fn: (path: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "rstream-processes-" });
  try {
    await fn(`${dir}/.rstream/streams.db`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("openEmbeddedConnection() delivers each entry to exactly one of two consumer processes in a group", async () => {
  await withTempDb(async (path) => {
    await using connection = openEmbeddedConnection(path);
    await connection.send(["XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"]);
    const consumers = [
      spawnWorker("consume", path, "s", "g", "c1"),
      spawnWorker("consume", path, "s", "g", "c2"),
    ];
    // Both consumers are reading before the first add, so each gets a share.
    for (const c of consumers) assert.equal(await c.nextLine(), "ready");
    const producer = spawnWorker("produce", path, "s", "1000");
    assert.equal(await producer.nextLine(), "done");
    assert.equal((await producer.child.status).code, 0);
    await connection.send(["SET", "produced", "1"]);
    const got = await Promise.all(consumers.map(async (c) => {
      const line = await c.nextLine();
      assert.equal((await c.child.status).code, 0);
      return JSON.parse(line ?? "[]") as number[];
    }));
    const all = [...got[0], ...got[1]].sort((a, b) => a - b);
    assert.deepEqual(all, Array.from({ length: 1000 }, (_, n) => n));
    assert.ok(got[0].length > 0 && got[1].length > 0, `split ${got[0].length}/${got[1].length}`);
    assert.deepEqual(await connection.send(["XPENDING", "s", "g"]), [0, null, null, null]);
  });
});

Deno.test("sendBlocking() in another process wakes soon after an add", async () => {
  await withTempDb(async (path) => {
    await using connection = openEmbeddedConnection(path);
    await connection.send(["XADD", "s", "1-1", "a", "1"]);
    const latencies: number[] = [];
    for (let round = 0; round < 3; round++) {
      const reader = spawnWorker("block", path, "s");
      assert.equal(await reader.nextLine(), "ready");
      await new Promise((r) => setTimeout(r, 50)); // let it settle into waiting
      const before = Date.now();
      const id = await connection.send(["XADD", "s", "*", "a", String(round)]);
      const [word, woke, wokeId] = (await reader.nextLine() ?? "").split(" ");
      assert.equal(word, "woke");
      assert.equal(wokeId, id);
      latencies.push(Number(woke) - before);
      assert.equal((await reader.child.status).code, 0);
    }
    console.log(`cross-process wake-up latencies: ${latencies.join(", ")} ms`);
    assert.ok(Math.max(...latencies) < 1000, `latencies ${latencies}`);
  });
});

Deno.test("openEmbeddedConnection() loses no committed add when the writing process is killed with -9", async () => {
  await withTempDb(async (path) => {
    await using connection = openEmbeddedConnection(path);
    const writer = spawnWorker("add-forever", path, "s");
    const committed: string[] = [];
    while (committed.length < 300) committed.push((await writer.nextLine())!);
    writer.child.kill("SIGKILL");
    await writer.child.status;
    await writer.child.stdout.cancel().catch(() => {});
    const stored = new Set(
      (await connection.send(["XRANGE", "s", "-", "+"]) as [string, string[]][]).map(([id]) => id),
    );
    assert.deepEqual(committed.filter((id) => !stored.has(id)), []);
    assert.ok(stored.size >= committed.length);
  });
});

Deno.test("openEmbeddedConnection() keeps pending entries when the reading process is killed with -9", async () => {
  await withTempDb(async (path) => {
    await using connection = openEmbeddedConnection(path);
    await connection.send(["XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"]);
    const reader = spawnWorker("read-forever", path, "s", "g", "c1");
    const delivered: string[] = [];
    for (let n = 0; delivered.length < 20; n++) {
      await connection.send(["XADD", "s", `${n + 1}-0`, "n", String(n)]);
      delivered.push((await reader.nextLine())!);
    }
    reader.child.kill("SIGKILL");
    await reader.child.status;
    const pending = await connection.send(["XPENDING", "s", "g", "-", "+", "100"]) as [
      string,
      string,
      number,
      number,
    ][];
    assert.deepEqual(
      pending.map(([id, consumer, , count]) => [id, consumer, count]),
      delivered.map((id) => [id, "c1", 1]),
    );
  });
});
