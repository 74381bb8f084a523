/**
 * What an embedded command handler is: its Redis name and arity, whether it
 * writes, and the function that runs it inside the command's transaction.
 * Each family file (streams, groups, pending, reads, info, keys) lists its
 * own handlers; the command table only collects them.
 *
 * @module
 */

import type { RedisReply } from "../connection.ts";
import type { HandlerContext } from "./handler_context.ts";
import type { ReadRequest } from "./reads.ts";

/** What a command asks the connection to do: reply, or wait for a read. */
export type Outcome = { reply: RedisReply } | { block: ReadRequest };

/** A handler runs inside the command's transaction. */
export type Handler = (ctx: HandlerContext, args: readonly string[]) => RedisReply;

/** One command (or subcommand) the embedded backend runs. */
export interface HandlerSpec {
  /** Lower-case full name as Redis prints it (`xgroup|create` for a subcommand). */
  readonly name: string;
  /** Redis arity: N = exactly N arguments, -N = at least N (command name included). */
  readonly arity: number;
  /** Whether it may write (runs under `BEGIN IMMEDIATE`). */
  readonly write: boolean;
  /** Runs the command. */
  readonly run: (ctx: HandlerContext, args: readonly string[]) => Outcome;
}

/** A handler that always replies (it never waits). */
export function handler(name: string, arity: number, write: boolean, run: Handler): HandlerSpec {
  return { name, arity, write, run: (ctx, args) => ({ reply: run(ctx, args) }) };
}
