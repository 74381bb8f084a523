import assert from "node:assert/strict";
import {
  entries,
  NoGroupError,
  openStore,
  readFromCheckpoint,
  StreamIdTooSmallError,
  tail,
  WrongTypeError,
} from "../mod.ts";
import { assertHandled, backendTest, delay, untilHandled } from "./_backends.ts";

backendTest("add() returns auto IDs that increase", async (store) => {
  const a = await store.add("s", { temp: "0.1" });
  const b = await store.add("s", { temp: "0.2" });
  assert.match(a!, /^\d+-\d+$/);
  assert.ok(b! > a! || b!.length > a!.length);
  assert.equal(await store.len("s"), 2);
});

backendTest("add() keeps an explicit ID and an <ms>-* ID", async (store) => {
  assert.equal(await store.add("s", { a: "1" }, { id: "5-1" }), "5-1");
  assert.equal(await store.add("s", { a: "2" }, { id: "5-*" }), "5-2");
  assert.equal(await store.add("s", { a: "3" }, { id: "7-*" }), "7-0");
  assert.deepEqual((await store.range("s")).map((e) => e.id), ["5-1", "5-2", "7-0"]);
});

backendTest(
  "add() and range() take every unsigned 64-bit ID part, past 2^53 too",
  async (store) => {
    const ids = [
      "1-0",
      "9007199254740991-9007199254740991",
      "9007199254740992-0",
      "18446744073709551615-18446744073709551614",
    ];
    for (const id of ids) assert.equal(await store.add("s", { id }, { id }), id);
    assert.equal(
      await store.add("s", { a: "x" }, { id: "18446744073709551615-*" }),
      "18446744073709551615-18446744073709551615",
    );
    assert.deepEqual(
      (await store.range("s", { start: "(1-0", end: "(18446744073709551615-18446744073709551614" }))
        .map((e) => e.id),
      [
        "9007199254740991-9007199254740991",
        "9007199254740992-0",
      ],
    );
    assert.deepEqual(
      (await store.range("s", { start: "(9007199254740991-9007199254740991", reverse: true }))
        .map((e) => e.id),
      [
        "18446744073709551615-18446744073709551615",
        "18446744073709551615-18446744073709551614",
        "9007199254740992-0",
      ],
    );
    await assert.rejects(store.add("s", { a: "y" }), /exhausted the last possible ID/);
    assert.equal(await store.len("s"), 5);
  },
);

backendTest("add() names both IDs when the ID is not above the stream's top", async (store) => {
  await store.add("s", { a: "1" }, { id: "5-1" });
  await assert.rejects(
    store.add("s", { a: "2" }, { id: "5-0" }),
    (error: unknown) =>
      error instanceof StreamIdTooSmallError && error.lastId === "5-1" &&
      /5-0/.test(error.message) && /5-1/.test(error.message),
  );
  assert.equal(await store.len("s"), 1);
});

backendTest("add() trims to MAXLEN exactly", async (store) => {
  for (let i = 1; i <= 10; i++) await store.add("s", { n: String(i) }, { id: `${i}-0`, maxLen: 3 });
  assert.deepEqual((await store.range("s")).map((e) => e.fields.n), ["8", "9", "10"]);
});

backendTest("add() trims by MINID", async (store) => {
  await store.addMany("s", [{ n: "x" }]);
  await store.deleteStream("s");
  for (let i = 1; i <= 5; i++) await store.add("s", { n: String(i) }, { id: `${i}-0` });
  await store.add("s", { n: "6" }, { id: "6-0", minId: "4" });
  assert.deepEqual((await store.range("s")).map((e) => e.id), ["4-0", "5-0", "6-0"]);
});

backendTest(
  "add() with approximate MAXLEN and LIMIT keeps at least MAXLEN entries",
  async (store) => {
    const ids = await store.addMany("s", Array.from({ length: 300 }, (_, i) => ({ n: String(i) })));
    assert.equal(ids.length, 300);
    await store.add("s", { n: "last" }, { maxLen: 10, approximate: true, limit: 100 });
    const len = await store.len("s");
    assert.ok(len >= 10 && len <= 301, `length ${len}`);
  },
);

