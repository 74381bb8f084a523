/**
 * Keyspace commands of the embedded backend that rstream needs besides
 * streams: PING, ECHO, GET, SET, DEL, UNLINK, EXISTS, TYPE, SCAN, KEYS,
 * FLUSHDB, FLUSHALL and DBSIZE.
 *
 * String keys exist because consumers keep small values such as
 * `<consumer>:lastid` with SET/GET. Keys never expire: SET's EX, PX, EXAT and
 * PXAT are refused with an error (KEEPTTL is accepted and does nothing).
 *
 * @module
 */

import { ReplyError } from "../errors.ts";
import type { RedisReply } from "../connection.ts";
import type { HandlerContext, KeyRow } from "./handler_context.ts";
import { arityError, isKeyword, parseInteger, syntaxError, wrongTypeError } from "./replies.ts";
import { handler, type HandlerSpec } from "./handler.ts";

/** `PING [message]` */
export function ping(_ctx: HandlerContext, args: readonly string[]): RedisReply {
  if (args.length > 2) throw arityError("ping");
  return args.length === 2 ? args[1] : "PONG";
}

/** `ECHO message` */
export function echo(_ctx: HandlerContext, args: readonly string[]): RedisReply {
  return args[1];
}

/** `GET key` */
export function get(ctx: HandlerContext, args: readonly string[]): RedisReply {
  const row = ctx.key(args[1]);
  if (row === undefined) return null;
  if (row.type !== "string") throw wrongTypeError();
  return row.value;
}

/** `SET key value [NX|XX] [GET] [KEEPTTL]` */
export function set(ctx: HandlerContext, args: readonly string[]): RedisReply {
  let nx = false;
  let xx = false;
  let returnOld = false;
  for (let i = 3; i < args.length; i++) {
    const opt = args[i];
    if (isKeyword(opt, "NX") && !xx) nx = true;
    else if (isKeyword(opt, "XX") && !nx) xx = true;
    else if (isKeyword(opt, "GET")) returnOld = true;
    else if (isKeyword(opt, "KEEPTTL")) continue;
    else if (["EX", "PX", "EXAT", "PXAT"].some((k) => isKeyword(opt, k)) && i + 1 < args.length) {
      throw new ReplyError(
        `ERR The embedded store does not expire keys (SET ${opt.toUpperCase()}); use Redis for expiring keys`,
      );
    } else throw syntaxError();
  }
  const row = ctx.key(args[1]);
  if (returnOld && row !== undefined && row.type !== "string") throw wrongTypeError();
  const old = row?.type === "string" ? row.value : null;
  if ((nx && row !== undefined) || (xx && row === undefined)) return returnOld ? old : null;
  if (row !== undefined && row.type !== "string") ctx.deleteKey(row.id);
  ctx.wrote = true;
  ctx.forget(args[1]);
  ctx.q(
    `INSERT INTO keys (name, type, value) VALUES (?, 'string', ?)
     ON CONFLICT (name) DO UPDATE SET value = excluded.value`,
  ).run(args[1], args[2]);
  return returnOld ? old : "OK";
}

/** `DEL key [key ...]` (also UNLINK) */
export function del(ctx: HandlerContext, args: readonly string[]): RedisReply {
  let deleted = 0;
  for (const name of args.slice(1)) {
    const row = ctx.key(name);
    if (row === undefined) continue;
    ctx.deleteKey(row.id);
    deleted++;
  }
  return deleted;
}

/** `EXISTS key [key ...]` */
export function exists(ctx: HandlerContext, args: readonly string[]): RedisReply {
  return args.slice(1).filter((name) => ctx.key(name) !== undefined).length;
}

/** `TYPE key` */
export function type(ctx: HandlerContext, args: readonly string[]): RedisReply {
  return ctx.key(args[1])?.type ?? "none";
}

/** `RENAME key newkey` (and RENAMENX): the key keeps its entries, groups and counters. */
function rename(nx: boolean) {
  return (ctx: HandlerContext, args: readonly string[]): RedisReply => {
    const row = ctx.key(args[1]);
    if (row === undefined) throw new ReplyError("ERR no such key");
    const target = ctx.key(args[2]);
    if (nx && target !== undefined) return 0;
    if (args[1] === args[2]) return nx ? 0 : "OK";
    if (target !== undefined) ctx.deleteKey(target.id);
    ctx.flush(); // counters changed earlier in this transaction are written under the old name
    ctx.wrote = true;
    ctx.q("UPDATE keys SET name = ? WHERE id = ?").run(args[2], row.id);
    ctx.forget(args[1]);
    ctx.forget(args[2]);
    return nx ? 1 : "OK";
  };
}

/** `DBSIZE` */
export function dbsize(ctx: HandlerContext): RedisReply {
  return Number((ctx.q("SELECT COUNT(*) AS n FROM keys").get() as { n: number }).n);
}

