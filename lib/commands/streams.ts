/**
 * The stream commands: XADD, XRANGE/XREVRANGE, XREAD, XLEN, XDEL, XTRIM and
 * XSETID, each defined once.
 *
 * @module
 */

import { checkIds, checkInteger, checkName } from "../checks.ts";
import type { CommandConnection, RedisReply } from "../connection.ts";
import { StreamIdTooSmallError } from "../errors.ts";
import { checkAddId, checkRangeBound, checkReadId } from "../stream_id.ts";
import type {
  AddOptions,
  Fields,
  RangeOptions,
  ReadOptions,
  StreamEntry,
  StreamRead,
  TrimOptions,
} from "../types.ts";
import { fieldArgs, streamsArgs, trimArgs } from "./_args.ts";
import { parseEntries, parsePairs, parseReadReply } from "./_replies.ts";
import { type Command, defineCommand } from "./command.ts";

/** Options of {@linkcode StreamStore.setLastId} (XSETID). */
export interface SetLastIdOptions {
  /** The new last ID: not below the stream's top entry. */
  id: string;
  /** The entries-added counter (Redis 7 ENTRIESADDED): not below the length. */
  entriesAdded?: number;
  /** The largest deleted ID (Redis 7 MAXDELETEDID): not above `id`. */
  maxDeletedId?: string;
}

const TOP_ITEM = /equal or smaller than the target stream top item/;
const stream = (name: string) => ({ stream: name });

async function lastIdOf(connection: CommandConnection, key: string): Promise<string> {
  try {
    return String(
      parsePairs(await connection.send(["XINFO", "STREAM", key])).get("last-generated-id"),
    );
  } catch {
    return "unknown";
  }
}

/**
 * XADD: adds an entry and returns its ID (`null` with `noMkStream` on a
 * missing stream). An explicit ID not above the last one is a
 * {@linkcode StreamIdTooSmallError} naming both.
 *
 * @example MAXLEN ~ goes before the ID
 * ```ts
 * import { XADD } from "@rstream/rstream/commands";
 * import assert from "node:assert/strict";
 * assert.deepEqual(
 *   XADD.args("app:event", { a: "1" }, { maxLen: 1000, approximate: true }),
 *   ["XADD", "app:event", "MAXLEN", "~", "1000", "*", "a", "1"],
 * );
 * assert.equal(XADD.parse("1-0"), "1-0");
 * ```
 */
export const XADD: Command<[key: string, fields: Fields, options?: AddOptions], string | null> =
  defineCommand({
    name: "XADD",
    args: (key: string, fields: Fields, options: AddOptions = {}): string[] => [
      "XADD",
      checkName(key, "Stream name"),
      ...(options.noMkStream ? ["NOMKSTREAM"] : []),
      ...trimArgs(options),
      checkAddId(options.id ?? "*"),
      ...fieldArgs(fields),
    ],
    parse: (reply: RedisReply): string | null => reply === null ? null : String(reply),
    context: stream,
    async onError(error, [key, , options], connection) {
      if (!TOP_ITEM.test(error.message) || options?.id === undefined) throw error;
      throw new StreamIdTooSmallError(key, options.id, await lastIdOf(connection, key), {
        cause: error,
      });
    },
  });

/**
 * XRANGE, or XREVRANGE with `reverse` (which takes the high bound first):
 * entries between two bounds.
 *
 * @example Newest first
 * ```ts
 * import { XRANGE } from "@rstream/rstream/commands";
 * import assert from "node:assert/strict";
 * assert.deepEqual(XRANGE.args("s", { start: "5", count: 2, reverse: true }), ["XREVRANGE", "s", "+", "5", "COUNT", "2"]);
 * assert.deepEqual(XRANGE.parse([["5-0", ["a", "1"]]]), [{ id: "5-0", fields: { a: "1" } }]);
 * ```
 */
export const XRANGE: Command<[key: string, options?: RangeOptions], StreamEntry[]> = defineCommand({
  name: "XRANGE",
  args: (key: string, options: RangeOptions = {}): string[] => {
    const start = checkRangeBound(options.start ?? "-");
    const end = checkRangeBound(options.end ?? "+");
    const count = options.count === undefined
      ? []
      : ["COUNT", String(checkInteger(options.count, "count"))];
    checkName(key, "Stream name");
    return options.reverse
      ? ["XREVRANGE", key, end, start, ...count]
      : ["XRANGE", key, start, end, ...count];
  },
  parse: parseEntries,
  context: stream,
});

/**
 * XREAD: entries after the given IDs, optionally blocking (`blockMs`).
 *
 * @example COUNT and BLOCK go before STREAMS
 * ```ts
 * import { XREAD } from "@rstream/rstream/commands";
 * import assert from "node:assert/strict";
 * assert.deepEqual(XREAD.args("s", { count: 10, blockMs: 5000 }), ["XREAD", "COUNT", "10", "BLOCK", "5000", "STREAMS", "s", "$"]);
 * assert.deepEqual(XREAD.parse(null), []);
 * ```
 */
export const XREAD: Command<
  [streams: string | Record<string, string>, options?: ReadOptions],
  StreamRead[]