backendTest("add() with noMkStream returns null and creates nothing", async (store) => {
  assert.equal(await store.add("missing", { a: "1" }, { noMkStream: true }), null);
  assert.deepEqual(await store.streams(), []);
});

backendTest("addMany() returns the IDs in order", async (store) => {
  const fields = Array.from({ length: 50 }, (_, i) => ({ n: String(i) }));
  const ids = await store.addMany("s", fields);
  const read = await store.range("s");
  assert.deepEqual(read.map((e) => e.id), ids);
  assert.deepEqual(read.map((e) => e.fields.n), fields.map((f) => f.n));
});

backendTest(
  "range() honours inclusive, exclusive and incomplete bounds and COUNT",
  async (store) => {
    for (const id of ["1-0", "1-1", "2-0", "3-0", "3-5"]) await store.add("s", { id }, { id });
    const ids = async (options: Parameters<typeof store.range>[1]) =>
      (await store.range("s", options)).map((e) => e.id);
    assert.deepEqual(await ids({ start: "1-1", end: "3-0" }), ["1-1", "2-0", "3-0"]);
    assert.deepEqual(await ids({ start: "(1-1", end: "(3-0" }), ["2-0"]);
    assert.deepEqual(await ids({ start: "3", end: "3" }), ["3-0", "3-5"]);
    assert.deepEqual(await ids({ count: 2 }), ["1-0", "1-1"]);
    assert.deepEqual(await ids({ reverse: true, count: 2 }), ["3-5", "3-0"]);
    assert.deepEqual(await ids({ reverse: true, start: "(1-1", end: "(3-5" }), ["3-0", "2-0"]);
  },
);

backendTest("entries() pages through a whole stream in order", async (store) => {
  const ids = await store.addMany("s", Array.from({ length: 25 }, (_, i) => ({ n: String(i) })));
  const seen: string[] = [];
  for await (const entry of entries(store, "s", { pageSize: 4 })) seen.push(entry.id);
  assert.deepEqual(seen, ids);
  const reversed: string[] = [];
  for await (const entry of entries(store, "s", { pageSize: 7, reverse: true })) {
    reversed.push(entry.id);
  }
  assert.deepEqual(reversed, [...ids].reverse());
});

backendTest("read() blocks until an entry arrives after $", async (store) => {
  await store.add("s", { old: "1" });
  const reading = store.read("s", { blockMs: 5000 });
  await delay(50);
  const id = await store.add("s", { new: "1" });
  const result = await reading;
  assert.deepEqual(result, [{ stream: "s", entries: [{ id, fields: { new: "1" } }] }]);
});

backendTest("read() reads several streams from 0 and returns nothing on timeout", async (store) => {
  const a = await store.add("a", { x: "1" });
  const b = await store.add("b", { y: "2" });
  const result = await store.read({ a: "0", b: "0" });
  assert.deepEqual(result, [
    { stream: "a", entries: [{ id: a, fields: { x: "1" } }] },
    { stream: "b", entries: [{ id: b, fields: { y: "2" } }] },
  ]);
  assert.deepEqual(await store.read({ a: a!, b: b! }, { blockMs: 30 }), []);
});

backendTest("read() resolves empty at once when its signal aborts", async (store) => {
  const controller = new AbortController();
  const started = performance.now();
  setTimeout(() => controller.abort(), 30);
  assert.deepEqual(await store.read("s", { blockMs: 0, signal: controller.signal }), []);
  assert.ok(performance.now() - started < 2000);
});

backendTest("tail() yields every entry added while it follows, none missed", async (store) => {
  await store.add("s", { before: "1" });
  const controller = new AbortController();
  const seen: string[] = [];
  const following = (async () => {
    for await (
      const entry of tail(store, "s", { signal: controller.signal, blockMs: 20, count: 2 })
    ) {
      seen.push(entry.fields.n!);
      if (seen.length === 20) controller.abort();
    }
  })();
  await delay(30);
  for (let i = 0; i < 20; i++) {
    await store.add("s", { n: String(i) });
    if (i % 5 === 0) await delay(25); // let some reads time out between adds
  }
  await following;
  assert.deepEqual(seen, Array.from({ length: 20 }, (_, i) => String(i)));
});

