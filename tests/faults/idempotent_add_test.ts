/**
 * The duplicate a stalled link makes, and how `addOnce()` avoids it: a TCP
 * proxy blackholes the producer's connection while an XADD is in flight, the
 * client times out and retries on a new connection, then the proxy delivers
 * the held XADD late. A plain add is then stored twice (at least once); an
 * add under a producer-chosen ID (`addOnce()`) is stored once, in both
 * orders (the late copy arriving after or before the retry).
 *
 * @module
 */

import assert from "node:assert/strict";
import { addOnce, producerId } from "../../lib/add_once.ts";
import { openStore } from "../../lib/open_store.ts";
import { ignoreRedis, startRedis } from "../_redis_server.ts";
import { startProxy } from "./_proxy.ts";
import { report, until } from "./_faults.ts";

const READING = { sensor_id: "sensor1", temp: "0.42", humidity: "0.61" };

Deno.test({
  name: "addOnce() stores a reading once when a blackholed add is delivered late after its retry",
  ignore: ignoreRedis,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using redis = await startRedis();
    await using check = await openStore(redis.url);
    await using proxy = startProxy(redis.port);
    await using store = await openStore(`redis://127.0.0.1:${proxy.port}`, {
      commandTimeoutMs: 300,
    });
    await store.len("plain"); // connected

    /**
     * Attempts `add` through a blackholed link (it times out), then retries it on a new
     * connection; the held copy is delivered late, after the retry or (`lateFirst`) before it.
     */
    const stalledThenRetried = async <T>(
      add: () => Promise<T>,
      options: { lateFirst: boolean; landed: () => Promise<boolean> },
    ): Promise<T> => {
      proxy.hold();
      await assert.rejects(add(), "the attempt through the blackhole times out");
      assert.ok(proxy.heldBytes() > 0, "the XADD is held in the proxy");
      if (options.lateFirst) {
        await proxy.release();
        await until(options.landed, "the late copy to reach Redis");
      }
      const retry = await add();
      if (!options.lateFirst) {
        await proxy.release();
        await until(options.landed, "the late copy to reach Redis");
      }
      return retry;
    };

    // A plain add (the producer script without the spool): stored twice.
    await stalledThenRetried(() => store.add("plain", READING), {
      lateFirst: false,
      landed: async () => await check.len("plain") === 2,
    });
    const plain = await check.len("plain");

    // addOnce(), retry first, late copy after: Redis refuses the late copy.
    const id1 = producerId();
    const r1 = await stalledThenRetried(() => addOnce(store, "once", READING, { id: id1 }), {
      lateFirst: false,
      landed: async () => (await failedXadds(check)) === 1,
    });
    assert.deepEqual(r1, { id: id1, added: true });
    assert.equal(await check.len("once"), 1);

    // addOnce(), late copy first, retry after: the retry is refused and finds the entry stored.
    const id2 = producerId(id1);
    const r2 = await stalledThenRetried(() => addOnce(store, "once", READING, { id: id2 }), {
      lateFirst: true,
      landed: async () => await check.len("once") === 2,
    });
    assert.deepEqual(r2, { id: id2, added: false });
    assert.equal(await failedXadds(check), 2);
    const once = (await check.range("once")).map((e) => e.id);
    assert.deepEqual(once, [id1, id2]);

    report("blackholed add delivered late (idempotent_add)", {
      sent: 3,
      processed: 3,
      acked: 3,
      lost: 0,
      extra: {
        "copies of the plain add": plain,
        "copies of each addOnce": once.length / 2,
        "XADDs refused by Redis": await failedXadds(check),
      },
    });
  },
});

/** How many XADDs Redis refused (ID too small), from INFO commandstats. */
async function failedXadds(store: { command(args: string[]): Promise<unknown> }) {
  const info = String(await store.command(["INFO", "commandstats"]));
  return Number(/cmdstat_xadd:.*failed_calls=(\d+)/.exec(info)?.[1] ?? 0);
}
