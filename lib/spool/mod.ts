/**
 * Store-and-forward for edge producers: readings go to a local spool (an
 * embedded store) while Redis cannot be reached, and {@linkcode forwardSpool}
 * ships them in order, deleting each batch only after Redis confirmed it.
 *
 * @example Spool a reading, then count what waits
 * ```ts
 * import { openSpool } from "@rstream/rstream/spool";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await using spool = await openSpool(`${dir}/spool.db`, { stream: "app:event", device: "sensor2" });
 * await spool.append({ temp: "0.42" });
 * assert.equal(await spool.length(), 1);
 * ```
 *
 * @module
 */

export { openSpool, Spool } from "./spool.ts";
export type { AppendResult, SpooledReading, SpoolOptions } from "./spool.ts";
export { forwardSpool } from "./forwarder.ts";
export type { ForwardEvent, ForwardOptions, ForwardStats } from "./forwarder.ts";
