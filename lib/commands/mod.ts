/**
 * Every command rstream sends, defined once: its argument builder, its reply
 * parser and its error mapping together, pure and tested against exact
 * arrays without a server.
 *
 * @example Build an XADD and parse an XRANGE reply
 * ```ts
 * import { parseEntries, xaddArgs } from "@rstream/rstream/commands";
 * import assert from "node:assert/strict";
 * assert.deepEqual(
 *   xaddArgs("app:event", { temp: "0.42" }, { maxLen: 1000, approximate: true }),
 *   ["XADD", "app:event", "MAXLEN", "~", "1000", "*", "temp", "0.42"],
 * );
 * assert.deepEqual(parseEntries([["1-0", ["temp", "0.42"]]]), [{ id: "1-0", fields: { temp: "0.42" } }]);
 * ```
 *
 * @module
 */

export * from "./args.ts";
export * from "./replies.ts";
