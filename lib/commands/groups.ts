/**
 * The consumer-group commands: XGROUP CREATE/SETID/DESTROY/CREATECONSUMER/
 * DELCONSUMER, XREADGROUP and XACK, each defined once.
 *
 * @module
 */

import { checkGroupStart, checkIds, checkInteger, checkName } from "../checks.ts";
import type { RedisReply } from "../connection.ts";
import { ReplyError } from "../errors.ts";
import type { CreateGroupOptions, GroupEntry, ReadGroupOptions, StreamRead } from "../types.ts";
import { streamsArgs } from "./_args.ts";
import { parseReadReply } from "./_replies.ts";
import { type Command, defineCommand } from "./command.ts";

const streamGroup = (stream: string, group: string) => ({ stream, group });

function entriesReadArgs(entriesRead: number | undefined): string[] {
  return entriesRead === undefined
    ? []
    : ["ENTRIESREAD", String(checkInteger(entriesRead, "entriesRead"))];
}

/**
 * XGROUP CREATE: creates a group; `false` when it already existed (BUSYGROUP
 * is not an error here). A missing stream without `mkStream` is a
 * `NoGroupError` that says to pass it.
 *
 * @example Start at the beginning, creating the stream
 * ```ts
 * import { XGROUP_CREATE } from "@rstream/rstream/commands";
 * import assert from "node:assert/strict";
 * assert.deepEqual(
 *   XGROUP_CREATE.args("s", "workers", { start: "0", mkStream: true }),
 *   ["XGROUP", "CREATE", "s", "workers", "0", "MKSTREAM"],
 * );
 * assert.equal(XGROUP_CREATE.parse("OK"), true);
 * ```
 */
export const XGROUP_CREATE: Command<
  [stream: string, group: string, options?: CreateGroupOptions],
  boolean
> = defineCommand({
  name: "XGROUP CREATE",
  args: (stream: string, group: string, options: CreateGroupOptions = {}): string[] => [
    "XGROUP",
    "CREATE",
    checkName(stream, "Stream name"),
    checkName(group, "Group name"),
    checkGroupStart(options.start ?? "$"),
    ...(options.mkStream ? ["MKSTREAM"] : []),
    ...entriesReadArgs(options.entriesRead),
  ],
  parse: (): boolean => true,
  context: streamGroup,
  onError(error, [stream]) {
    if (error.code === "BUSYGROUP") return Promise.resolve(false);
    if (/requires the key to exist/.test(error.message)) {
      throw new ReplyError(
        `NOGROUP stream '${stream}' does not exist; pass mkStream to create it`,
        {
          cause: error,
        },
      );
    }
    throw error;
  },
});

/**
 * XGROUP SETID: moves a group's last-delivered ID.
 *
 * @example Rewind a group to the start; `>` is not a position
 * ```ts
 * import { XGROUP_SETID } from "@rstream/rstream/commands";
 * import assert from "node:assert/strict";
 * assert.deepEqual(
 *   XGROUP_SETID.args("s", "g", { id: "0", entriesRead: 0 }),
 *   ["XGROUP", "SETID", "s", "g", "0", "ENTRIESREAD", "0"],
 * );
 * assert.throws(() => XGROUP_SETID.args("s", "g", { id: ">" }), RangeError);
 * ```
 */
export const XGROUP_SETID: Command<
  [stream: string, group: string, options: { id: string; entriesRead?: number }],
  void
> = defineCommand({
  name: "XGROUP SETID",
  args: (
    stream: string,
    group: string,
    options: { id: string; entriesRead?: number },
  ): string[] => [
    "XGROUP",
    "SETID",
    checkName(stream, "Stream name"),
    checkName(group, "Group name"),
    checkGroupStart(options.id),
    ...entriesReadArgs(options.entriesRead),
  ],
  parse: (): void => {},
  context: streamGroup,
});

/**
 * XGROUP DESTROY: destroys a group and its pending list; whether it existed.
 *
 * @example Destroying twice: the second time there was nothing
 * ```ts
 * import { runCommand, XGROUP_CREATE, XGROUP_DESTROY } from "@rstream/rstream/commands";
 * import { openEmbeddedConnection } from "@rstream/rstream/embedded";
 * import assert from "node:assert/strict";
 * assert.deepEqual(XGROUP_DESTROY.args("s", "g"), ["XGROUP", "DESTROY", "s", "g"]);
 * await using connection = openEmbeddedConnection(":memory:");
 * await runCommand(connection, XGROUP_CREATE, { params: ["s", "g", { mkStream: true }] });
 * assert.equal(await runCommand(connection, XGROUP_DESTROY, { params: ["s", "g"] }), true);
 * assert.equal(await runCommand(connection, XGROUP_DESTROY, { params: ["s", "g"] }), false);
 * ```
 */
export const XGROUP_DESTROY: Command<[stream: string, group: string], boolean> = defineCommand({
  name: "XGROUP DESTROY",
  args: (stream: string, group: string): string[] => [
    "XGROUP",
    "DESTROY",
    checkName(stream, "Stream name"),
    checkName(group, "Group name"),
  ],
  parse: (reply: RedisReply): boolean => Number(reply) > 0,
  context: streamGroup,
});