backendTest("readFromCheckpoint() stores <consumer>:lastid and resumes after it", async (store) => {
  const ids = await store.addMany("app:event", [{ n: "1" }, { n: "2" }, { n: "3" }]);
  const seen: string[] = [];
  const options = { store, stream: "app:event", consumer: "c1", start: "0" as const, blockMs: 10 };
  const first = untilHandled(2);
  assertHandled(
    await readFromCheckpoint((e) => void seen.push(e.fields.n!), { ...options, ...first }),
    first,
  );
  assert.equal(await store.get("c1:lastid"), ids[1]);
  const second = untilHandled(1);
  assertHandled(
    await readFromCheckpoint((e) => void seen.push(e.fields.n!), { ...options, ...second }),
    second,
  );
  assert.deepEqual(seen, ["1", "2", "3"]);
  assert.equal(await store.get("c1:lastid"), ids[2]);
});

backendTest("readFromCheckpoint() starts at the latest entry by default", async (store) => {
  const bound = untilHandled(1);
  await store.add("s", { old: "1" });
  const seen: string[] = [];
  const reading = readFromCheckpoint((e) => void seen.push(Object.keys(e.fields)[0]!), {
    store,
    stream: "s",
    consumer: "c",
    blockMs: 20,
    ...bound,
  });
  await delay(60);
  await store.add("s", { new: "1" });
  assertHandled(await reading, bound);
  assert.deepEqual(seen, ["new"]);
});

backendTest(
  "readFromCheckpoint() keeps the checkpoint before an entry whose handler threw",
  async (store) => {
    const [first] = await store.addMany("s", [{ n: "1" }, { n: "2" }]);
    await assert.rejects(
      readFromCheckpoint((e) => {
        if (e.fields.n === "2") throw new Error("boom");
      }, { store, stream: "s", consumer: "c", start: "0", blockMs: 10 }),
      /boom/,
    );
    assert.equal(await store.get("c:lastid"), first);
  },
);

backendTest(
  "createGroup() starts at $ or 0 and is not an error when the group exists",
  async (store) => {
    await store.add("s", { a: "1" });
    assert.equal(await store.createGroup("s", "latest"), true);
    assert.equal(await store.createGroup("s", "all", { start: "0" }), true);
    assert.equal(await store.createGroup("s", "all", { start: "0" }), false);
    const byName = Object.fromEntries((await store.groups("s")).map((g) => [g.name, g]));
    assert.equal(byName.latest!.lag, 0);
    assert.equal(byName.all!.lag, 1);
    assert.equal(byName.all!.lastDeliveredId, "0-0");
  },
);

backendTest("createGroup() fails on a missing stream without mkStream", async (store) => {
  await assert.rejects(store.createGroup("nope", "g"), NoGroupError);
  assert.equal(await store.createGroup("nope", "g", { mkStream: true }), true);
  assert.equal(await store.len("nope"), 0);
});

backendTest(
  "setGroupId(), createConsumer(), deleteConsumer() and destroyGroup() change group state",
  async (store) => {
    const ids = await store.addMany("s", [{ a: "1" }, { a: "2" }, { a: "3" }]);
    await store.createGroup("s", "g", { start: "0" });
    await store.setGroupId("s", "g", { id: ids[1]! });
    assert.equal((await store.groups("s"))[0]!.lastDeliveredId, ids[1]);
    assert.equal(await store.createConsumer("s", "g", { consumer: "c1" }), true);
    assert.equal(await store.createConsumer("s", "g", { consumer: "c1" }), false);
    await store.readGroup("s", "g", { consumer: "c2" });
    assert.deepEqual((await store.consumers("s", "g")).map((c) => [c.name, c.pending]), [
      ["c1", 0],
      ["c2", 1],
    ]);
    assert.equal(await store.deleteConsumer("s", "g", { consumer: "c2" }), 1);
    assert.equal((await store.pendingSummary("s", "g")).count, 0);
    assert.equal(await store.destroyGroup("s", "g"), true);
    assert.equal(await store.destroyGroup("s", "g"), false);
    assert.deepEqual(await store.groups("s"), []);
  },
);

