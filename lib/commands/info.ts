/**
 * The XINFO commands: STREAM, GROUPS and CONSUMERS, each defined once.
 *
 * @module
 */

import { checkName } from "../checks.ts";
import type { RedisReply } from "../connection.ts";
import type { ConsumerInfo, GroupInfo, StreamEntry, StreamInfo } from "../types.ts";
import { array, num, numOrNull, parseGroupEntry, parsePairs } from "./_replies.ts";
import { type Command, defineCommand } from "./command.ts";

/**
 * One XINFO GROUPS item → group info.
 *
 * @example Field names become camelCase; a nil lag stays null
 * ```ts
 * import { parseGroupInfo } from "@rstream/rstream/commands";
 * import assert from "node:assert/strict";
 * const info = parseGroupInfo([
 *   "name", "g", "consumers", 1, "pending", 0,
 *   "last-delivered-id", "1-0", "entries-read", 1, "lag", null,
 * ]);
 * assert.deepEqual(info, {
 *   name: "g", consumers: 1, pending: 0, lastDeliveredId: "1-0", entriesRead: 1, lag: null,
 * });
 * ```
 */
export function parseGroupInfo(reply: RedisReply): GroupInfo {
  const map = parsePairs(reply);
  return {
    name: String(map.get("name")),
    consumers: num(map.get("consumers")),
    pending: num(map.get("pending")),
    lastDeliveredId: String(map.get("last-delivered-id")),
    entriesRead: numOrNull(map.get("entries-read")),
    lag: numOrNull(map.get("lag")),
  };
}

/**
 * One XINFO CONSUMERS item → consumer info.
 *
 * @example `inactive` (Redis 7.2) is read only when the reply has it
 * ```ts
 * import { parseConsumerInfo } from "@rstream/rstream/commands";
 * import assert from "node:assert/strict";
 * assert.deepEqual(parseConsumerInfo(["name", "c1", "pending", 2, "idle", 10]), {
 *   name: "c1",
 *   pending: 2,
 *   idleMs: 10,
 * });
 * const info = parseConsumerInfo(["name", "c1", "pending", 0, "idle", 10, "inactive", 7]);
 * assert.equal(info.inactiveMs, 7);
 * ```
 */
export function parseConsumerInfo(reply: RedisReply): ConsumerInfo {
  const map = parsePairs(reply);
  const info: ConsumerInfo = {
    name: String(map.get("name")),
    pending: num(map.get("pending")),
    idleMs: num(map.get("idle")),
  };
  if (map.has("inactive")) info.inactiveMs = num(map.get("inactive"));
  return info;
}

/** What XINFO STREAM tells by itself: {@linkcode StreamInfo} without the groups. */
export type StreamSummary = Omit<StreamInfo, "groups">;

/**
 * One XINFO STREAM reply → the stream's summary.
 *
 * @example Read the length and the first entry
 * ```ts
 * import { parseStreamInfo } from "@rstream/rstream/commands";
 * import assert from "node:assert/strict";
 * const info = parseStreamInfo([
 *   "length", 1, "last-generated-id", "1-0", "max-deleted-entry-id", "0-0", "entries-added", 1,
 *   "first-entry", ["1-0", ["a", "1"]], "last-entry", ["1-0", ["a", "1"]],
 * ]);
 * assert.equal(info.length, 1);
 * assert.deepEqual(info.firstEntry, { id: "1-0", fields: { a: "1" } });
 * ```
 */
export function parseStreamInfo(reply: RedisReply): StreamSummary {
  const map = parsePairs(reply);
  const entry = (value: RedisReply | undefined) =>
    value === null || value === undefined ? null : parseGroupEntry(value) as StreamEntry;
  return {
    length: num(map.get("length")),
    lastGeneratedId: String(map.get("last-generated-id")),
    maxDeletedEntryId: map.has("max-deleted-entry-id")
      ? String(map.get("max-deleted-entry-id"))
      : null,
    entriesAdded: numOrNull(map.get("entries-added")),
    firstEntry: entry(map.get("first-entry")),
    lastEntry: entry(map.get("last-entry")),
  };
}

