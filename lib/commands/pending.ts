/**
 * The pending-list commands: XPENDING (summary and extended), XCLAIM (with
 * and without JUSTID) and XAUTOCLAIM, each defined once.
 *
 * @module
 */

import { checkInteger, checkName } from "../checks.ts";
import type { RedisReply } from "../connection.ts";
import { checkRangeBound, checkReadId } from "../stream_id.ts";
import type {
  AutoClaimOptions,
  AutoClaimResult,
  ClaimOptions,
  PendingEntry,
  PendingOptions,
  PendingSummary,
  StreamEntry,
} from "../types.ts";
import { array, num, parseEntries } from "./_replies.ts";
import { type Command, defineCommand } from "./command.ts";

const streamGroup = (stream: string, group: string) => ({ stream, group });

/**
 * XPENDING summary reply → summary.
 *
 * @example An empty pending list, and one with two consumers
 * ```ts
 * import { parsePendingSummary } from "@rstream/rstream/commands";
 * import assert from "node:assert/strict";
 * assert.deepEqual(parsePendingSummary([0, null, null, null]), {
 *   count: 0,
 *   smallestId: null,
 *   greatestId: null,
 *   consumers: [],
 * });
 * const summary = parsePendingSummary([3, "1-0", "3-0", [["c1", "2"], ["c2", "1"]]]);
 * assert.deepEqual(summary.consumers, [{ name: "c1", pending: 2 }, { name: "c2", pending: 1 }]);
 * ```
 */
export function parsePendingSummary(reply: RedisReply): PendingSummary {
  const [count, smallest, greatest, consumers] = array(reply, "XPENDING");
  return {
    count: num(count),
    smallestId: smallest === null ? null : String(smallest),
    greatestId: greatest === null ? null : String(greatest),
    consumers: consumers === null || consumers === undefined
      ? []
      : array(consumers, "XPENDING consumers").map((pair) => {
        const [name, pending] = array(pair, "XPENDING consumer");
        return { name: String(name), pending: num(pending) };
      }),
  };
}

/**
 * Extended XPENDING reply → entries.
 *
 * @example Each item is ID, owner, idle time and delivery count
 * ```ts
 * import { parsePendingEntries } from "@rstream/rstream/commands";
 * import assert from "node:assert/strict";
 * assert.deepEqual(parsePendingEntries([["1-0", "c1", 5, 2]]), [
 *   { id: "1-0", consumer: "c1", idleMs: 5, deliveries: 2 },
 * ]);
 * ```
 */
export function parsePendingEntries(reply: RedisReply): PendingEntry[] {
  return array(reply, "XPENDING").map((item) => {
    const [id, consumer, idle, deliveries] = array(item, "XPENDING entry");
    return {
      id: String(id),
      consumer: String(consumer),
      idleMs: num(idle),
      deliveries: num(deliveries),
    };
  });
}

/**
 * XAUTOCLAIM reply (Redis 7: next start, entries, deleted IDs) → result.
 *
 * @example Claimed entries, and IDs deleted while pending; no third part before Redis 7
 * ```ts
 * import { parseAutoClaim } from "@rstream/rstream/commands";
 * import assert from "node:assert/strict";
 * assert.deepEqual(parseAutoClaim(["0-0", [["1-0", ["temp", "0.42"]]], ["3-0"]]), {
 *   nextStart: "0-0",
 *   entries: [{ id: "1-0", fields: { temp: "0.42" } }],
 *   deletedIds: ["3-0"],
 * });
 * assert.deepEqual(parseAutoClaim(["0-0", []]).deletedIds, []);
 * ```
 */
export function parseAutoClaim(reply: RedisReply): AutoClaimResult {
  const [next, entries, deleted] = array(reply, "XAUTOCLAIM");
  return {
    nextStart: String(next),
    entries: parseEntries(entries!),
    deletedIds: deleted === undefined || deleted === null
      ? []
      : array(deleted, "XAUTOCLAIM deleted").map(String),
  };
}

