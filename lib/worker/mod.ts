/**
 * The at-least-once consumer worker over any {@linkcode StreamStore}:
 * {@linkcode consume} (a handler per entry, acked after it succeeded),
 * {@linkcode deliveries} (an async iterator, acked by hand),
 * {@linkcode fanOut} (copy entries to other streams), the dead-letter
 * format and idle-consumer removal.
 *
 * @example Consume a group, acking after each successful handler
 * ```ts
 * import { openStore } from "@rstream/rstream";
 * import { consume } from "@rstream/rstream/worker";
 * import assert from "node:assert/strict";
 * await using store = await openStore("memory:");
 * await store.add("app:event", { sensor_id: "sensor1", temp: "0.3" });
 * const stats = await consume(() => {}, {
 *   store, stream: "app:event", group: "workers", consumer: "c1", start: "0", maxHandled: 1,
 * });
 * assert.equal(stats.succeeded, 1);
 * assert.equal((await store.pendingSummary("app:event", "workers")).count, 0);
 * ```
 *
 * @module
 */

export { consume } from "./consume.ts";
export { resolveConsumeOptions } from "./options.ts";
export type {
  ConsumeOptions,
  ConsumeSettings,
  ConsumeStats,
  Delivery,
  HealthEvent,
  WorkerEvent,
} from "./options.ts";
export { AckBatcher } from "./acks.ts";
export { StallWatchdog } from "./watchdog.ts";
export { deliveries } from "./deliveries.ts";
export type { AckableDelivery } from "./deliveries.ts";
export { fanOut } from "./fan_out.ts";
export type { FanOutRoute, FanOutTarget } from "./fan_out.ts";
export { deadLetterFields, parseDeadLetter } from "./dead_letter.ts";
export type { DeadLetter } from "./dead_letter.ts";
export { removeIdleConsumers } from "./idle_consumers.ts";
export type { RemoveIdleConsumersOptions } from "./idle_consumers.ts";