backendTest("groups() reports pending, entries-read and lag", async (store) => {
  await store.addMany("s", [{ a: "1" }, { a: "2" }, { a: "3" }]);
  await store.createGroup("s", "g", { start: "0" });
  await store.readGroup("s", "g", { consumer: "c", count: 2 });
  const [group] = await store.groups("s");
  assert.equal(group!.pending, 2);
  assert.equal(group!.entriesRead, 2);
  assert.equal(group!.lag, 1);
  assert.equal(group!.consumers, 1);
});

backendTest(
  "readGroup() delivers new entries once and own pending entries with 0",
  async (store) => {
    const ids = await store.addMany("s", [{ a: "1" }, { a: "2" }]);
    await store.createGroup("s", "g", { start: "0" });
    const first = await store.readGroup("s", "g", { consumer: "c1", count: 1 });
    assert.deepEqual(first, [{ stream: "s", entries: [{ id: ids[0], fields: { a: "1" } }] }]);
    const second = await store.readGroup("s", "g", { consumer: "c2" });
    assert.deepEqual(second[0]!.entries.map((e) => e.id), [ids[1]]);
    assert.deepEqual(await store.readGroup("s", "g", { consumer: "c1" }), []);
    const own = await store.readGroup("s", "g", { consumer: "c1", id: "0" });
    assert.deepEqual(own[0]!.entries.map((e) => e.id), [ids[0]]);
    const [pending] = await store.pending("s", "g", { consumer: "c1" });
    assert.equal(pending!.deliveries, 2);
  },
);

backendTest("readGroup() with noAck leaves nothing pending", async (store) => {
  await store.addMany("s", [{ a: "1" }, { a: "2" }]);
  await store.createGroup("s", "g", { start: "0" });
  const read = await store.readGroup("s", "g", { consumer: "c", noAck: true });
  assert.equal(read[0]!.entries.length, 2);
  assert.equal((await store.pendingSummary("s", "g")).count, 0);
});

backendTest("readGroup() blocks for new entries and returns empty on timeout", async (store) => {
  await store.createGroup("s", "g", { mkStream: true });
  assert.deepEqual(await store.readGroup("s", "g", { consumer: "c", blockMs: 20 }), []);
  const reading = store.readGroup("s", "g", { consumer: "c", blockMs: 5000 });
  await delay(40);
  const id = await store.add("s", { a: "1" });
  const [read] = await reading;
  assert.equal(read!.entries[0]!.id, id);
});

backendTest(
  "readGroup() reports an entry deleted while pending with null fields",
  async (store) => {
    const [id] = await store.addMany("s", [{ a: "1" }]);
    await store.createGroup("s", "g", { start: "0" });
    await store.readGroup("s", "g", { consumer: "c" });
    assert.equal(await store.del("s", [id!]), 1);
    const [read] = await store.readGroup("s", "g", { consumer: "c", id: "0" });
    assert.deepEqual(read!.entries, [{ id, fields: null }]);
  },
);

backendTest("readGroup() names the group when it does not exist", async (store) => {
  await store.add("s", { a: "1" });
  await assert.rejects(
    store.readGroup("s", "nope", { consumer: "c" }),
    (e: unknown) => e instanceof NoGroupError && /'nope'/.test(e.message),
  );
});

backendTest("ack() removes entries from the pending list", async (store) => {
  const ids = await store.addMany("s", [{ a: "1" }, { a: "2" }, { a: "3" }]);
  await store.createGroup("s", "g", { start: "0" });
  await store.readGroup("s", "g", { consumer: "c" });
  assert.equal(await store.ack("s", "g", { ids: [ids[0]!, ids[2]!] }), 2);
  assert.equal(await store.ack("s", "g", { ids: [ids[0]!] }), 0);
  const summary = await store.pendingSummary("s", "g");
  assert.deepEqual(summary, {
    count: 1,
    smallestId: ids[1],
    greatestId: ids[1],
    consumers: [{ name: "c", pending: 1 }],
  });
});

