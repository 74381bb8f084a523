import assert from "node:assert/strict";
import {
  consume,
  type ConsumeOptions,
  deliveries,
  fanOut,
  parseDeadLetter,
  type StreamStore,
  type WorkerEvent,
  WrongTypeError,
} from "../mod.ts";
import { assertHandled, backendTest, delay, untilHandled, waitFor } from "./_backends.ts";

function options(store: StreamStore, extra: Partial<ConsumeOptions> = {}): ConsumeOptions {
  return { store, stream: "s", group: "g", consumer: "c1", start: "0", blockMs: 50, ...extra };
}

backendTest("consume() acks each entry only after its handler succeeded", async (store) => {
  const bound = untilHandled(3);
  const ids = await store.addMany("s", [{ n: "1" }, { n: "2" }, { n: "3" }]);
  const pendingAtHandlerEnd: number[] = [];
  const stats = await consume(async (delivery) => {
    assert.equal(delivery.deliveries, 1);
    // An ack sent before the handler resolved (when it started, or at its first
    // await) has reached the store by now; the pending list is sampled last.
    await delay(20);
    const pending = await store.pending("s", "g");
    pendingAtHandlerEnd.push(pending.filter((p) => p.id === delivery.id).length);
  }, options(store, bound));
  assertHandled(stats, bound);
  assert.deepEqual(pendingAtHandlerEnd, [1, 1, 1], "acked before its handler resolved");
  assert.equal(stats.succeeded, 3);
  assert.equal((await store.pendingSummary("s", "g")).count, 0);
  assert.equal((await store.groups("s"))[0]!.lastDeliveredId, ids[2]);
});

backendTest("consume() leaves a failed entry pending", async (store) => {
  const bound = untilHandled(2);
  const [bad] = await store.addMany("s", [{ n: "bad" }, { n: "good" }]);
  const events: WorkerEvent["type"][] = [];
  const stats = await consume((delivery) => {
    if (delivery.fields.n === "bad") throw new Error("temp too high");
  }, options(store, { ...bound, onEvent: (e) => events.push(e.type) }));
  assertHandled(stats, bound);
  assert.deepEqual([stats.succeeded, stats.failed], [1, 1]);
  assert.deepEqual((await store.pending("s", "g")).map((p) => p.id), [bad]);
  assert.ok(events.includes("failed") && events.includes("handled"));
});

backendTest("consume() re-delivers its own pending entries first on restart", async (store) => {
  const bound = untilHandled(3);
  const ids = await store.addMany("s", [{ n: "1" }, { n: "2" }]);
  await store.createGroup("s", "g", { start: "0" });
  await store.readGroup("s", "g", { consumer: "c1", count: 1 }); // delivered, then the process "died"
  await store.add("s", { n: "3" });
  const seen: [string, number][] = [];
  const stats = await consume(
    (d) => void seen.push([d.fields.n!, d.deliveries]),
    options(store, bound),
  );
  assertHandled(stats, bound);
  assert.deepEqual(seen, [["1", 2], ["2", 1], ["3", 1]]);
  assert.equal((await store.pendingSummary("s", "g")).count, 0);
  assert.equal(ids.length, 2);
});

backendTest(
  "consume() creates the group at $ by default and reads only new entries",
  async (store) => {
    const bound = untilHandled(1);
    await store.add("s", { n: "old" });
    const seen: string[] = [];
    const events: WorkerEvent[] = [];
    const running = consume((d) => void seen.push(d.fields.n!), {
      ...options(store, { ...bound, onEvent: (e) => events.push(e) }),
      start: undefined,
    });
    await waitFor(async () => (await store.groups("s")).length === 1, { what: "group" });
    await store.add("s", { n: "new" });
    assertHandled(await running, bound);
    assert.deepEqual(seen, ["new"]);
    assert.equal(events[0]!.type, "group-created");
  },
);