/**
 * XINFO STREAM: length, IDs and first/last entry.
 *
 * @example Summarize a stream on the embedded store
 * ```ts
 * import { runCommand, XADD, XINFO_STREAM } from "@rstream/rstream/commands";
 * import { openEmbeddedConnection } from "@rstream/rstream/embedded";
 * import assert from "node:assert/strict";
 * assert.deepEqual(XINFO_STREAM.args("s"), ["XINFO", "STREAM", "s"]);
 * await using connection = openEmbeddedConnection(":memory:");
 * await runCommand(connection, XADD, { params: ["s", { temp: "0.42" }, { id: "5-0" }] });
 * const info = await runCommand(connection, XINFO_STREAM, { params: ["s"] });
 * assert.equal(info.length, 1);
 * assert.equal(info.lastGeneratedId, "5-0");
 * assert.deepEqual(info.lastEntry, { id: "5-0", fields: { temp: "0.42" } });
 * ```
 */
export const XINFO_STREAM: Command<[stream: string], StreamSummary> = defineCommand({
  name: "XINFO STREAM",
  args: (stream: string): string[] => ["XINFO", "STREAM", checkName(stream, "Stream name")],
  parse: parseStreamInfo,
  context: (stream: string) => ({ stream }),
});

/**
 * XINFO GROUPS: a stream's consumer groups.
 *
 * @example List the groups of a stream
 * ```ts
 * import { runCommand, XGROUP_CREATE, XINFO_GROUPS } from "@rstream/rstream/commands";
 * import { openEmbeddedConnection } from "@rstream/rstream/embedded";
 * import assert from "node:assert/strict";
 * assert.deepEqual(XINFO_GROUPS.args("s"), ["XINFO", "GROUPS", "s"]);
 * await using connection = openEmbeddedConnection(":memory:");
 * await runCommand(connection, XGROUP_CREATE, { params: ["s", "workers", { mkStream: true }] });
 * const [group] = await runCommand(connection, XINFO_GROUPS, { params: ["s"] });
 * assert.equal(group.name, "workers");
 * assert.equal(group.pending, 0);
 * ```
 */
export const XINFO_GROUPS: Command<[stream: string], GroupInfo[]> = defineCommand({
  name: "XINFO GROUPS",
  args: (stream: string): string[] => ["XINFO", "GROUPS", checkName(stream, "Stream name")],
  parse: (reply: RedisReply): GroupInfo[] => array(reply, "XINFO GROUPS").map(parseGroupInfo),
  context: (stream: string) => ({ stream }),
});

/**
 * XINFO CONSUMERS: a group's consumers.
 *
 * @example A consumer appears once it has read, with what it holds
 * ```ts
 * import {
 *   runCommand,
 *   XADD,
 *   XGROUP_CREATE,
 *   XINFO_CONSUMERS,
 *   XREADGROUP,
 * } from "@rstream/rstream/commands";
 * import { openEmbeddedConnection } from "@rstream/rstream/embedded";
 * import assert from "node:assert/strict";
 * assert.deepEqual(XINFO_CONSUMERS.args("s", "g"), ["XINFO", "CONSUMERS", "s", "g"]);
 * await using connection = openEmbeddedConnection(":memory:");
 * await runCommand(connection, XGROUP_CREATE, { params: ["s", "g", { start: "0", mkStream: true }] });
 * await runCommand(connection, XADD, { params: ["s", { temp: "0.42" }, {}] });
 * await runCommand(connection, XREADGROUP, { params: ["s", "g", { consumer: "c1" }] });
 * const [consumer] = await runCommand(connection, XINFO_CONSUMERS, { params: ["s", "g"] });
 * assert.equal(consumer.name, "c1");
 * assert.equal(consumer.pending, 1);
 * ```
 */
export const XINFO_CONSUMERS: Command<[stream: string, group: string], ConsumerInfo[]> =
  defineCommand({
    name: "XINFO CONSUMERS",
    args: (stream: string, group: string): string[] => [
      "XINFO",
      "CONSUMERS",
      checkName(stream, "Stream name"),
      checkName(group, "Group name"),
    ],
    parse: (reply: RedisReply): ConsumerInfo[] =>
      array(reply, "XINFO CONSUMERS").map(parseConsumerInfo),
    context: (stream: string, group: string) => ({ stream, group }),
  });