/** `FLUSHDB [ASYNC|SYNC]` (also FLUSHALL) */
export function flushdb(ctx: HandlerContext, args: readonly string[]): RedisReply {
  if (
    args.length > 2 ||
    (args.length === 2 && !isKeyword(args[1], "ASYNC") && !isKeyword(args[1], "SYNC"))
  ) {
    throw syntaxError();
  }
  ctx.wrote = true;
  ctx.forget();
  for (const table of ["entries", "stream_nodes", "pel", "consumers", "groups", "keys"]) {
    ctx.q(`DELETE FROM ${table}`).run();
  }
  return "OK";
}

/** `KEYS pattern` */
export function keys(ctx: HandlerContext, args: readonly string[]): RedisReply {
  const rows = ctx.q("SELECT name FROM keys ORDER BY id").all() as unknown as { name: string }[];
  const all = args[1] === "*";
  return rows.filter((r) => all || globMatch(args[1], r.name)).map((r) => r.name);
}

/** `SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]` */
export function scan(ctx: HandlerContext, args: readonly string[]): RedisReply {
  if (!/^[0-9]+$/.test(args[1]) || BigInt(args[1]) > 18446744073709551615n) {
    throw new ReplyError("ERR invalid cursor");
  }
  const cursor = Number(args[1]);
  let count = 10;
  let pattern: string | undefined;
  let typeName: string | undefined;
  for (let i = 2; i < args.length; i += 2) {
    const more = args.length - i;
    if (isKeyword(args[i], "COUNT") && more >= 2) {
      count = parseInteger(args[i + 1]);
      if (count < 1) throw syntaxError();
    } else if (isKeyword(args[i], "MATCH") && more >= 2) {
      pattern = args[i + 1] === "*" ? undefined : args[i + 1];
    } else if (isKeyword(args[i], "TYPE") && more >= 2) {
      typeName = args[i + 1];
    } else {
      throw syntaxError();
    }
  }
  const rows = ctx.q("SELECT id, name, type FROM keys WHERE id > ? ORDER BY id LIMIT ?")
    .all(cursor, count) as unknown as { id: number; name: string; type: KeyRow["type"] }[];
  const next = rows.length === count ? String(rows[rows.length - 1].id) : "0";
  const names = rows
    .filter((r) => pattern === undefined || globMatch(pattern, r.name))
    .filter((r) => typeName === undefined || r.type === typeName.toLowerCase())
    .map((r) => r.name);
  return [next, names];
}

/** Redis's glob matching (`stringmatchlen`): `*`, `?`, `[a-z]`, `[^x]` and `\` escapes. */
export function globMatch(pattern: string, text: string): boolean {
  return matchFrom(pattern, 0, text, 0);
}

function matchFrom(p: string, pi: number, s: string, si: number): boolean {
  while (pi < p.length) {
    const c = p[pi];
    if (c === "*") {
      while (p[pi + 1] === "*") pi++;
      if (pi + 1 === p.length) return true;
      for (let k = si; k <= s.length; k++) {
        if (matchFrom(p, pi + 1, s, k)) return true;
      }
      return false;
    }
    if (si >= s.length) return false;
    if (c === "?") {
      pi++;
      si++;
      continue;
    }
    if (c === "[") {
      pi++;
      const not = p[pi] === "^";
      if (not) pi++;
      let matched = false;
      while (pi < p.length && p[pi] !== "]") {
        if (p[pi] === "\\" && pi + 1 < p.length) {
          pi++;
          if (p[pi] === s[si]) matched = true;
        } else if (pi + 2 < p.length && p[pi + 1] === "-") {
          let lo = p[pi], hi = p[pi + 2];
          if (lo > hi) [lo, hi] = [hi, lo];
          if (s[si] >= lo && s[si] <= hi) matched = true;
          pi += 2;
        } else if (p[pi] === s[si]) {
          matched = true;
        }
        pi++;
      }
      if (not) matched = !matched;
      if (!matched) return false;
      pi++;
      si++;
      continue;
    }
    if (c === "\\" && pi + 1 < p.length) pi++;
    if (p[pi] !== s[si]) return false;
    pi++;
    si++;
  }
  return si === s.length;
}

/** The key commands. */
export const KEY_HANDLERS: readonly HandlerSpec[] = [
  handler("ping", -1, false, ping),
  handler("echo", 2, false, echo),
  handler("get", 2, false, get),
  handler("set", -3, true, set),
  handler("del", -2, true, del),
  handler("unlink", -2, true, del),
  handler("exists", -2, false, exists),
  handler("type", 2, false, type),
  handler("scan", -2, false, scan),
  handler("keys", 2, false, keys),
  handler("dbsize", 1, false, dbsize),
  handler("rename", 3, true, rename(false)),
  handler("renamenx", 3, true, rename(true)),
  handler("flushdb", -1, true, flushdb),
  handler("flushall", -1, true, flushdb),
];
