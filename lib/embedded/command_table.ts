/**
 * The embedded backend's command table: which commands it knows, their Redis
 * 7.0 arity, whether they write, and their handlers; plus the lookup that
 * answers unknown commands and wrong argument counts with Redis's texts.
 *
 * @module
 */

import { ReplyError } from "../errors.ts";
import type { RedisReply } from "../connection.ts";
import type { Context } from "./context.ts";
import { xgroup } from "./groups.ts";
import { xinfo } from "./info.ts";
import { dbsize, del, echo, exists, flushdb, get, keys, ping, scan, set, type } from "./keys.ts";
import { xack, xautoclaim, xclaim, xpending } from "./pending.ts";
import { parseRead, type ReadRequest, serveRead } from "./reads.ts";
import { arityError, asciiLower, checkNoNul, sanitizeErrorText } from "./replies.ts";
import { xadd, xdel, xlen, xrange, xrevrange, xtrim } from "./streams.ts";

/** What a command asks the connection to do: reply, or wait for a read. */
export type Outcome = { reply: RedisReply } | { block: ReadRequest };

/** A handler runs inside the command's transaction. */
export type Handler = (ctx: Context, args: readonly string[]) => RedisReply;

/** One command (or subcommand) of the table. */
export interface CommandSpec {
  /** Lower-case full name as Redis prints it (`xgroup|create`). */
  readonly name: string;
  /** Redis arity: N = exactly N arguments, -N = at least N (command name included). */
  readonly arity: number;
  /** Whether it may write (runs under `BEGIN IMMEDIATE`). */
  readonly write: boolean;
  /** Runs the command. */
  readonly run: (ctx: Context, args: readonly string[]) => Outcome;
}

const simple = (name: string, arity: number, write: boolean, handler: Handler): CommandSpec => ({
  name,
  arity,
  write,
  run: (ctx, args) => ({ reply: handler(ctx, args) }),
});

function readCommand(ctx: Context, args: readonly string[]): Outcome {
  const request = parseRead(ctx, args);
  const reply = serveRead(ctx, request);
  if (reply === null && request.blockMs !== undefined) return { block: request };
  return { reply };
}

const COMMANDS = new Map<string, CommandSpec>([
  ["ping", simple("ping", -1, false, ping)],
  ["echo", simple("echo", 2, false, echo)],
  ["get", simple("get", 2, false, get)],
  ["set", simple("set", -3, true, set)],
  ["del", simple("del", -2, true, del)],
  ["unlink", simple("unlink", -2, true, del)],
  ["exists", simple("exists", -2, false, exists)],
  ["type", simple("type", 2, false, type)],
  ["scan", simple("scan", -2, false, scan)],
  ["keys", simple("keys", 2, false, keys)],
  ["dbsize", simple("dbsize", 1, false, dbsize)],
  ["flushdb", simple("flushdb", -1, true, flushdb)],
  ["flushall", simple("flushall", -1, true, flushdb)],
  ["xadd", simple("xadd", -5, true, xadd)],
  ["xrange", simple("xrange", -4, false, xrange)],
  ["xrevrange", simple("xrevrange", -4, false, xrevrange)],
  ["xlen", simple("xlen", 2, false, xlen)],
  ["xdel", simple("xdel", -3, true, xdel)],
  ["xtrim", simple("xtrim", -4, true, xtrim)],
  ["xack", simple("xack", -4, true, xack)],
  ["xpending", simple("xpending", -3, false, xpending)],
  ["xclaim", simple("xclaim", -6, true, xclaim)],
  ["xautoclaim", simple("xautoclaim", -6, true, xautoclaim)],
  ["xread", { name: "xread", arity: -4, write: false, run: readCommand }],
  ["xreadgroup", { name: "xreadgroup", arity: -7, write: true, run: readCommand }],
]);

const CONTAINERS = new Map<string, Map<string, CommandSpec>>([
  [
    "xgroup",
    new Map([
      ["create", simple("xgroup|create", -5, true, xgroup)],
      ["setid", simple("xgroup|setid", -5, true, xgroup)],
      ["destroy", simple("xgroup|destroy", 4, true, xgroup)],
      ["createconsumer", simple("xgroup|createconsumer", 5, true, xgroup)],
      ["delconsumer", simple("xgroup|delconsumer", 5, true, xgroup)],
      ["help", simple("xgroup|help", 2, false, xgroup)],
    ]),
  ],
  [
    "xinfo",
    new Map([
      ["stream", simple("xinfo|stream", -3, false, xinfo)],
      ["groups", simple("xinfo|groups", 3, false, xinfo)],
      ["consumers", simple("xinfo|consumers", 4, false, xinfo)],
      ["help", simple("xinfo|help", 2, false, xinfo)],
    ]),
  ],
]);

function unknownCommand(args: readonly string[]): ReplyError {
  let rest = "";
  for (let i = 1; i < args.length && rest.length < 128; i++) {
    rest += `'${args[i].slice(0, 128 - rest.length)}' `;
  }
  return new ReplyError(
    sanitizeErrorText(
      `ERR unknown command '${(args[0] ?? "").slice(0, 128)}', with args beginning with: ${rest}`,
    ),
  );
}

function arityOk(arity: number, argc: number): boolean {
  return arity >= 0 ? argc === arity : argc >= -arity;
}

/**
 * Finds the command for `args`.
 *
 * @throws {ReplyError} Redis's unknown command / subcommand and arity errors
 */
export function lookupCommand(args: readonly string[]): CommandSpec {
  const name = asciiLower(args[0] ?? "");
  // Names and string values are stored as SQLite TEXT, which ends at a NUL;
  // XADD's field values are stored as JSON and checked by xadd() itself.
  if (name !== "xadd") checkNoNul(args, args.length);
  const container = CONTAINERS.get(name);
  if (container !== undefined) {
    if (args.length < 2) throw arityError(name);
    const sub = container.get(asciiLower(args[1]));
    if (sub === undefined) {
      throw new ReplyError(
        sanitizeErrorText(
          `ERR unknown subcommand '${args[1].slice(0, 128)}'. Try ${args[0].toUpperCase()} HELP.`,
        ),
      );
    }
    if (!arityOk(sub.arity, args.length)) throw arityError(sub.name);
    return sub;
  }
  const spec = COMMANDS.get(name);
  if (spec === undefined) throw unknownCommand(args);
  if (!arityOk(spec.arity, args.length)) throw arityError(spec.name);
  return spec;
}
