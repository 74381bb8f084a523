/**
 * What a command definition is, and how one runs: each command rstream sends
 * is defined once, as its argument builder, its reply parser and its error
 * mapping together; the store's methods only run definitions.
 *
 * @module
 */

import { blockMsOf, type CommandConnection, type RedisReply } from "../connection.ts";
import { type ErrorContext, ReplyError, toStreamError } from "../errors.ts";

/**
 * One command: how to build its arguments from typed parameters, how to read
 * its reply, and which errors mean something to callers.
 *
 * @typeParam P the parameters, as the store method takes them
 * @typeParam R what the parsed reply is
 */
export interface Command<P extends readonly unknown[], R> {
  /** The command's name as errors show it, e.g. `XADD` or `XGROUP CREATE`. */
  readonly name: string;
  /** Builds the argument array; throws `TypeError`/`RangeError` for bad parameters. */
  args(...params: P): string[];
  /** Reads the reply. */
  parse(reply: RedisReply): R;
  /** The stream and group an error names (default: none). */
  context?(...params: P): ErrorContext;
  /**
   * Turns an error reply into a result (BUSYGROUP → `false`) or a named error;
   * rethrowing `error` leaves it to the default mapping.
   */
  onError?(error: ReplyError, params: P, connection: CommandConnection): Promise<R>;
}

/**
 * Defines a command (returns it frozen, typed).
 *
 * @example A command of one's own
 * ```ts
 * import { defineCommand } from "@rstream/rstream/commands";
 * import assert from "node:assert/strict";
 * const PING = defineCommand({
 *   name: "PING",
 *   args: (message: string) => ["PING", message],
 *   parse: (reply) => String(reply),
 * });
 * assert.deepEqual(PING.args("hi"), ["PING", "hi"]);
 * assert.equal(PING.parse("hi"), "hi");
 * ```
 */
export function defineCommand<P extends readonly unknown[], R>(
  command: Command<P, R>,
): Command<P, R> {
  return Object.freeze(command);
}

/** Options of {@linkcode runCommand}: the command's parameters, and a signal. */
export interface RunCommandOptions<P extends readonly unknown[]> {
  /** The parameters, as the command's `args` takes them. */
  params: P;
  /** Cancels a blocking command; it then resolves as a timeout would. */
  signal?: AbortSignal;
}

/** Options of {@linkcode runPipeline}: one parameter set per command sent. */
export interface RunPipelineOptions<P extends readonly unknown[]> {
  /** The parameter sets, one per command, in order. */
  params: readonly P[];
}

function named<P extends readonly unknown[]>(
  error: unknown,
  command: Command<P, unknown>,
  params: P,
  connection: CommandConnection,
): unknown {
  return toStreamError(error, {
    command: command.name,
    displayUrl: connection.displayUrl,
    ...command.context?.(...params),
  });
}

/**
 * Builds, sends and parses one command; a blocking read (BLOCK) goes to
 * {@linkcode CommandConnection.sendBlocking}. Errors come back named
 * (see {@linkcode toStreamError}).
 *
 * @example Run a definition on the embedded store
 * ```ts
 * import { openEmbeddedConnection } from "@rstream/rstream/embedded";
 * import { runCommand, XADD, XLEN } from "@rstream/rstream/commands";
 * import assert from "node:assert/strict";
 * await using connection = openEmbeddedConnection(":memory:");
 * await runCommand(connection, XADD, { params: ["app:event", { temp: "0.42" }] });
 * assert.equal(await runCommand(connection, XLEN, { params: ["app:event"] }), 1);
 * ```
 */
export async function runCommand<P extends readonly unknown[], R>(
  connection: CommandConnection,
  command: Command<P, R>,
  options: RunCommandOptions<P>,
): Promise<R> {
  const { params } = options;
  const args = command.args(...params);
  let reply: RedisReply;
  try {
    reply = blockMsOf(args) === undefined
      ? await connection.send(args)
      : await connection.sendBlocking(args, { signal: options.signal });
  } catch (error) {
    if (!(error instanceof ReplyError) || command.onError === undefined) {
      throw named(error, command, params, connection);
    }
    try {
      return await command.onError(error, params, connection);
    } catch (mapped) {
      throw named(mapped, command, params, connection);
    }
  }
  return command.parse(reply);
}

/**
 * Runs one command with many parameter sets in one round trip (a pipeline)
 * and returns the parsed replies in order; the first error reply is thrown,
 * named.
 *
 * @example Three adds in one round trip
 * ```ts
 * import { openEmbeddedConnection } from "@rstream/rstream/embedded";
 * import { runPipeline, XADD } from "@rstream/rstream/commands";
 * import assert from "node:assert/strict";
 * await using connection = openEmbeddedConnection(":memory:");
 * const ids = await runPipeline(connection, XADD, {
 *   params: [
 *     ["s", { n: "1" }, { id: "1-0" }],
 *     ["s", { n: "2" }, { id: "2-0" }],
 *     ["s", { n: "3" }, { id: "3-0" }],
 *   ],
 * });
 * assert.deepEqual(ids, ["1-0", "2-0", "3-0"]);
 * ```
 */
export async function runPipeline<P extends readonly unknown[], R>(
  connection: CommandConnection,
  command: Command<P, R>,
  options: RunPipelineOptions<P>,
): Promise<R[]> {
  const paramsList = options.params;
  if (paramsList.length === 0) return [];
  const replies = await connection.pipeline(paramsList.map((params) => command.args(...params)));
  return replies.map((reply, i) => {
    if (reply instanceof Error) throw named(reply, command, paramsList[i]!, connection);
    return command.parse(reply);
  });
}
