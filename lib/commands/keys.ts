/**
 * The key commands rstream needs beside streams: SCAN for stream keys, DEL,
 * and GET/SET for checkpoints, each defined once.
 *
 * @module
 */

import { checkName } from "../checks.ts";
import type { RedisReply } from "../connection.ts";
import { array } from "./_replies.ts";
import { type Command, defineCommand } from "./command.ts";

/**
 * SCAN … TYPE stream: one page of stream key names and the next cursor
 * (`"0"` when the scan is complete).
 *
 * @example Only streams match, not string keys
 * ```ts
 * import { runCommand, SCAN_STREAMS, SET, XADD } from "@rstream/rstream/commands";
 * import { openEmbeddedConnection } from "@rstream/rstream/embedded";
 * import assert from "node:assert/strict";
 * assert.deepEqual(
 *   SCAN_STREAMS.args("0", { pattern: "app:*" }),
 *   ["SCAN", "0", "MATCH", "app:*", "COUNT", "1000", "TYPE", "stream"],
 * );
 * await using connection = openEmbeddedConnection(":memory:");
 * await runCommand(connection, XADD, { params: ["app:event", { temp: "0.42" }, {}] });
 * await runCommand(connection, SET, { params: ["app:lastid", "5-0"] });
 * const page = await runCommand(connection, SCAN_STREAMS, { params: ["0", { pattern: "app:*" }] });
 * assert.deepEqual(page, { cursor: "0", keys: ["app:event"] });
 * ```
 */
export const SCAN_STREAMS: Command<
  [cursor: string, options?: { pattern?: string }],
  { cursor: string; keys: string[] }
> = defineCommand({
  name: "SCAN",
  args: (cursor: string, options: { pattern?: string } = {}): string[] => [
    "SCAN",
    cursor,
    "MATCH",
    options.pattern ?? "*",
    "COUNT",
    "1000",
    "TYPE",
    "stream",
  ],
  parse: (reply: RedisReply): { cursor: string; keys: string[] } => {
    const [cursor, keys] = array(reply, "SCAN");
    return { cursor: String(cursor), keys: array(keys, "SCAN keys").map(String) };
  },
});

/**
 * DEL: deletes a key; whether it existed.
 *
 * @example Deleting twice: the second time there was nothing
 * ```ts
 * import { DEL, runCommand, XADD } from "@rstream/rstream/commands";
 * import { openEmbeddedConnection } from "@rstream/rstream/embedded";
 * import assert from "node:assert/strict";
 * assert.deepEqual(DEL.args("app:event"), ["DEL", "app:event"]);
 * await using connection = openEmbeddedConnection(":memory:");
 * await runCommand(connection, XADD, { params: ["app:event", { temp: "0.42" }, {}] });
 * assert.equal(await runCommand(connection, DEL, { params: ["app:event"] }), true);
 * assert.equal(await runCommand(connection, DEL, { params: ["app:event"] }), false);
 * ```
 */
export const DEL: Command<[key: string], boolean> = defineCommand({
  name: "DEL",
  args: (key: string): string[] => ["DEL", checkName(key, "Stream name")],
  parse: (reply: RedisReply): boolean => Number(reply) > 0,
  context: (key: string) => ({ stream: key }),
});

/**
 * GET: a string key's value, `null` when missing.
 *
 * @example A missing key reads as null
 * ```ts
 * import { GET } from "@rstream/rstream/commands";
 * import assert from "node:assert/strict";
 * assert.deepEqual(GET.args("c1:lastid"), ["GET", "c1:lastid"]);
 * assert.equal(GET.parse("5-0"), "5-0");
 * assert.equal(GET.parse(null), null);
 * ```
 */
export const GET: Command<[key: string], string | null> = defineCommand({
  name: "GET",
  args: (key: string): string[] => ["GET", checkName(key, "Key")],
  parse: (reply: RedisReply): string | null => reply === null ? null : String(reply),
});

/**
 * SET: writes a string key.
 *
 * @example Save a checkpoint and read it back
 * ```ts
 * import { GET, runCommand, SET } from "@rstream/rstream/commands";
 * import { openEmbeddedConnection } from "@rstream/rstream/embedded";
 * import assert from "node:assert/strict";
 * assert.deepEqual(SET.args("c1:lastid", "5-0"), ["SET", "c1:lastid", "5-0"]);
 * await using connection = openEmbeddedConnection(":memory:");
 * await runCommand(connection, SET, { params: ["c1:lastid", "5-0"] });
 * assert.equal(await runCommand(connection, GET, { params: ["c1:lastid"] }), "5-0");
 * ```
 */
export const SET: Command<[key: string, value: string], void> = defineCommand({
  name: "SET",
  args: (key: string, value: string): string[] => ["SET", checkName(key, "Key"), value],
  parse: (): void => {},
});
