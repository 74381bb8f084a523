import assert from "node:assert/strict";
import { AckBatcher } from "./acks.ts";

const delivery = (id: string) => ({
  stream: "s",
  id,
  fields: { a: "1" },
  deliveries: 1,
  consumer: "c",
});

Deno.test("AckBatcher sends the acks of one tick as one batch", async () => {
  const sent: string[][] = [];
  const acks = new AckBatcher((ids) => Promise.resolve(void sent.push(ids)));
  await Promise.all([acks.ack("1-0"), acks.ack("2-0")]);
  await acks.ack("3-0");
  assert.deepEqual(sent, [["1-0", "2-0"], ["3-0"]]);
});

Deno.test("AckBatcher holds acks while held and sends them together on release()", async () => {
  const sent: string[][] = [];
  const acks = new AckBatcher((ids) => Promise.resolve(void sent.push(ids)));
  acks.hold();
  const first = acks.ack("1-0");
  await new Promise((resolve) => setTimeout(resolve, 10));
  const second = acks.ack("2-0");
  assert.deepEqual(sent, []);
  acks.release();
  await Promise.all([first, second]);
  assert.deepEqual(sent, [["1-0", "2-0"]]);
});

Deno.test("AckBatcher rejects every ack of a failed batch and acks kept deliveries again", async () => {
  let fail = true;
  const sent: string[][] = [];
  const acks = new AckBatcher((ids) => {
    sent.push(ids);
    return fail ? Promise.reject(new Error("connection lost")) : Promise.resolve();
  });
  const results = await Promise.allSettled([acks.ack("1-0"), acks.ack("2-0")]);
  assert.deepEqual(results.map((r) => r.status), ["rejected", "rejected"]);
  acks.keepUnconfirmed(delivery("1-0"));
  acks.keepUnconfirmed(delivery("2-0"));
  assert.ok(acks.isUnconfirmed("1-0"));
  fail = false;
  const again = await acks.ackAgain();
  assert.deepEqual(again.map((d) => d.id), ["1-0", "2-0"]);
  assert.deepEqual(sent.at(-1), ["1-0", "2-0"]);
  assert.equal(acks.isUnconfirmed("1-0"), false);
  assert.deepEqual(await acks.ackAgain(), []);
});
