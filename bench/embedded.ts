/**
 * Part 6: the embedded store (`file:` in a temp dir): adds, batched adds,
 * group consume + ack, and how soon a reader blocked in another process
 * wakes after an add.
 *
 * @module
 */

import { openStore } from "../lib/open_store.ts";
import { nowMs, sleep } from "./_clock.ts";
import { type Percentiles, percentiles } from "./report.ts";
import { consumeAck, storeAdds } from "./throughput.ts";

const WAKE_CHILD = new URL("./_wake_child.ts", import.meta.url).pathname;

/** Single and batched adds on a fresh database file in `dir`. */
export async function embeddedAdds(
  dir: string,
  options: { n: number; batch: number; batchedN: number },
): Promise<{ single: number; batched: number }> {
  await using store = await openStore(`file:${dir}/adds.db`);
  return await storeAdds(store, options);
}

/** `consume()` + ack of `n` pre-filled entries on a fresh database file in `dir`. */
export function embeddedConsume(
  dir: string,
  options: { n: number; count: number; concurrency: number },
): Promise<number> {
  return consumeAck(() => openStore(`file:${dir}/consume.db`), { ...options, consumers: 1 });
}

/** Line reader over a child's stdout. */
function lines(stream: ReadableStream<Uint8Array>): () => Promise<string | undefined> {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  return async () => {
    while (!buffer.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) return undefined;
      buffer += value;
    }
    const at = buffer.indexOf("\n");
    const line = buffer.slice(0, at);
    buffer = buffer.slice(at + 1);
    return line;
  };
}

/**
 * A child process blocks in XREAD on the store; after a random 5–15 ms pause
 * (so the read is surely waiting, at a random phase of its poll) this
 * process adds an entry stamped with the time; the child reports the delay.
 */
export async function embeddedWakeUp(dir: string, rounds: number): Promise<Percentiles> {
  const url = `file:${dir}/wake.db`;
  await using store = await openStore(url);
  const stream = "bench:wake";
  const child = new Deno.Command("deno", {
    args: [
      "run",
      `--allow-read=${dir}`,
      `--allow-write=${dir}`,
      WAKE_CHILD,
      url,
      stream,
      String(rounds),
    ],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const next = lines(child.stdout);
  const samples: number[] = [];
  try {
    for (let round = 0; round < rounds; round++) {
      const ready = await next();
      if (ready !== "ready") throw new Error(`wake child said ${JSON.stringify(ready)}`);
      await sleep(5 + Math.random() * 10);
      await store.add(stream, { t: String(nowMs()) });
      const woke = await next();
      const match = /^woke ([\d.]+)$/.exec(woke ?? "");
      if (!match) throw new Error(`wake child said ${JSON.stringify(woke)}`);
      samples.push(Number(match[1]));
    }
  } catch (error) {
    child.kill("SIGKILL");
    await child.status;
    throw error;
  }
  const status = await child.status;
  if (!status.success) throw new Error(`wake child exited with ${status.code}`);
  return percentiles(samples);
}