backendTest("pendingSummary() is empty for a group with nothing pending", async (store) => {
  await store.createGroup("s", "g", { mkStream: true });
  assert.deepEqual(await store.pendingSummary("s", "g"), {
    count: 0,
    smallestId: null,
    greatestId: null,
    consumers: [],
  });
});

backendTest("pending() filters by consumer, idle time and range", async (store) => {
  const ids = await store.addMany("s", [{ a: "1" }, { a: "2" }, { a: "3" }]);
  await store.createGroup("s", "g", { start: "0" });
  await store.readGroup("s", "g", { consumer: "c1", count: 2 });
  await delay(60);
  await store.readGroup("s", "g", { consumer: "c2" });
  const all = await store.pending("s", "g");
  assert.deepEqual(all.map((p) => [p.id, p.consumer, p.deliveries]), [
    [ids[0], "c1", 1],
    [ids[1], "c1", 1],
    [ids[2], "c2", 1],
  ]);
  assert.deepEqual((await store.pending("s", "g", { consumer: "c2" })).map((p) => p.id), [ids[2]]);
  assert.deepEqual(
    (await store.pending("s", "g", { minIdleMs: 50 })).map((p) => p.id),
    ids.slice(0, 2),
  );
  assert.deepEqual(
    (await store.pending("s", "g", { start: `(${ids[0]}`, count: 1 })).map((p) => p.id),
    [ids[1]],
  );
});

backendTest("claim() moves idle entries and applies IDLE, RETRYCOUNT and FORCE", async (store) => {
  const ids = await store.addMany("s", [{ a: "1" }, { a: "2" }, { a: "3" }]);
  await store.createGroup("s", "g", { start: "0" });
  await store.readGroup("s", "g", { consumer: "c1", count: 2 });
  assert.deepEqual(
    await store.claim("s", "g", { consumer: "c2", minIdleMs: 60_000, ids: [ids[0]!] }),
    [],
  );
  const claimed = await store.claim("s", "g", {
    consumer: "c2",
    minIdleMs: 0,
    ids: [ids[0]!],
    idleMs: 5000,
    retryCount: 7,
  });
  assert.deepEqual(claimed, [{ id: ids[0], fields: { a: "1" } }]);
  const [p] = await store.pending("s", "g", { consumer: "c2" });
  assert.equal(p!.deliveries, 7);
  assert.ok(p!.idleMs >= 5000);
  assert.deepEqual(
    await store.claim("s", "g", { consumer: "c2", minIdleMs: 0, ids: [ids[2]!] }),
    [],
  );
  await store.claim("s", "g", { consumer: "c2", minIdleMs: 0, ids: [ids[2]!], force: true });
  assert.deepEqual((await store.pending("s", "g", { consumer: "c2" })).map((e) => e.id), [
    ids[0],
    ids[2],
  ]);
});

backendTest("claimIds() returns IDs and keeps the delivery count", async (store) => {
  const [id] = await store.addMany("s", [{ a: "1" }]);
  await store.createGroup("s", "g", { start: "0" });
  await store.readGroup("s", "g", { consumer: "c1" });
  assert.deepEqual(await store.claimIds("s", "g", { consumer: "c2", minIdleMs: 0, ids: [id!] }), [
    id,
  ]);
  const [p] = await store.pending("s", "g");
  assert.deepEqual([p!.consumer, p!.deliveries], ["c2", 1]);
});

backendTest("claim() with TIME sets the last delivery time", async (store) => {
  const [id] = await store.addMany("s", [{ a: "1" }]);
  await store.createGroup("s", "g", { start: "0" });
  await store.readGroup("s", "g", { consumer: "c1" });
  await store.claim("s", "g", {
    consumer: "c1",
    minIdleMs: 0,
    ids: [id!],
    timeMs: Date.now() - 10_000,
  });
  const [p] = await store.pending("s", "g");
  assert.ok(p!.idleMs >= 10_000 && p!.idleMs < 60_000, `idle ${p!.idleMs}`);
});