/**
 * XGROUP CREATECONSUMER: creates a consumer; `false` when it existed.
 *
 * @example Build the arguments; an existing consumer reads as false
 * ```ts
 * import { XGROUP_CREATECONSUMER } from "@rstream/rstream/commands";
 * import assert from "node:assert/strict";
 * assert.deepEqual(
 *   XGROUP_CREATECONSUMER.args("s", "g", { consumer: "c1" }),
 *   ["XGROUP", "CREATECONSUMER", "s", "g", "c1"],
 * );
 * assert.equal(XGROUP_CREATECONSUMER.parse(1), true);
 * assert.equal(XGROUP_CREATECONSUMER.parse(0), false);
 * ```
 */
export const XGROUP_CREATECONSUMER: Command<
  [stream: string, group: string, options: { consumer: string }],
  boolean
> = defineCommand({
  name: "XGROUP CREATECONSUMER",
  args: (stream: string, group: string, options: { consumer: string }): string[] => [
    "XGROUP",
    "CREATECONSUMER",
    checkName(stream, "Stream name"),
    checkName(group, "Group name"),
    checkName(options.consumer, "Consumer name"),
  ],
  parse: (reply: RedisReply): boolean => Number(reply) > 0,
  context: streamGroup,
});

/**
 * XGROUP DELCONSUMER: deletes a consumer; how many pending entries it had
 * (they are dropped).
 *
 * @example Build the arguments and read the pending count
 * ```ts
 * import { XGROUP_DELCONSUMER } from "@rstream/rstream/commands";
 * import assert from "node:assert/strict";
 * assert.deepEqual(
 *   XGROUP_DELCONSUMER.args("s", "g", { consumer: "c1" }),
 *   ["XGROUP", "DELCONSUMER", "s", "g", "c1"],
 * );
 * assert.equal(XGROUP_DELCONSUMER.parse(2), 2);
 * ```
 */
export const XGROUP_DELCONSUMER: Command<
  [stream: string, group: string, options: { consumer: string }],
  number
> = defineCommand({
  name: "XGROUP DELCONSUMER",
  args: (stream: string, group: string, options: { consumer: string }): string[] => [
    "XGROUP",
    "DELCONSUMER",
    checkName(stream, "Stream name"),
    checkName(group, "Group name"),
    checkName(options.consumer, "Consumer name"),
  ],
  parse: Number,
  context: streamGroup,
});

/**
 * XREADGROUP: reads through a group, optionally blocking; entries deleted
 * while pending come back with `fields: null`.
 *
 * @example COUNT, BLOCK and NOACK go before STREAMS
 * ```ts
 * import { XREADGROUP } from "@rstream/rstream/commands";
 * import assert from "node:assert/strict";
 * assert.deepEqual(
 *   XREADGROUP.args("s", "g", { consumer: "c1", count: 10, blockMs: 0 }),
 *   ["XREADGROUP", "GROUP", "g", "c1", "COUNT", "10", "BLOCK", "0", "STREAMS", "s", ">"],
 * );
 * ```
 */
export const XREADGROUP: Command<
  [streams: string | Record<string, string>, group: string, options: ReadGroupOptions],
  StreamRead<GroupEntry>[]
> = defineCommand({
  name: "XREADGROUP",
  args: (
    streams: string | Record<string, string>,
    group: string,
    options: ReadGroupOptions,
  ): string[] => [
    "XREADGROUP",
    "GROUP",
    checkName(group, "Group name"),
    checkName(options?.consumer, "Consumer name"),
    ...(options.count === undefined
      ? []
      : ["COUNT", String(checkInteger(options.count, "count", 1))]),
    ...(options.blockMs === undefined
      ? []
      : ["BLOCK", String(checkInteger(options.blockMs, "blockMs"))]),
    ...(options.noAck ? ["NOACK"] : []),
    ...streamsArgs(streams, options.id ?? ">", [">"]),
  ],
  parse: (reply: RedisReply): StreamRead<GroupEntry>[] => parseReadReply(reply),
  context: (streams: string | Record<string, string>, group: string) => ({
    ...(typeof streams === "string" ? { stream: streams } : {}),
    group,
  }),
});

/**
 * XACK: acknowledges entries; how many were pending.
 *
 * @example Acknowledge a delivered entry, then again: it is no longer pending
 * ```ts
 * import { runCommand, XACK, XADD, XGROUP_CREATE, XREADGROUP } from "@rstream/rstream/commands";
 * import { openEmbeddedConnection } from "@rstream/rstream/embedded";
 * import assert from "node:assert/strict";
 * assert.deepEqual(XACK.args("s", "g", { ids: ["1-0", "2-0"] }), ["XACK", "s", "g", "1-0", "2-0"]);
 * await using connection = openEmbeddedConnection(":memory:");
 * await runCommand(connection, XGROUP_CREATE, { params: ["s", "g", { start: "0", mkStream: true }] });
 * const id = await runCommand(connection, XADD, { params: ["s", { temp: "0.42" }, {}] });
 * await runCommand(connection, XREADGROUP, { params: ["s", "g", { consumer: "c1" }] });
 * assert.equal(await runCommand(connection, XACK, { params: ["s", "g", { ids: [id!] }] }), 1);
 * assert.equal(await runCommand(connection, XACK, { params: ["s", "g", { ids: [id!] }] }), 0);
 * ```
 */
export const XACK: Command<
  [stream: string, group: string, options: { ids: readonly string[] }],
  number
> = defineCommand({
  name: "XACK",
  args: (stream: string, group: string, options: { ids: readonly string[] }): string[] => [
    "XACK",
    checkName(stream, "Stream name"),
    checkName(group, "Group name"),
    ...checkIds(options?.ids, "ack()"),
  ],
  parse: Number,
  context: streamGroup,
});