backendTest(
  "consume() reclaims entries idle longer than claimIdleMs from a dead consumer",
  async (store) => {
    const bound = untilHandled(2);
    const ids = await store.addMany("s", [{ n: "1" }, { n: "2" }]);
    await store.createGroup("s", "g", { start: "0" });
    await store.readGroup("s", "g", { consumer: "dead" });
    const seen: [string, number][] = [];
    const reading = consume(
      (d) => void seen.push([d.id, d.deliveries]),
      options(store, {
        consumer: "alive",
        claimIdleMs: 300,
        claimIntervalMs: 100,
        ...bound,
      }),
    );
    await delay(150);
    assert.deepEqual(seen, [], "claimed before claimIdleMs");
    assert.equal((await store.pending("s", "g", { consumer: "dead" })).length, 2);
    const stats = await reading;
    assertHandled(stats, bound);
    assert.deepEqual(seen, [[ids[0], 2], [ids[1], 2]]);
    assert.equal(stats.reclaimed, 2);
    assert.equal((await store.pendingSummary("s", "g")).count, 0);
  },
);

backendTest(
  "consume() retries a failed entry after claimIdleMs and dead-letters it after maxDeliveries",
  async (store) => {
    const bound = untilHandled(5); // ok once, poison 3 times, then the dead letter
    const [poison] = await store.addMany("s", [{ n: "poison" }, { n: "ok" }]);
    const events: WorkerEvent[] = [];
    const stats = await consume(
      (d) => {
        if (d.fields.n === "poison") throw new Error(`boom #${d.deliveries}`);
      },
      options(store, {
        claimIdleMs: 20,
        claimIntervalMs: 20,
        maxDeliveries: 3,
        ...bound,
        onEvent: (e) => events.push(e),
      }),
    );
    assertHandled(stats, bound);
    assert.deepEqual([stats.succeeded, stats.failed, stats.deadLettered], [1, 3, 1]);
    assert.equal((await store.pendingSummary("s", "g")).count, 0);
    const letters = await store.range("s:dead-letter");
    assert.equal(letters.length, 1);
    const letter = parseDeadLetter(letters[0]!.fields);
    assert.deepEqual(
      [letter.stream, letter.id, letter.group, letter.deliveries, letter.error, letter.fields],
      ["s", poison, "g", 4, "boom #3", { n: "poison" }],
    );
    assert.ok(events.some((e) => e.type === "dead-lettered"));
  },
);

backendTest(
  "consume() acks a retried entry whose handler succeeds after failing once",
  async (store) => {
    const bound = untilHandled(2); // the failure, then the retry
    const [id] = await store.addMany("s", [{ n: "flaky" }]);
    const seen: number[] = [];
    const stats = await consume(
      (d) => {
        seen.push(d.deliveries);
        if (d.deliveries === 1) throw new Error("sensor busy");
      },
      options(store, {
        claimIdleMs: 30,
        claimIntervalMs: 20,
        maxDeliveries: 3,
        ...bound,
      }),
    );
    assertHandled(stats, bound);
    assert.deepEqual(seen, [1, 2]);
    assert.deepEqual(
      [stats.handled, stats.succeeded, stats.failed, stats.deadLettered],
      [2, 1, 1, 0],
    );
    assert.equal((await store.pendingSummary("s", "g")).count, 0, "the retry was not acked");
    // A worker that would reclaim (and, past maxDeliveries, dead-letter) the entry
    // if it were still pending finds nothing to do.
    const later = await consume(
      () => {},
      options(store, {
        consumer: "c2",
        claimIdleMs: 20,
        claimIntervalMs: 20,
        maxDeliveries: 1,
        signal: AbortSignal.timeout(500),
      }),
    );
    assert.deepEqual([later.handled, later.reclaimed, later.deadLettered], [0, 0, 0]);
    assert.equal(await store.len("s:dead-letter"), 0);
    assert.equal((await store.pendingSummary("s", "g")).count, 0);
    assert.equal((await store.range("s"))[0]!.id, id);
  },
);

backendTest("consume() acks and reports pending entries deleted from the stream", async (store) => {
  const bound = untilHandled(1);
  const ids = await store.addMany("s", [{ n: "1" }, { n: "2" }]);
  await store.createGroup("s", "g", { start: "0" });
  await store.readGroup("s", "g", { consumer: "c1" });
  await store.del("s", [ids[0]!]);
  const deleted: string[] = [];
  const stats = await consume(
    () => {},
    options(store, {
      ...bound,
      onEvent: (e) => e.type === "deleted" && deleted.push(e.id),
    }),
  );
  assertHandled(stats, bound);
  assert.deepEqual(deleted, [ids[0]]);
  assert.equal(stats.deleted, 1);
  assert.equal((await store.pendingSummary("s", "g")).count, 0);
});