> = defineCommand({
  name: "XREAD",
  args: (streams: string | Record<string, string>, options: ReadOptions = {}): string[] => [
    "XREAD",
    ...(options.count === undefined
      ? []
      : ["COUNT", String(checkInteger(options.count, "count", 1))]),
    ...(options.blockMs === undefined
      ? []
      : ["BLOCK", String(checkInteger(options.blockMs, "blockMs"))]),
    ...streamsArgs(streams, options.id ?? "$", ["$", "+"]),
  ],
  parse: (reply: RedisReply): StreamRead[] => parseReadReply(reply) as StreamRead[],
  context: (streams: string | Record<string, string>) =>
    typeof streams === "string" ? { stream: streams } : {},
});

/**
 * XLEN: the number of entries (0 for a missing stream).
 *
 * @example A missing stream has length 0
 * ```ts
 * import { runCommand, XADD, XLEN } from "@rstream/rstream/commands";
 * import { openEmbeddedConnection } from "@rstream/rstream/embedded";
 * import assert from "node:assert/strict";
 * assert.deepEqual(XLEN.args("s"), ["XLEN", "s"]);
 * await using connection = openEmbeddedConnection(":memory:");
 * assert.equal(await runCommand(connection, XLEN, { params: ["s"] }), 0);
 * await runCommand(connection, XADD, { params: ["s", { temp: "0.42" }, {}] });
 * assert.equal(await runCommand(connection, XLEN, { params: ["s"] }), 1);
 * ```
 */
export const XLEN: Command<[key: string], number> = defineCommand({
  name: "XLEN",
  args: (key: string): string[] => ["XLEN", checkName(key, "Stream name")],
  parse: Number,
  context: stream,
});

/**
 * XDEL: deletes entries by ID and returns how many existed.
 *
 * @example Only IDs that exist are counted; an empty list is refused
 * ```ts
 * import { runCommand, XADD, XDEL } from "@rstream/rstream/commands";
 * import { openEmbeddedConnection } from "@rstream/rstream/embedded";
 * import assert from "node:assert/strict";
 * assert.deepEqual(XDEL.args("s", ["1-0", "2-0"]), ["XDEL", "s", "1-0", "2-0"]);
 * assert.throws(() => XDEL.args("s", []), RangeError);
 * await using connection = openEmbeddedConnection(":memory:");
 * await runCommand(connection, XADD, { params: ["s", { temp: "0.42" }, { id: "1-0" }] });
 * assert.equal(await runCommand(connection, XDEL, { params: ["s", ["1-0", "2-0"]] }), 1);
 * ```
 */
export const XDEL: Command<[key: string, ids: readonly string[]], number> = defineCommand({
  name: "XDEL",
  args: (key: string, ids: readonly string[]): string[] => {
    if (checkIds(ids, "del()").length === 0) throw new RangeError("Delete at least one ID");
    return ["XDEL", checkName(key, "Stream name"), ...ids];
  },
  parse: Number,
  context: stream,
});

/**
 * XTRIM: trims by MAXLEN or MINID and returns how many entries went.
 *
 * @example Keep the newest entry; trimming needs a threshold
 * ```ts
 * import { runCommand, XADD, XRANGE, XTRIM } from "@rstream/rstream/commands";
 * import { openEmbeddedConnection } from "@rstream/rstream/embedded";
 * import assert from "node:assert/strict";
 * assert.deepEqual(XTRIM.args("s", { maxLen: 100 }), ["XTRIM", "s", "MAXLEN", "100"]);
 * assert.throws(() => XTRIM.args("s", {}), TypeError);
 * await using connection = openEmbeddedConnection(":memory:");
 * for (const n of ["1", "2", "3"]) await runCommand(connection, XADD, { params: ["s", { n }, {}] });
 * assert.equal(await runCommand(connection, XTRIM, { params: ["s", { maxLen: 1 }] }), 2);
 * const [entry] = await runCommand(connection, XRANGE, { params: ["s", {}] });
 * assert.equal(entry.fields.n, "3");
 * ```
 */
export const XTRIM: Command<[key: string, options: TrimOptions], number> = defineCommand({
  name: "XTRIM",
  args: (key: string, options: TrimOptions): string[] => [
    "XTRIM",
    checkName(key, "Stream name"),
    ...trimArgs(options, true),
  ],
  parse: Number,
  context: stream,
});

/**
 * XSETID: sets a stream's last ID (and, Redis 7, its entries-added counter
 * and largest deleted ID), as a replica or a restore does. The ID must not be
 * below the stream's top entry.
 *
 * @example ENTRIESADDED and MAXDELETEDID follow the ID
 * ```ts
 * import { XSETID } from "@rstream/rstream/commands";
 * import assert from "node:assert/strict";
 * assert.deepEqual(
 *   XSETID.args("s", { id: "100-0", entriesAdded: 7, maxDeletedId: "50-0" }),
 *   ["XSETID", "s", "100-0", "ENTRIESADDED", "7", "MAXDELETEDID", "50-0"],
 * );
 * ```
 */
export const XSETID: Command<[key: string, options: SetLastIdOptions], void> = defineCommand({
  name: "XSETID",
  args: (key: string, options: SetLastIdOptions): string[] => [
    "XSETID",
    checkName(key, "Stream name"),
    checkReadId(options?.id, []),
    ...(options.entriesAdded === undefined
      ? []
      : ["ENTRIESADDED", String(checkInteger(options.entriesAdded, "entriesAdded"))]),
    ...(options.maxDeletedId === undefined
      ? []
      : ["MAXDELETEDID", checkReadId(options.maxDeletedId, [])]),
  ],
  parse: (): void => {},
  context: stream,
});
