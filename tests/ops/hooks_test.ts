import assert from "node:assert/strict";
import { openStore } from "../../lib/open_store.ts";
import type { WorkerEvent } from "../../lib/worker/options.ts";
import { startConsumerOps, startProducerOps, takeOpsArgs } from "../../scripts/_ops.ts";

Deno.test({
  name:
    "startConsumerOps() passes the handler and store through unchanged when no ops option is given",
  ignore: Deno.env.get("OTEL_DENO") === "true",
  async fn() {
    await using store = await openStore("memory:");
    const { ops } = takeOpsArgs(["workers", "c1"], "consumer");
    await using hooks = await startConsumerOps(ops, {
      stream: "s",
      group: "workers",
      consumer: "c1",
    }, store);
    const handler = () => Promise.resolve();
    assert.equal(hooks.handler(handler), handler);
    assert.equal(hooks.store, store);
    assert.equal(hooks.printer, undefined);
    const seen: WorkerEvent[] = [];
    const event: WorkerEvent = { type: "deleted", id: "1-0" };
    hooks.onEvent((e) => seen.push(e))(event);
    assert.deepEqual(seen, [event]);
  },
});

Deno.test({
  name: "startProducerOps() passes the store through unchanged when no ops option is given",
  ignore: Deno.env.get("OTEL_DENO") === "true",
  async fn() {
    await using store = await openStore("memory:");
    const { ops } = takeOpsArgs(["sensor1"], "producer");
    await using hooks = await startProducerOps(ops, { stream: "s", sensorId: "sensor1" });
    assert.equal(hooks.store(store), store);
    assert.equal(hooks.logReading({ id: "1-0" }), false);
  },
});