backendTest("consume() runs at most concurrency handlers at once", async (store) => {
  const bound = untilHandled(12);
  await store.addMany("s", Array.from({ length: 12 }, (_, i) => ({ n: String(i) })));
  let running = 0;
  let peak = 0;
  const stats = await consume(async () => {
    peak = Math.max(peak, ++running);
    await delay(15);
    running--;
  }, options(store, { concurrency: 3, count: 10, ...bound }));
  assertHandled(stats, bound);
  assert.equal(peak, 3);
  assert.equal(stats.succeeded, 12);
  assert.equal((await store.pendingSummary("s", "g")).count, 0);
});

backendTest(
  "consume() stops on abort after in-flight handlers finish and are acked",
  async (store) => {
    await store.addMany("s", [{ n: "1" }, { n: "2" }, { n: "3" }]);
    const controller = new AbortController();
    let finished = 0;
    const stats = await consume(async () => {
      controller.abort();
      await delay(50);
      finished++;
    }, options(store, { signal: controller.signal, concurrency: 2, count: 2 }));
    assert.deepEqual(
      [finished, stats.succeeded],
      [1, 1],
      "the in-flight handler finished and was acked",
    );
    // The second entry of the batch was read but not started: it stays pending
    // for this consumer's next run, and nothing was read after the abort.
    const pending = await store.pending("s", "g");
    assert.deepEqual(pending.map((p) => [p.consumer, p.deliveries]), [["c1", 1]]);
    const [group] = await store.groups("s");
    assert.equal(group!.lag, 1);
  },
);

backendTest(
  "consume() sends no XACK after abort for entries whose handler failed or never started",
  async (store) => {
    const ids = await store.addMany("s", [{ n: "1" }, { n: "2" }, { n: "3" }]);
    const controller = new AbortController();
    const stats = await consume(async () => {
      controller.abort();
      await delay(50);
      throw new Error("interrupted by the shutdown");
    }, options(store, { signal: controller.signal, concurrency: 2, count: 2 }));
    assert.deepEqual([stats.handled, stats.failed, stats.succeeded], [1, 1, 0]);
    await delay(100); // an XACK sent late, after consume() returned, has landed by now
    // The failed one and the one read but not started stay pending for a retry.
    const pending = await store.pending("s", "g");
    assert.deepEqual(pending.map((p) => [p.id, p.consumer, p.deliveries]), [
      [ids[0], "c1", 1],
      [ids[1], "c1", 1],
    ]);
    assert.equal((await store.groups("s"))[0]!.lag, 1, "nothing was read after the abort");
  },
);

backendTest("consume() returns promptly when aborted during a blocking read", async (store) => {
  const controller = new AbortController();
  const started = performance.now();
  setTimeout(() => controller.abort(), 50);
  await consume(() => {}, options(store, { blockMs: 10_000, signal: controller.signal }));
  assert.ok(performance.now() - started < 3000);
});

backendTest(
  "consume() keeps a long handler's entry claimed so another consumer cannot take it",
  async (store) => {
    const bound = untilHandled(1);
    const [id] = await store.addMany("s", [{ n: "slow" }]);
    let calls = 0;
    const slow = consume(async () => {
      calls++;
      await delay(400);
    }, options(store, { claimIdleMs: 100, ...bound }));
    await delay(50);
    const controller = new AbortController();
    const other = consume(
      () => void calls++,
      options(store, {
        consumer: "c2",
        claimIdleMs: 100,
        claimIntervalMs: 30,
        signal: controller.signal,
      }),
    );
    const stats = await slow;
    controller.abort();
    await other;
    assertHandled(stats, bound);
    assert.equal(calls, 1);
    assert.equal((await store.pendingSummary("s", "g")).count, 0);
    assert.equal((await store.range("s"))[0]!.id, id);
  },
);

