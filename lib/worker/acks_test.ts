import assert from "node:assert/strict";
import { AckBatcher } from "./acks.ts";
import type { Delivery } from "./options.ts";

const delivery = (id: string): Delivery => ({
  stream: "s",
  id,
  fields: { a: "1" },
  deliveries: 1,
  consumer: "c",
});

/** A batcher over a fake XACK that records what it sent and what came of it. */
function recording(options: { fail?: () => boolean } = {}) {
  const sent: string[][] = [];
  const acked: string[] = [];
  const failed: string[] = [];
  const acks = new AckBatcher((ids) => {
    sent.push(ids);
    return options.fail?.() ? Promise.reject(new Error("connection lost")) : Promise.resolve(1);
  }, {
    acked: (ds) => acked.push(...ds.map((d) => d.id)),
    failed: (ds) => failed.push(...ds.map((d) => d.id)),
  });
  return { acks, sent, acked, failed };
}

Deno.test("AckBatcher sends the acks added in one tick as one batch", async () => {
  const { acks, sent, acked } = recording();
  acks.add(delivery("1-0"));
  acks.add(delivery("2-0"));
  await new Promise((resolve) => setTimeout(resolve, 0));
  acks.add(delivery("3-0"));
  await acks.settled();
  assert.deepEqual(sent, [["1-0", "2-0"], ["3-0"]]);
  assert.deepEqual(acked, ["1-0", "2-0", "3-0"]);
});

Deno.test("AckBatcher sends nothing while held; take() hands the queue to a pipeline", async () => {
  const { acks, sent, acked } = recording();
  acks.hold();
  acks.add(delivery("1-0"));
  acks.add(delivery("2-0"));
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.deepEqual(sent, []);
  acks.release();
  const batch = acks.take();
  assert.deepEqual(batch.map((d) => d.id), ["1-0", "2-0"]);
  assert.deepEqual([...acks.ids()], ["1-0", "2-0"], "taken acks still count until answered");
  assert.ok(acks.isUnacked("2-0"));
  acks.report(batch, { count: 2 });
  assert.deepEqual(acked, ["1-0", "2-0"]);
  assert.deepEqual([...acks.ids()], []);
  await acks.settled();
  assert.deepEqual(sent, []);
});

Deno.test("AckBatcher keeps a failed batch to ack again, never reporting it acked first", async () => {
  let fail = true;
  const { acks, sent, acked, failed } = recording({ fail: () => fail });
  acks.add(delivery("1-0"));
  acks.add(delivery("2-0"));
  await acks.settled();
  assert.deepEqual(failed, ["1-0", "2-0"]);
  assert.deepEqual(acked, []);
  assert.ok(acks.isUnacked("1-0"));
  fail = false;
  const again = await acks.ackAgain();
  assert.deepEqual(again.acked.map((d) => d.id), ["1-0", "2-0"]);
  assert.deepEqual(sent.at(-1), ["1-0", "2-0"]);
  assert.equal(acks.isUnacked("1-0"), false);
  assert.deepEqual(await acks.ackAgain(), { acked: [], gone: [], takenOver: [] });
});

Deno.test("AckBatcher.settled() sends queued acks and waits for every batch in flight", async () => {
  let answer!: () => void;
  const acked: string[] = [];
  const acks = new AckBatcher(() => new Promise<number>((resolve) => answer = () => resolve(1)), {
    acked: (ds) => acked.push(...ds.map((d) => d.id)),
    failed: () => {},
  });
  acks.hold();
  acks.add(delivery("1-0"));
  const settled = acks.settled();
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.deepEqual(acked, []);
  answer();
  await settled;
  assert.deepEqual(acked, ["1-0"]);
});

Deno.test("AckBatcher.ackAgain() with stillOwned acks only what the consumer still owns", async () => {
  let fail = true;
  const { acks, sent } = recording({ fail: () => fail });
  for (const id of ["1-0", "2-0", "3-0"]) acks.add(delivery(id));
  await acks.settled();
  fail = false;
  // 2-0 was reclaimed by another consumer while the XACK was failing.
  const again = await acks.ackAgain({ stillOwned: () => Promise.resolve(new Set(["1-0", "3-0"])) });
  assert.deepEqual(again.acked.map((d) => d.id), ["1-0", "3-0"]);
  assert.deepEqual(again.takenOver.map((d) => d.id), ["2-0"]);
  assert.deepEqual(sent.at(-1), ["1-0", "3-0"]);
  assert.equal(acks.isUnacked("2-0"), false, "the lost one is dropped, not acked later");
});

Deno.test("AckBatcher hands XACK's count to acked() and leaves out what alone() takes", async () => {
  const sent: string[][] = [];
  const answers: [string[], number | undefined][] = [];
  const alone: string[] = [];
  const acks = new AckBatcher((ids) => Promise.resolve(sent.push(ids) && 1), {
    acked: (ds, count) => answers.push([ds.map((d) => d.id), count]),
    failed: () => {},
    alone: (d) => d.id === "2-0" && alone.push(d.id) > 0,
  });
  for (const id of ["1-0", "2-0", "3-0"]) acks.add(delivery(id));
  await acks.settled();
  assert.deepEqual(alone, ["2-0"]);
  assert.deepEqual(sent, [["1-0", "3-0"]]);
  assert.deepEqual(answers, [[["1-0", "3-0"], 1]]);
  assert.equal(acks.isUnacked("2-0"), false, "the worker owns what alone() took");
});

Deno.test("AckBatcher.ackAgain() acks a failed lone ack alone and reports it gone when XACK says 0", async () => {
  const sent: string[][] = [];
  let fail = true;
  const acks = new AckBatcher((ids) => {
    sent.push(ids);
    if (fail) return Promise.reject(new Error("connection lost"));
    return Promise.resolve(ids[0] === "2-0" ? 0 : ids.length);
  }, { acked: () => {}, failed: () => {} });
  acks.add(delivery("1-0"));
  await acks.settled();
  acks.report([delivery("2-0")], { error: new Error("connection lost"), alone: true });
  acks.report([delivery("3-0")], { error: new Error("connection lost"), alone: true });
  fail = false;
  const again = await acks.ackAgain();
  assert.deepEqual(sent.slice(1), [["1-0"], ["2-0"], ["3-0"]]);
  assert.deepEqual(again.acked.map((d) => d.id), ["1-0", "3-0"]);
  assert.deepEqual(again.gone.map((d) => d.id), ["2-0"], "acked by another consumer meanwhile");
  assert.deepEqual([...acks.ids()], []);
});
