/**
 * XINFO of the embedded backend: STREAM (and STREAM FULL [COUNT n]), GROUPS,
 * CONSUMERS and HELP, with Redis 7.0's fields in Redis 7.0's order.
 *
 * `radix-tree-keys` and `radix-tree-nodes` describe Redis's memory layout,
 * which the embedded store does not have; they are estimated as if each node
 * held 100 entries (the default `stream-node-max-entries`).
 *
 * @module
 */

import { ReplyError } from "../errors.ts";
import type { RedisReply } from "../connection.ts";
import {
  entryReply,
  type EntryRow,
  type HandlerContext,
  type StreamRow,
} from "./handler_context.ts";
import { groupLag, type GroupRow, subcommandSyntaxError } from "./groups.ts";
import { formatId, MAX_ID } from "./ids.ts";
import type { PelRow } from "./pending.ts";
import { isKeyword, parseInteger } from "./replies.ts";
import { readRange } from "./streams.ts";
import { handler, type HandlerSpec } from "./handler.ts";

const HELP = [
  "XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
  "CONSUMERS <key> <groupname>",
  "    Show consumers of <groupname>.",
  "GROUPS <key>",
  "    Show the stream consumer groups.",
  "STREAM <key> [FULL [COUNT <count>]",
  "    Show information about the stream.",
  "HELP",
  "    Prints this help.",
];

function groupsOf(ctx: HandlerContext, s: StreamRow): GroupRow[] {
  return ctx.q("SELECT * FROM groups WHERE key_id = ? ORDER BY name").all(
    s.id,
  ) as unknown as GroupRow[];
}

function streamHeader(ctx: HandlerContext, s: StreamRow): RedisReply[] {
  const first = ctx.firstId(s.id);
  const nodes = Math.ceil(s.length / 100);
  return [
    "length",
    s.length,
    "radix-tree-keys",
    nodes,
    "radix-tree-nodes",
    nodes + 1,
    "last-generated-id",
    formatId(s.last_ms, s.last_seq),
    "max-deleted-entry-id",
    formatId(s.max_del_ms, s.max_del_seq),
    "entries-added",
    s.entries_added,
    "recorded-first-entry-id",
    first ? formatId(first.ms, first.seq) : "0-0",
  ];
}

function edgeEntry(ctx: HandlerContext, s: StreamRow, last: boolean): RedisReply {
  const rows: EntryRow[] = readRange(ctx, s.id, { ms: 0, seq: 0 }, MAX_ID, 1, last);
  return rows.length ? entryReply(rows[0]) : null;
}

function streamFull(ctx: HandlerContext, s: StreamRow, count: number): RedisReply {
  const limit = count === 0 ? -1 : count;
  const groups = groupsOf(ctx, s).map((g) => {
    const pel = ctx.q(
      `SELECT ms, seq, consumer, delivery_time, delivery_count FROM pel
       WHERE key_id = ? AND grp = ? ORDER BY ms, seq LIMIT ?`,
    ).all(s.id, g.name, limit) as unknown as PelRow[];
    const pelCount = ctx.q("SELECT COUNT(*) AS n FROM pel WHERE key_id = ? AND grp = ?")
      .get(s.id, g.name) as { n: number };
    const consumers = ctx.q(
      "SELECT name, seen_time FROM consumers WHERE key_id = ? AND grp = ? ORDER BY name",
    ).all(s.id, g.name) as unknown as { name: string; seen_time: number }[];
    return [
      "name",
      g.name,
      "last-delivered-id",
      formatId(g.last_ms, g.last_seq),
      "entries-read",
      g.entries_read === -1 ? null : g.entries_read,
      "lag",
      groupLag(ctx, s, g),
      "pel-count",
      pelCount.n,
      "pending",
      pel.map((p) => [formatId(p.ms, p.seq), p.consumer, p.delivery_time, p.delivery_count]),
      "consumers",
      consumers.map((c) => {
        const own = ctx.q(
          `SELECT ms, seq, delivery_time, delivery_count FROM pel
           WHERE key_id = ? AND grp = ? AND consumer = ? ORDER BY ms, seq LIMIT ?`,
        ).all(s.id, g.name, c.name, limit) as unknown as PelRow[];
        const ownCount = ctx.q(
          "SELECT COUNT(*) AS n FROM pel WHERE key_id = ? AND grp = ? AND consumer = ?",
        ).get(s.id, g.name, c.name) as { n: number };
        return [
          "name",
          c.name,
          "seen-time",
          c.seen_time,
          "pel-count",
          ownCount.n,
          "pending",
          own.map((p) => [formatId(p.ms, p.seq), p.delivery_time, p.delivery_count]),
        ];
      }),
    ];
  });
  return [
    ...streamHeader(ctx, s),
    "entries",
    readRange(ctx, s.id, { ms: 0, seq: 0 }, MAX_ID, limit).map(entryReply),
    "groups",
    groups,
  ];
}