backendTest("autoClaim() takes idle entries and reports deleted ones", async (store) => {
  const ids = await store.addMany("s", [{ a: "1" }, { a: "2" }, { a: "3" }]);
  await store.createGroup("s", "g", { start: "0" });
  await store.readGroup("s", "g", { consumer: "dead" });
  await store.del("s", [ids[1]!]);
  await delay(30);
  const result = await store.autoClaim("s", "g", { consumer: "alive", minIdleMs: 20 });
  assert.equal(result.nextStart, "0-0");
  assert.deepEqual(result.entries.map((e) => e.id), [ids[0], ids[2]]);
  assert.deepEqual(result.deletedIds, [ids[1]]);
  const pending = await store.pending("s", "g");
  assert.deepEqual(pending.map((p) => [p.id, p.consumer, p.deliveries]), [
    [ids[0], "alive", 2],
    [ids[2], "alive", 2],
  ]);
});

backendTest("autoClaim() leaves alone entries idle less than minIdleMs", async (store) => {
  const ids = await store.addMany("s", [{ a: "1" }, { a: "2" }]);
  await store.createGroup("s", "g", { start: "0" });
  await store.readGroup("s", "g", { consumer: "dead" });
  // The first has been idle for 10 s; the second was delivered just now.
  await store.claim("s", "g", {
    consumer: "dead",
    minIdleMs: 0,
    ids: [ids[0]!],
    idleMs: 10_000,
    retryCount: 1,
  });
  const young = await store.autoClaim("s", "g", { consumer: "alive", minIdleMs: 60_000 });
  assert.deepEqual([young.entries, young.deletedIds, young.nextStart], [[], [], "0-0"]);
  const result = await store.autoClaim("s", "g", { consumer: "alive", minIdleMs: 5000 });
  assert.deepEqual(result.entries.map((e) => e.id), [ids[0]]);
  assert.equal(result.nextStart, "0-0");
  const pending = await store.pending("s", "g");
  assert.deepEqual(pending.map((p) => [p.id, p.consumer, p.deliveries]), [
    [ids[0], "alive", 2],
    [ids[1], "dead", 1],
  ]);
});

backendTest("autoClaim() pages with COUNT and a next start", async (store) => {
  const ids = await store.addMany("s", [{ a: "1" }, { a: "2" }, { a: "3" }]);
  await store.createGroup("s", "g", { start: "0" });
  await store.readGroup("s", "g", { consumer: "dead" });
  const first = await store.autoClaim("s", "g", { consumer: "c", minIdleMs: 0, count: 2 });
  assert.deepEqual(first.entries.map((e) => e.id), ids.slice(0, 2));
  assert.equal(first.nextStart, ids[2]);
  const second = await store.autoClaim("s", "g", {
    consumer: "c",
    minIdleMs: 0,
    start: first.nextStart,
  });
  assert.deepEqual(second.entries.map((e) => e.id), [ids[2]]);
});

backendTest("trim() evicts by MAXLEN and MINID and returns the count", async (store) => {
  for (let i = 1; i <= 6; i++) await store.add("s", { n: String(i) }, { id: `${i}-0` });
  assert.equal(await store.trim("s", { maxLen: 4 }), 2);
  assert.equal(await store.trim("s", { minId: "5-0" }), 2);
  assert.deepEqual((await store.range("s")).map((e) => e.id), ["5-0", "6-0"]);
});

backendTest("del() deletes entries and len() counts what is left", async (store) => {
  const ids = await store.addMany("s", [{ a: "1" }, { a: "2" }]);
  assert.equal(await store.del("s", [ids[0]!, "999-0"]), 1);
  assert.equal(await store.len("s"), 1);
  assert.equal(await store.len("missing"), 0);
});

backendTest("info() reports length, first and last entry, groups and consumers", async (store) => {
  const ids = await store.addMany("s", [{ a: "1" }, { a: "2" }]);
  await store.createGroup("s", "g", { start: "0" });
  await store.readGroup("s", "g", { consumer: "c", count: 1 });
  const info = await store.info("s");
  assert.equal(info.length, 2);
  assert.deepEqual(info.firstEntry, { id: ids[0], fields: { a: "1" } });
  assert.deepEqual(info.lastEntry, { id: ids[1], fields: { a: "2" } });
  assert.equal(info.lastGeneratedId, ids[1]);
  assert.equal(info.entriesAdded, 2);
  assert.equal(info.groups.length, 1);
  assert.equal(info.groups[0]!.pending, 1);
  assert.deepEqual(info.groups[0]!.consumerList.map((c) => [c.name, c.pending]), [["c", 1]]);
});