/**
 * XPENDING summary form: how many entries are pending, their ID range and
 * the count per consumer.
 *
 * @example What a consumer holds after a read
 * ```ts
 * import {
 *   runCommand,
 *   XADD,
 *   XGROUP_CREATE,
 *   XPENDING_SUMMARY,
 *   XREADGROUP,
 * } from "@rstream/rstream/commands";
 * import { openEmbeddedConnection } from "@rstream/rstream/embedded";
 * import assert from "node:assert/strict";
 * assert.deepEqual(XPENDING_SUMMARY.args("s", "g"), ["XPENDING", "s", "g"]);
 * await using connection = openEmbeddedConnection(":memory:");
 * await runCommand(connection, XGROUP_CREATE, { params: ["s", "g", { start: "0", mkStream: true }] });
 * await runCommand(connection, XADD, { params: ["s", { n: "1" }, { id: "1-0" }] });
 * await runCommand(connection, XADD, { params: ["s", { n: "2" }, { id: "2-0" }] });
 * await runCommand(connection, XREADGROUP, { params: ["s", "g", { consumer: "c1" }] });
 * assert.deepEqual(await runCommand(connection, XPENDING_SUMMARY, { params: ["s", "g"] }), {
 *   count: 2,
 *   smallestId: "1-0",
 *   greatestId: "2-0",
 *   consumers: [{ name: "c1", pending: 2 }],
 * });
 * ```
 */
export const XPENDING_SUMMARY: Command<[stream: string, group: string], PendingSummary> =
  defineCommand({
    name: "XPENDING",
    args: (stream: string, group: string): string[] => [
      "XPENDING",
      checkName(stream, "Stream name"),
      checkName(group, "Group name"),
    ],
    parse: parsePendingSummary,
    context: streamGroup,
  });

/**
 * XPENDING extended form: pending entries with owner, idle time and
 * delivery count (100 by default).
 *
 * @example IDLE goes before the range, the consumer last
 * ```ts
 * import { XPENDING } from "@rstream/rstream/commands";
 * import assert from "node:assert/strict";
 * assert.deepEqual(
 *   XPENDING.args("s", "g", { minIdleMs: 500, consumer: "c1" }),
 *   ["XPENDING", "s", "g", "IDLE", "500", "-", "+", "100", "c1"],
 * );
 * ```
 */
export const XPENDING: Command<
  [stream: string, group: string, options?: PendingOptions],
  PendingEntry[]
> = defineCommand({
  name: "XPENDING",
  args: (stream: string, group: string, options: PendingOptions = {}): string[] => [
    "XPENDING",
    checkName(stream, "Stream name"),
    checkName(group, "Group name"),
    ...(options.minIdleMs === undefined
      ? []
      : ["IDLE", String(checkInteger(options.minIdleMs, "minIdleMs"))]),
    checkRangeBound(options.start ?? "-"),
    checkRangeBound(options.end ?? "+"),
    String(checkInteger(options.count ?? 100, "count")),
    ...(options.consumer === undefined ? [] : [checkName(options.consumer, "Consumer name")]),
  ],
  parse: parsePendingEntries,
  context: streamGroup,
});

function claimArgs(stream: string, group: string, options: ClaimOptions): string[] {
  if (!Array.isArray(options?.ids)) {
    throw new TypeError(`ids must be an array of IDs, got ${typeof options?.ids}`);
  }
  if (options.ids.length === 0) throw new RangeError("Claim at least one ID");
  return [
    "XCLAIM",
    checkName(stream, "Stream name"),
    checkName(group, "Group name"),
    checkName(options.consumer, "Consumer name"),
    String(checkInteger(options.minIdleMs, "minIdleMs")),
    ...options.ids.map((id) => checkReadId(id, [])),
    ...(options.idleMs === undefined
      ? []
      : ["IDLE", String(checkInteger(options.idleMs, "idleMs"))]),
    ...(options.timeMs === undefined
      ? []
      : ["TIME", String(checkInteger(options.timeMs, "timeMs"))]),
    ...(options.retryCount === undefined
      ? []
      : ["RETRYCOUNT", String(checkInteger(options.retryCount, "retryCount"))]),
    ...(options.force ? ["FORCE"] : []),
  ];
}