backendTest("consume() acks do not wait behind its blocking read", async (store) => {
  await store.createGroup("s", "g", { mkStream: true });
  const controller = new AbortController();
  let handledAt = 0;
  const reading = consume(() => {
    handledAt = performance.now();
  }, options(store, { blockMs: 10_000, signal: controller.signal }));
  await delay(50);
  await store.add("s", { n: "1" });
  await waitFor(() => handledAt > 0, { what: "the handler" });
  // The worker is back in a 10 s BLOCK now; its ack must not wait for that read.
  await waitFor(async () => (await store.pendingSummary("s", "g")).count === 0, {
    timeoutMs: 1000,
    what: "the ack while the worker blocks",
  });
  assert.ok(performance.now() - handledAt < 1000);
  controller.abort();
  await reading;
});

backendTest(
  "consume() removes idle consumers without pending entries, never those with some",
  async (store) => {
    await store.addMany("s", [{ n: "1" }]);
    await store.createGroup("s", "g", { start: "0" });
    await store.readGroup("s", "g", { consumer: "holder" });
    await store.createConsumer("s", "g", { consumer: "idle-empty" });
    await delay(60);
    const controller = new AbortController();
    const removed: string[] = [];
    const running = consume(
      () => {},
      options(store, {
        blockMs: 20,
        removeIdleConsumersMs: 50,
        claimIdleMs: 60_000,
        signal: controller.signal,
        onEvent: (e) => e.type === "consumer-removed" && removed.push(e.consumer),
      }),
    );
    await waitFor(() => removed.length > 0, { what: "a removal" });
    controller.abort();
    await running;
    assert.deepEqual(removed, ["idle-empty"]);
    assert.deepEqual((await store.consumers("s", "g")).map((c) => c.name).sort(), ["c1", "holder"]);
  },
);

backendTest(
  "consume() re-creates a vanished group from 0 and reports the error once",
  async (store) => {
    const bound = untilHandled(1);
    await store.createGroup("s", "g", { mkStream: true });
    const events: WorkerEvent[] = [];
    const seen: string[] = [];
    const running = consume(
      (d) => void seen.push(d.fields.n!),
      options(store, {
        blockMs: 30,
        ...bound,
        onEvent: (e) => events.push(e),
      }),
    );
    await delay(60);
    await store.deleteStream("s"); // as a server restarted empty
    await store.add("s", { n: "after-restart" });
    assertHandled(await running, bound);
    assert.deepEqual(seen, ["after-restart"]);
    assert.ok(events.filter((e) => e.type === "error").length <= 2);
    assert.ok(events.some((e) => e.type === "group-created" && e.start === "0"));
  },
);

backendTest("deliveries() yields entries that are acked explicitly", async (store) => {
  const bound = untilHandled(2);
  await store.addMany("s", [{ n: "1" }, { n: "2" }]);
  const iterator = deliveries(options(store, bound));
  const held = [];
  for await (const delivery of iterator) {
    held.push(delivery);
    if (held.length === 1) {
      assert.equal((await store.pendingSummary("s", "g")).count >= 1, true);
      await delivery.ack();
    } else {
      await delivery.fail(new Error("no"));
    }
  }
  const stats = await iterator.stats;
  assertHandled(stats, bound);
  assert.deepEqual([stats.succeeded, stats.failed], [1, 1]);
  assert.deepEqual((await store.pending("s", "g")).map((p) => p.id), [held[1]!.id]);
});

/** Blocks the event loop for `ms`: a stall (no timers, no heartbeats) in this process. */
function stall(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) { /* busy */ }
}

backendTest(
  "consume() has acked and reported every entry when it returns, also those acked alone after a stall",
  async (store) => {
    await store.addMany("s", Array.from({ length: 10 }, (_, n) => ({ n: String(n) })));
    const events: WorkerEvent[] = [];
    let calls = 0;
    const stats = await consume(
      () => {
        // The 10th stalls past claimIdleMs / 2: the queued acks of the batch go out alone.
        if (++calls === 10) stall(600);
      },
      options(store, {
        count: 10,
        maxHandled: 10,
        claimIdleMs: 1000,
        onEvent: (e) => events.push(e),
      }),
    );
    assert.equal(stats.succeeded, 10);
    assert.equal(events.filter((e) => e.type === "handled").length, 10);
    assert.equal((await store.pendingSummary("s", "g")).count, 0);
  },
);