backendTest("streams() lists only stream keys, matching a pattern", async (store) => {
  await store.add("app:event", { a: "1" });
  await store.add("app:audit", { a: "1" });
  await store.add("other", { a: "1" });
  await store.set("app:lastid", "1-0");
  assert.deepEqual(await store.streams(), ["app:audit", "app:event", "other"]);
  assert.deepEqual(await store.streams({ pattern: "app:*" }), ["app:audit", "app:event"]);
});

backendTest("stream commands on a string key fail with WrongTypeError", async (store) => {
  await store.set("k", "v");
  await assert.rejects(store.add("k", { a: "1" }), WrongTypeError);
  await assert.rejects(store.range("k"), WrongTypeError);
  assert.equal(await store.get("k"), "v");
});

backendTest("command() runs raw stream commands with Redis reply shapes", async (store) => {
  assert.equal(await store.command(["XADD", "s", "1-1", "temp", "0.4"]), "1-1");
  assert.deepEqual(await store.command(["XRANGE", "s", "-", "+"]), [["1-1", ["temp", "0.4"]]]);
  assert.equal(await store.command(["XLEN", "s"]), 1);
});

backendTest("a second store on the same URL sees the same data", async (store, { url }) => {
  await store.add("s", { a: "1" });
  await using other = await openStore(url);
  assert.equal(await other.len("s"), 1);
});

backendTest("bad arguments are refused before anything is sent", async (store) => {
  await store.addMany("s", [{ a: "1" }]);
  await store.createGroup("s", "g", { start: "0" });
  const refusals: [string, () => Promise<unknown>][] = [
    ["ack() with a string", () => store.ack("s", "g", { ids: "1-0" as unknown as string[] })],
    ["ack() with a bad ID", () => store.ack("s", "g", { ids: ["1-x"] })],
    ["del() with a bad ID", () => store.del("s", ["nope"])],
    ["createGroup() with a bad start", () => store.createGroup("s", "g2", { start: "x" })],
    [
      "createGroup() with a fractional entriesRead",
      () => store.createGroup("s", "g3", { entriesRead: 1.5 }),
    ],
    ["setGroupId() with a bad ID", () => store.setGroupId("s", "g", { id: "-1" })],
    [
      "createConsumer() with an empty stream",
      () => store.createConsumer("", "g", { consumer: "c" }),
    ],
    ["command() with no arguments", () => store.command([])],
  ];
  for (const [what, call] of refusals) {
    await assert.rejects(
      call(),
      (e: unknown) => e instanceof TypeError || e instanceof RangeError,
      what,
    );
  }
  assert.deepEqual((await store.groups("s")).map((g) => g.name), ["g"]);
  assert.equal(await store.len("s"), 1);
});

backendTest(
  "readGroup() and ack() of batches past 50 entries keep exact pending counts",
  async (store) => {
    const ids = await store.addMany("s", Array.from({ length: 130 }, (_, i) => ({ n: String(i) })));
    await store.createGroup("s", "g", { start: "0" });
    const [read] = await store.readGroup("s", "g", { consumer: "c1", count: 120 });
    assert.equal(read!.entries.length, 120);
    assert.equal((await store.pendingSummary("s", "g")).count, 120);
    // 100 pending IDs, 10 of them twice, and 5 never delivered: each pending one counts once.
    const ackIds = [...ids.slice(0, 100), ...ids.slice(0, 10), ...ids.slice(125, 130)];
    assert.equal(await store.ack("s", "g", { ids: ackIds }), 100);
    const pending = await store.pending("s", "g", { count: 1000 });
    assert.deepEqual(pending.map((p) => p.id), ids.slice(100, 120));
    assert.ok(pending.every((p) => p.consumer === "c1" && p.deliveries === 1));
  },
);