/**
 * XCLAIM: takes pending entries over; deleted entries are left out.
 *
 * @example IDLE, TIME, RETRYCOUNT and FORCE go after the IDs
 * ```ts
 * import { XCLAIM } from "@rstream/rstream/commands";
 * import assert from "node:assert/strict";
 * assert.deepEqual(
 *   XCLAIM.args("s", "g", { consumer: "c2", minIdleMs: 60000, ids: ["1-0"], retryCount: 3 }),
 *   ["XCLAIM", "s", "g", "c2", "60000", "1-0", "RETRYCOUNT", "3"],
 * );
 * ```
 */
export const XCLAIM: Command<
  [stream: string, group: string, options: ClaimOptions],
  StreamEntry[]
> = defineCommand({
  name: "XCLAIM",
  args: claimArgs,
  parse: parseEntries,
  context: streamGroup,
});

/**
 * XCLAIM … JUSTID: takes pending entries over and returns their IDs, without
 * counting a delivery (the worker's heartbeat).
 *
 * @example JUSTID goes last; the reply is the IDs alone
 * ```ts
 * import { XCLAIM_JUSTID } from "@rstream/rstream/commands";
 * import assert from "node:assert/strict";
 * assert.deepEqual(
 *   XCLAIM_JUSTID.args("s", "g", { consumer: "c1", minIdleMs: 0, ids: ["1-0"] }),
 *   ["XCLAIM", "s", "g", "c1", "0", "1-0", "JUSTID"],
 * );
 * assert.deepEqual(XCLAIM_JUSTID.parse(["1-0"]), ["1-0"]);
 * ```
 */
export const XCLAIM_JUSTID: Command<
  [stream: string, group: string, options: ClaimOptions],
  string[]
> = defineCommand({
  name: "XCLAIM",
  args: (stream: string, group: string, options: ClaimOptions): string[] => [
    ...claimArgs(stream, group, options),
    "JUSTID",
  ],
  parse: (reply: RedisReply): string[] => array(reply, "XCLAIM JUSTID").map(String),
  context: streamGroup,
});

/**
 * XAUTOCLAIM: scans the pending list from `start` and takes over entries
 * idle at least `minIdleMs`.
 *
 * @example Take over what another consumer left pending
 * ```ts
 * import {
 *   runCommand,
 *   XADD,
 *   XAUTOCLAIM,
 *   XGROUP_CREATE,
 *   XREADGROUP,
 * } from "@rstream/rstream/commands";
 * import { openEmbeddedConnection } from "@rstream/rstream/embedded";
 * import assert from "node:assert/strict";
 * assert.deepEqual(
 *   XAUTOCLAIM.args("s", "g", { consumer: "c1", minIdleMs: 1000 }),
 *   ["XAUTOCLAIM", "s", "g", "c1", "1000", "0-0", "COUNT", "100"],
 * );
 * await using connection = openEmbeddedConnection(":memory:");
 * await runCommand(connection, XGROUP_CREATE, { params: ["s", "g", { start: "0", mkStream: true }] });
 * await runCommand(connection, XADD, { params: ["s", { temp: "0.42" }, { id: "1-0" }] });
 * await runCommand(connection, XREADGROUP, { params: ["s", "g", { consumer: "c1" }] });
 * const options = { consumer: "c2", minIdleMs: 0 };
 * assert.deepEqual(await runCommand(connection, XAUTOCLAIM, { params: ["s", "g", options] }), {
 *   nextStart: "0-0",
 *   entries: [{ id: "1-0", fields: { temp: "0.42" } }],
 *   deletedIds: [],
 * });
 * ```
 */
export const XAUTOCLAIM: Command<
  [stream: string, group: string, options: AutoClaimOptions],
  AutoClaimResult
> = defineCommand({
  name: "XAUTOCLAIM",
  args: (stream: string, group: string, options: AutoClaimOptions): string[] => [
    "XAUTOCLAIM",
    checkName(stream, "Stream name"),
    checkName(group, "Group name"),
    checkName(options?.consumer, "Consumer name"),
    String(checkInteger(options.minIdleMs, "minIdleMs")),
    checkReadId(options.start ?? "0-0", []),
    "COUNT",
    String(checkInteger(options.count ?? 100, "count", 1)),
  ],
  parse: parseAutoClaim,
  context: streamGroup,
});
