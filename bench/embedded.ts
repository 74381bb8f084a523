/**
 * Part 6: the embedded store (`file:` in a temp dir): adds, batched adds,
 * 100 concurrent adders, group consume + ack, how soon a reader blocked in
 * another process wakes after an add, and the bare node:sqlite ceilings.
 *
 * @module
 */

import { DatabaseSync } from "node:sqlite";
import { openStore } from "../lib/open_store.ts";
import { nowMs, sleep, timed } from "./_clock.ts";
import { type Percentiles, percentiles, perSecond } from "./report.ts";
import { consumeAck, READING, storeAdds } from "./throughput.ts";

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

/**
 * 100 (by default) adders at once on one store, each awaiting its adds one
 * by one: what group commit is for. Returns entries/s over all of them.
 */
export async function embeddedConcurrentAdds(
  dir: string,
  options: { n: number; adders?: number },
): Promise<number> {
  const adders = options.adders ?? 100;
  await using store = await openStore(`file:${dir}/concurrent.db`);
  const key = "bench:concurrent";
  const each = Math.ceil(options.n / adders);
  const run = (perAdder: number) =>
    Promise.all(
      Array.from({ length: adders }, async () => {
        for (let i = 0; i < perAdder; i++) await store.add(key, READING);
      }),
    );
  await run(Math.ceil(each / 10)); // warm-up
  const ms = await timed(() => run(each));
  await store.deleteStream(key);
  return perSecond(each * adders, ms);
}

/**
 * The embedded ceilings: bare node:sqlite on a file with the store's settings
 * (WAL, synchronous=NORMAL), inserting the reading's fields as the store
 * stores an entry and updating a counter row, one transaction per insert
 * (`single`) and `batch` inserts per transaction (`batched`).
 */
export function sqliteCeilings(
  dir: string,
  options: { n: number; batch: number; batchedN: number },
): { single: number; batched: number } {
  const db = new DatabaseSync(`${dir}/ceiling.db`);
  try {
    db.exec("PRAGMA journal_mode = WAL");
    db.exec("PRAGMA synchronous = NORMAL");
    db.exec(`CREATE TABLE counters (id INTEGER PRIMARY KEY, n INTEGER NOT NULL);
      CREATE TABLE entries (key_id INTEGER, ms INTEGER, seq INTEGER, fields TEXT,
        PRIMARY KEY (key_id, ms, seq)) WITHOUT ROWID;
      INSERT INTO counters VALUES (1, 0);`);
    const insert = db.prepare("INSERT INTO entries VALUES (1, ?, ?, ?)");
    const bump = db.prepare("UPDATE counters SET n = n + ? WHERE id = 1");
    const begin = db.prepare("BEGIN IMMEDIATE");
    const commit = db.prepare("COMMIT");
    const fields = JSON.stringify(Object.entries(READING).flat());
    let seq = 0;
    const loop = (n: number, perTransaction: number) => {
      for (let done = 0; done < n; done += perTransaction) {
        begin.run();
        for (let i = 0; i < perTransaction; i++) insert.run(1, ++seq, fields);
        bump.run(perTransaction);
        commit.run();
      }
    };
    loop(2000, 1);
    const t0 = performance.now();
    loop(options.n, 1);
    const singleMs = performance.now() - t0;
    const t1 = performance.now();
    loop(options.batchedN, options.batch);
    const batchedMs = performance.now() - t1;
    return {
      single: perSecond(options.n, singleMs),
      batched: perSecond(options.batchedN, batchedMs),
    };
  } finally {
    db.close();
  }
}
