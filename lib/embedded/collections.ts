/**
 * Lists and sets of the embedded backend, just enough to be the "wrong type"
 * of a key: LPUSH, RPUSH, LLEN, LRANGE, SADD, SCARD and SMEMBERS. Redis's
 * stream tests turn a stream key into a list or a set (`LPUSH`, `SADD`) to
 * check that stream commands and blocked readers answer as Redis does; an
 * application that needs lists or sets should use Redis.
 *
 * The members are kept as one JSON array in the key's `value` column, so
 * each command reads and writes the whole collection: fine for a few
 * members, not for large ones.
 *
 * @module
 */

import type { RedisReply } from "../connection.ts";
import type { HandlerContext } from "./handler_context.ts";
import { handler, type HandlerSpec } from "./handler.ts";
import { parseInteger, wrongTypeError } from "./replies.ts";

function members(ctx: HandlerContext, name: string, type: "list" | "set"): string[] | undefined {
  const row = ctx.key(name);
  if (row === undefined) return undefined;
  if (row.type !== type) throw wrongTypeError();
  return JSON.parse(row.value ?? "[]") as string[];
}

function save(ctx: HandlerContext, name: string, type: "list" | "set", values: string[]): void {
  ctx.wrote = true;
  ctx.forget(name);
  ctx.q(
    `INSERT INTO keys (name, type, value) VALUES (?, ?, ?)
     ON CONFLICT (name) DO UPDATE SET value = excluded.value`,
  ).run(name, type, JSON.stringify(values));
}

/** `LPUSH key element [element ...]` (and RPUSH) */
function push(left: boolean) {
  return (ctx: HandlerContext, args: readonly string[]): RedisReply => {
    const list = members(ctx, args[1], "list") ?? [];
    for (const value of args.slice(2)) {
      if (left) list.unshift(value);
      else list.push(value);
    }
    save(ctx, args[1], "list", list);
    return list.length;
  };
}

/** `LLEN key` */
function llen(ctx: HandlerContext, args: readonly string[]): RedisReply {
  return members(ctx, args[1], "list")?.length ?? 0;
}

/** `LRANGE key start stop` */
function lrange(ctx: HandlerContext, args: readonly string[]): RedisReply {
  const list = members(ctx, args[1], "list") ?? [];
  let start = parseInteger(args[2]);
  let stop = parseInteger(args[3]);
  if (start < 0) start = Math.max(0, list.length + start);
  if (stop < 0) stop = list.length + stop;
  return start > stop ? [] : list.slice(start, stop + 1);
}

/** `SADD key member [member ...]` */
function sadd(ctx: HandlerContext, args: readonly string[]): RedisReply {
  const set = members(ctx, args[1], "set") ?? [];
  let added = 0;
  for (const value of args.slice(2)) {
    if (set.includes(value)) continue;
    set.push(value);
    added++;
  }
  save(ctx, args[1], "set", set);
  return added;
}

/** `SCARD key` */
function scard(ctx: HandlerContext, args: readonly string[]): RedisReply {
  return members(ctx, args[1], "set")?.length ?? 0;
}

/** `SMEMBERS key` */
function smembers(ctx: HandlerContext, args: readonly string[]): RedisReply {
  return members(ctx, args[1], "set") ?? [];
}

/** The list and set commands. */
export const COLLECTION_HANDLERS: readonly HandlerSpec[] = [
  handler("lpush", -3, true, push(true)),
  handler("rpush", -3, true, push(false)),
  handler("llen", 2, false, llen),
  handler("lrange", 4, false, lrange),
  handler("sadd", -3, true, sadd),
  handler("scard", 2, false, scard),
  handler("smembers", 2, false, smembers),
];
