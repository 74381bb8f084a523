/**
 * Every command rstream sends, defined once: its argument builder, its reply
 * parser and its error mapping together ({@linkcode Command}), grouped by
 * family (streams, groups, pending, info, keys). They are pure and tested
 * against exact arrays without a server; {@linkcode runCommand} sends one over
 * any {@linkcode CommandConnection}.
 *
 * @example Build an XADD and parse an XRANGE reply
 * ```ts
 * import { XADD, XRANGE } from "@rstream/rstream/commands";
 * import assert from "node:assert/strict";
 * assert.deepEqual(
 *   XADD.args("app:event", { temp: "0.42" }, { maxLen: 1000, approximate: true }),
 *   ["XADD", "app:event", "MAXLEN", "~", "1000", "*", "temp", "0.42"],
 * );
 * assert.deepEqual(XRANGE.parse([["1-0", ["temp", "0.42"]]]), [{ id: "1-0", fields: { temp: "0.42" } }]);
 * ```
 *
 * @module
 */

export { defineCommand, runCommand, runPipeline } from "./command.ts";
export type { Command, RunCommandOptions, RunPipelineOptions } from "./command.ts";
export { fieldArgs, streamsArgs, trimArgs } from "./_args.ts";
export {
  parseEntries,
  parseFields,
  parseGroupEntry,
  parsePairs,
  parseReadReply,
} from "./_replies.ts";
export { XADD, XDEL, XLEN, XRANGE, XREAD, XSETID, XTRIM } from "./streams.ts";
export type { SetLastIdOptions } from "./streams.ts";
export {
  XACK,
  XGROUP_CREATE,
  XGROUP_CREATECONSUMER,
  XGROUP_DELCONSUMER,
  XGROUP_DESTROY,
  XGROUP_SETID,
  XREADGROUP,
} from "./groups.ts";
export {
  parseAutoClaim,
  parsePendingEntries,
  parsePendingSummary,
  XAUTOCLAIM,
  XCLAIM,
  XCLAIM_JUSTID,
  XPENDING,
  XPENDING_SUMMARY,
} from "./pending.ts";
export {
  parseConsumerInfo,
  parseGroupInfo,
  parseStreamInfo,
  XINFO_CONSUMERS,
  XINFO_GROUPS,
  XINFO_STREAM,
} from "./info.ts";
export type { StreamSummary } from "./info.ts";
export { DEL, GET, SCAN_STREAMS, SET } from "./keys.ts";
