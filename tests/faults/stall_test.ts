/**
 * A redis-server stopped with SIGSTOP (its port still accepts, nothing
 * answers) for longer than BLOCK plus a margin: the worker's watchdog reports
 * `unhealthy`, the connection's command timeout ends the stuck calls, and
 * after SIGCONT the worker reports `healthy` and finishes everything.
 *
 * @module
 */

import assert from "node:assert/strict";
import { consume, type WorkerEvent } from "../../lib/worker/mod.ts";
import { openStore } from "../../lib/open_store.ts";
import { ignoreRedis, startRedis } from "../_redis_server.ts";
import {
  checkDelivered,
  delay,
  GROUP,
  publish,
  report,
  settled,
  STREAM,
  until,
} from "./_faults.ts";
import type { Tally } from "./_faults.ts";

Deno.test({
  name:
    "consume() reports unhealthy while redis-server is stopped longer than BLOCK plus stallMs and recovers after SIGCONT",
  ignore: ignoreRedis,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const BLOCK = 500;
    const STALL = 500;
    const STOPPED = BLOCK + STALL + 2000;
    await using redis = await startRedis();
    await using admin = await openStore(redis.url);
    await using store = await openStore(redis.url, { commandTimeoutMs: 1000 });
    const t: Tally = {
      processing: new Map(),
      finished: new Map(),
      deadLettered: new Map(),
      failed: 0,
      claimed: 0,
      claimedBy: new Map(),
      finishedBy: new Map(),
      deleted: [],
    };
    const events: { at: number; event: WorkerEvent }[] = [];
    const controller = new AbortController();
    const sent = await publish(admin, 200);
    const worker = consume(async (d) => {
      t.processing.set(d.id, (t.processing.get(d.id) ?? 0) + 1);
      await delay(2);
    }, {
      store,
      stream: STREAM,
      group: GROUP,
      consumer: "c1",
      start: "0",
      count: 10,
      concurrency: 10,
      blockMs: BLOCK,
      stallMs: STALL,
      signal: controller.signal,
      onEvent: (event) => {
        events.push({ at: Date.now(), event });
        if (event.type === "handled") {
          t.finished.set(event.delivery.id, (t.finished.get(event.delivery.id) ?? 0) + 1);
        }
      },
    });
    try {
      await until(() => settled(admin), "the first 200 entries");
      const stoppedAt = Date.now();
      redis.process.kill("SIGSTOP");
      await delay(STOPPED);
      const whileStopped = events.filter((e) => e.at >= stoppedAt).map((e) => e.event);
      redis.process.kill("SIGCONT");
      const resumedAt = Date.now();
      const unhealthy = whileStopped.filter((e) => e.type === "unhealthy");
      assert.equal(unhealthy.length, 1, JSON.stringify(whileStopped));
      assert.ok(!whileStopped.some((e) => e.type === "healthy"));

      sent.push(...await publish(admin, 200, { from: 200 }));
      await until(() => settled(admin), "the entries added after SIGCONT", 15_000);
      const healthy = events.find((e) => e.at >= resumedAt && e.event.type === "healthy");
      assert.ok(healthy, "healthy again after SIGCONT");
      const recoveredMs = healthy.at - resumedAt;
      assert.ok(recoveredMs < 5000, `recovered after ${recoveredMs} ms`);
      const errors = events.filter((e) => e.event.type === "error");
      assert.ok(errors.length <= 3, `${errors.length} error events (no storm)`);
      assert.match(
        String((errors[0]?.event as { error?: Error } | undefined)?.error?.message),
        /did not answer within 1000 ms/,
      );
      controller.abort();
      const stats = await worker;
      assert.equal(stats.failed, 0);
      const figures = await checkDelivered(admin, sent, t);
      report("redis-server SIGSTOP for BLOCK + stallMs + 2 s", {
        ...figures,
        extra: {
          "stopped ms": STOPPED,
          "unhealthy events": unhealthy.length,
          "healthy after SIGCONT ms": recoveredMs,
          "error events": errors.length,
        },
      });
    } finally {
      redis.process.kill("SIGCONT");
      controller.abort();
      await worker.catch(() => {});
    }
  },
});

Deno.test({
  name:
    "connectRedis() fails a command after commandTimeoutMs while the server is stopped and answers again after SIGCONT",
  ignore: ignoreRedis,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using redis = await startRedis();
    await using store = await openStore(redis.url, { commandTimeoutMs: 300 });
    await store.set("k", "before");
    redis.process.kill("SIGSTOP");
    try {
      const started = performance.now();
      const failures = await Promise.allSettled([
        store.get("k"),
        store.set("k", "during"),
        store.readGroup(STREAM, GROUP, { consumer: "c", blockMs: 200 }),
      ]);
      const waited = performance.now() - started;
      for (const f of failures) {
        assert.equal(f.status, "rejected");
        assert.match(String((f as PromiseRejectedResult).reason), /did not answer within 300 ms/);
      }
      assert.ok(waited < 2000, `failed after ${Math.round(waited)} ms`);
    } finally {
      redis.process.kill("SIGCONT");
    }
    // The replaced connection reconnects by itself; the set sent during the stop may have run.
    await until(
      async () => {
        try {
          return ["before", "during"].includes((await store.get("k"))!);
        } catch {
          return false;
        }
      },
      "an answer after SIGCONT",
      5000,
    );
    await store.set("k", "after");
    assert.equal(await store.get("k"), "after");
  },
});
