/**
 * Fan-out: consume one stream through a group and publish each entry to
 * other streams, acking the source entry only after every publish succeeded.
 *
 * @module
 */

import { consume } from "./consume.ts";
import type { ConsumeOptions, ConsumeStats, Delivery } from "./options.ts";
import type { AddOptions, Fields } from "../store.ts";

/** One publish of a fan-out. */
export interface FanOutTarget {
  /** The stream to publish to. */
  stream: string;
  /** The fields to publish (default: the source entry's). */
  fields?: Fields;
  /** XADD options such as trimming. */
  options?: Omit<AddOptions, "id">;
}

/** Where each delivery goes: stream names (same fields), or a function choosing targets. */
export type FanOutRoute = readonly string[] | ((delivery: Delivery) => FanOutTarget[]);

/**
 * Consumes `options.stream` and publishes every entry to the route's targets
 * in one pipelined round trip; the source entry is acked only when all
 * publishes succeeded, otherwise it stays pending and is retried.
 *
 * @example Copy every event to two topics
 * ```ts
 * import { fanOut, openStore } from "@rstream/rstream";
 * import assert from "node:assert/strict";
 * await using store = await openStore("memory:");
 * await store.add("app:event", { temp: "0.9" });
 * await fanOut(["alerts", "archive"], {
 *   store, stream: "app:event", group: "fanout", consumer: "f1", start: "0", maxHandled: 1,
 * });
 * assert.ok(await store.len("alerts") === 1 && await store.len("archive") === 1);
 * ```
 */
export function fanOut(route: FanOutRoute, options: ConsumeOptions): Promise<ConsumeStats> {
  const targetsOf: (delivery: Delivery) => FanOutTarget[] = typeof route === "function"
    ? route
    : (delivery: Delivery) => route.map((stream) => ({ stream, fields: delivery.fields }));
  return consume(async (delivery) => {
    // Issued together: node-redis sends them in one round trip. Every add
    // settles before the handler returns, so a failed one fails the handler
    // (and the source entry stays pending) only after the others finished.
    const results = await Promise.allSettled(
      targetsOf(delivery).map((t) =>
        options.store.add(t.stream, t.fields ?? delivery.fields, t.options)
      ),
    );
    const failed = results.find((r) => r.status === "rejected");
    if (failed) throw failed.reason;
  }, options);
}