/** `XINFO STREAM key [FULL [COUNT n]] | GROUPS key | CONSUMERS key group | HELP` */
export function xinfo(ctx: HandlerContext, args: readonly string[]): RedisReply {
  const sub = args[1];
  if (isKeyword(sub, "HELP")) return [...HELP];
  const key = args[2];
  const s = ctx.stream(key);
  if (s === undefined) throw new ReplyError("ERR no such key");
  if (isKeyword(sub, "CONSUMERS") && args.length === 4) {
    const g = ctx.q("SELECT * FROM groups WHERE key_id = ? AND name = ?").get(s.id, args[3]) as
      | GroupRow
      | undefined;
    if (g === undefined) {
      throw new ReplyError(`NOGROUP No such consumer group '${args[3]}' for key name '${key}'`);
    }
    const rows = ctx.q(
      `SELECT c.name AS name, c.seen_time AS seen_time,
       (SELECT COUNT(*) FROM pel p WHERE p.key_id = c.key_id AND p.grp = c.grp
        AND p.consumer = c.name) AS pending
       FROM consumers c WHERE c.key_id = ? AND c.grp = ? ORDER BY c.name`,
    ).all(s.id, g.name) as unknown as { name: string; seen_time: number; pending: number }[];
    return rows.map((c) => [
      "name",
      c.name,
      "pending",
      c.pending,
      "idle",
      Math.max(0, ctx.now - c.seen_time),
    ]);
  }
  if (isKeyword(sub, "GROUPS") && args.length === 3) {
    return groupsOf(ctx, s).map((g) => {
      const counts = ctx.q(
        `SELECT (SELECT COUNT(*) FROM consumers WHERE key_id = ?1 AND grp = ?2) AS consumers,
         (SELECT COUNT(*) FROM pel WHERE key_id = ?1 AND grp = ?2) AS pending`,
      ).get(s.id, g.name) as { consumers: number; pending: number };
      return [
        "name",
        g.name,
        "consumers",
        counts.consumers,
        "pending",
        counts.pending,
        "last-delivered-id",
        formatId(g.last_ms, g.last_seq),
        "entries-read",
        g.entries_read === -1 ? null : g.entries_read,
        "lag",
        groupLag(ctx, s, g),
      ];
    });
  }
  if (isKeyword(sub, "STREAM")) {
    const rest = args.slice(3);
    if (rest.length === 0) {
      return [
        ...streamHeader(ctx, s),
        "groups",
        groupsOf(ctx, s).length,
        "first-entry",
        edgeEntry(ctx, s, false),
        "last-entry",
        edgeEntry(ctx, s, true),
      ];
    }
    if (!isKeyword(rest[0], "FULL")) throw subcommandSyntaxError(args);
    let count = 10;
    if (rest.length === 3 && isKeyword(rest[1], "COUNT")) {
      count = parseInteger(rest[2]);
      if (count < 0) count = 0;
    } else if (rest.length !== 1) {
      throw subcommandSyntaxError(args);
    }
    return streamFull(ctx, s, count);
  }
  throw subcommandSyntaxError(args);
}

/** XINFO's subcommands. */
export const INFO_HANDLERS: readonly HandlerSpec[] = [
  handler("xinfo|stream", -3, false, xinfo),
  handler("xinfo|groups", 3, false, xinfo),
  handler("xinfo|consumers", 4, false, xinfo),
  handler("xinfo|help", 2, false, xinfo),
];