backendTest(
  "deliveries() ack() resolves when another consumer took the entry over and acked it meanwhile",
  async (store) => {
    await store.addMany("s", [{ n: "1" }]);
    const iterator = deliveries(options(store, { maxHandled: 1, claimIdleMs: 1000 }));
    for await (const delivery of iterator) {
      stall(1200); // no heartbeat: another consumer may take it over, and here it acked it
      assert.equal(await store.ack("s", "g", { ids: [delivery.id] }), 1);
      await delivery.ack();
    }
    const stats = await iterator.stats;
    assert.equal(stats.succeeded, 0, "reported by the consumer that acked it, not this one");
    assert.equal((await store.pendingSummary("s", "g")).count, 0);
  },
);

backendTest(
  "deliveries() stops the worker when the loop is left, leaving un-acked entries pending",
  async (store) => {
    await store.addMany("s", [{ n: "1" }, { n: "2" }]);
    for await (const _ of deliveries(options(store))) break;
    // Both were read in one batch and handed out; neither was acked.
    assert.equal((await store.pendingSummary("s", "g")).count, 2);
  },
);

backendTest(
  "fanOut() publishes to every target and acks the source after all succeeded",
  async (store) => {
    const bound = untilHandled(2);
    await store.addMany("s", [{ temp: "0.9" }, { temp: "0.1" }]);
    await store.set("broken", "not a stream");
    const stats = await fanOut(
      (d) =>
        Number(d.fields.temp) > 0.5
          ? [{ stream: "alerts" }, { stream: "broken" }]
          : [{ stream: "archive", fields: { ...d.fields, routed: "1" } }],
      options(store, bound),
    );
    assertHandled(stats, bound);
    assert.deepEqual([stats.succeeded, stats.failed], [1, 1]);
    assert.deepEqual((await store.range("archive"))[0]!.fields, { temp: "0.1", routed: "1" });
    assert.equal(await store.len("alerts"), 1, "the publish that worked stays");
    const [pending] = await store.pending("s", "g");
    assert.equal(
      (await store.range("s", { start: pending!.id, end: pending!.id }))[0]!.fields.temp,
      "0.9",
    );
  },
);

backendTest(
  "consume() dead-letters a reclaimed entry by its own delivery count while it has other entries pending",
  async (store) => {
    const bound = untilHandled(3);
    const ids = await store.addMany("s", [{ n: "a" }, { n: "b" }, { n: "c" }]);
    await store.createGroup("s", "g", { start: "0" });
    await store.readGroup("s", "g", { consumer: "dead", count: 1 }); // a
    await store.readGroup("s", "g", { consumer: "c1", count: 1 }); // b: this worker's own, slow
    await store.readGroup("s", "g", { consumer: "dead", count: 1 }); // c
    await store.claim("s", "g", { consumer: "dead", minIdleMs: 0, ids: [ids[2]!], retryCount: 5 });
    const seen: [string, number][] = [];
    const stats = await consume(
      async (d) => {
        seen.push([d.fields.n!, d.deliveries]);
        if (d.fields.n === "b") await delay(300);
      },
      options(store, {
        concurrency: 2,
        claimIdleMs: 100,
        claimIntervalMs: 50,
        maxDeliveries: 3,
        ...bound,
      }),
    );
    assertHandled(stats, bound);
    assert.equal(stats.deadLettered, 1);
    assert.deepEqual(parseDeadLetter((await store.range("s:dead-letter"))[0]!.fields).id, ids[2]);
    assert.ok(seen.every(([n]) => n !== "c"), `c was handled: ${JSON.stringify(seen)}`);
    assert.equal((await store.pendingSummary("s", "g")).count, 0);
  },
);

backendTest("consume() rejects bad options before touching the store", async (store) => {
  const bad: Partial<ConsumeOptions>[] = [
    { claimIntervalMs: 0 },
    { claimIntervalMs: Number.NaN },
    { deadLetterStream: "" },
    { removeIdleConsumersMs: 10, blockMs: 100 },
    { count: -1 },
  ];
  for (const extra of bad) {
    await assert.rejects(
      consume(() => {}, options(store, extra)),
      (e: unknown) => e instanceof TypeError || e instanceof RangeError,
      JSON.stringify(extra),
    );
  }
  assert.deepEqual(await store.streams(), []);
});

backendTest(
  "consume() stops with the error when the stream key holds another type",
  async (store) => {
    await store.set("s", "not a stream");
    await assert.rejects(consume(() => {}, options(store)), WrongTypeError);
  },
);
