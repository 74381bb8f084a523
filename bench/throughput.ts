/**
 * Parts 2–4: XADD throughput through node-redis directly, through rstream's
 * store, and the consumer worker's read + ack throughput.
 *
 * Every loop is warmed up untimed first (the JIT), and every stream is
 * deleted after its run so each run starts from the same server state.
 *
 * @module
 */

import { createClient } from "@redis/client";
import { openStore } from "../lib/open_store.ts";
import { consume } from "../lib/worker/consume.ts";
import type { Fields, StreamStore } from "../lib/store.ts";
import { timed } from "./_clock.ts";
import { perSecond } from "./report.ts";

/** The article's reading. */
export const READING: Fields = { sensor_id: "sensor2", temp: "0.42", humidity: "0.61" };

const WARMUP = 2000;

/** node-redis, as rstream creates it: awaited xAdd, then pipelined batches. */
export async function rawClientAdds(
  url: string,
  options: { n: number; batch: number },
): Promise<{ single: number; batched: number }> {
  // Configured as rstream configured it before its own connection: RESP2 and no
  // per-command timeout. node-redis's default 5 s timeout arms a timer per
  // command; their firing 5 s later would slow every measurement after this one.
  const client = createClient({ url, RESP: 2, commandOptions: { timeout: 0 } });
  client.on("error", () => {});
  await client.connect();
  try {
    const key = "bench:raw";
    const single = async (n: number) => {
      for (let i = 0; i < n; i++) await client.xAdd(key, "*", READING);
    };
    const batched = async (n: number) => {
      for (let done = 0; done < n; done += options.batch) {
        const batch: Promise<string>[] = [];
        for (let i = 0; i < options.batch; i++) batch.push(client.xAdd(key, "*", READING));
        await Promise.all(batch); // issued in one tick: node-redis writes them as one pipeline
      }
    };
    await single(WARMUP);
    const singleMs = await timed(() => single(options.n));
    await client.del(key);
    await batched(WARMUP * 10);
    const batchedN = options.n * 10;
    const batchedMs = await timed(() => batched(batchedN));
    await client.del(key);
    return { single: perSecond(options.n, singleMs), batched: perSecond(batchedN, batchedMs) };
  } finally {
    client.destroy();
  }
}

/** rstream: awaited `store.add`, then `store.addMany` batches. */
export async function storeAdds(
  store: StreamStore,
  options: { n: number; batch: number; batchedN?: number },
): Promise<{ single: number; batched: number }> {
  const key = "bench:store";
  const single = async (n: number) => {
    for (let i = 0; i < n; i++) await store.add(key, READING);
  };
  const batch = Array.from({ length: options.batch }, () => READING);
  const batched = async (n: number) => {
    for (let done = 0; done < n; done += options.batch) await store.addMany(key, batch);
  };
  await single(WARMUP);
  const singleMs = await timed(() => single(options.n));
  await store.deleteStream(key);
  const batchedN = options.batchedN ?? options.n * 10;
  await batched(Math.min(WARMUP * 10, batchedN));
  const batchedMs = await timed(() => batched(batchedN));
  await store.deleteStream(key);
  return { single: perSecond(options.n, singleMs), batched: perSecond(batchedN, batchedMs) };
}

/** `openStore(url)`, then {@linkcode storeAdds}. */
export async function rstreamAdds(
  url: string,
  options: { n: number; batch: number },
): Promise<{ single: number; batched: number }> {
  await using store = await openStore(url);
  return await storeAdds(store, options);
}

/** Fills `stream` with `n` readings in batches of 1000. */
export async function prefill(store: StreamStore, stream: string, n: number): Promise<void> {
  for (let done = 0; done < n; done += 1000) {
    await store.addMany(stream, Array.from({ length: Math.min(1000, n - done) }, () => READING));
  }
}

/**
 * `consumers` workers (each on its own store, as separate processes would
 * be) drain a pre-filled stream with a no-op handler; the time runs from the
 * start until every entry was handled, acked and the workers returned.
 * Returns entries/s, after checking the group has nothing pending.
 */
export async function consumeAck(
  openBenchStore: () => Promise<StreamStore>,
  options: { n: number; consumers: number; count: number; concurrency: number },
): Promise<number> {
  const stream = `bench:consume:${options.consumers}`;
  await using admin = await openBenchStore();
  await admin.deleteStream(stream);
  await prefill(admin, stream, options.n);
  await admin.createGroup(stream, "g", { start: "0" });
  const stores = await Promise.all(
    Array.from({ length: options.consumers }, () => openBenchStore()),
  );
  try {
    const stop = new AbortController();
    let handled = 0;
    const handler = () => {
      if (++handled === options.n) stop.abort();
    };
    const ms = await timed(() =>
      Promise.all(stores.map((store, i) =>
        consume(handler, {
          store,
          stream,
          group: "g",
          consumer: `c${i}`,
          count: options.count,
          concurrency: options.concurrency,
          blockMs: 1000,
          claimIdleMs: 600_000,
          signal: stop.signal,
        })
      ))
    );
    const pending = await admin.pendingSummary(stream, "g");
    if (handled !== options.n || pending.count !== 0) {
      throw new Error(
        `consume bench: handled ${handled} of ${options.n}, ${pending.count} left pending`,
      );
    }
    await admin.deleteStream(stream);
    return perSecond(options.n, ms);
  } finally {
    await Promise.all(stores.map((s) => s.close()));
  }
}
