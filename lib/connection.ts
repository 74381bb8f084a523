/**
 * The command-level contract both backends implement.
 *
 * rstream's typed {@linkcode StreamStore} is built once, over this contract:
 * every operation is a Redis command given as an argument array and answered
 * with the reply Redis itself gives (RESP2 shapes). The Redis backend sends
 * the array to a server; the embedded backend interprets it on SQLite. One code
 * path above this line means both backends behave the same.
 *
 * @module
 */

/**
 * A reply in RESP2 shape: bulk and simple strings as `string`, integers as
 * `number`, nil as `null`, and arrays of replies. Error replies are thrown as
 * {@linkcode ReplyError}.
 */
export type RedisReply = string | number | null | RedisReply[];

/** Which kind of server answers a {@linkcode CommandConnection}. */
export type Backend = "redis" | "embedded";

/**
 * A connection that runs Redis commands given as argument arrays.
 *
 * Implementations: the Redis backend (lib/redis, on Deno.connect) and the embedded backend
 * (SQLite). Library code never depends on which one it has.
 */
export interface CommandConnection extends AsyncDisposable {
  /** Which backend answers. */
  readonly backend: Backend;
  /** Where it connects, safe to print: passwords are redacted. */
  readonly displayUrl: string;
  /**
   * Runs one non-blocking command.
   *
   * @throws {ReplyError} when the server answers with an error reply.
   */
  send(args: readonly string[]): Promise<RedisReply>;
  /**
   * Sends several commands in one round trip (a pipeline, not a transaction)
   * and returns each reply, or the {@linkcode ReplyError} it gave, in order.
   */
  pipeline(batch: readonly (readonly string[])[]): Promise<(RedisReply | Error)[]>;
  /**
   * Runs a command that may block (XREAD/XREADGROUP with BLOCK) on a
   * connection of its own, so that it never delays other commands. When
   * `signal` aborts, the call settles promptly with `null` (as a timeout would).
   */
  sendBlocking(
    args: readonly string[],
    options?: { signal?: AbortSignal },
  ): Promise<RedisReply>;
  /** Closes the connection and any blocking connections it opened. */
  close(): Promise<void>;
  /**
   * Set on a Redis Cluster connection: how many masters serve the slots
   * (see docs/cluster.md); `undefined` for a single server and the embedded store.
   */
  readonly cluster?: { readonly masters: number };
}

/**
 * How long a command may block the connection it runs on: its `BLOCK`
 * milliseconds for XREAD/XREADGROUP (`0` = forever), `undefined` for every
 * command that never blocks. This is the one rule that decides whether a
 * command goes to {@linkcode CommandConnection.sendBlocking}: only options
 * count, so a stream, group or consumer named `block` does not make a read
 * blocking.
 *
 * @example BLOCK among the options, not a stream named block
 * ```ts
 * import { blockMsOf } from "@rstream/rstream";
 * import assert from "node:assert/strict";
 * assert.equal(blockMsOf(["XREAD", "BLOCK", "500", "STREAMS", "s", "$"]), 500);
 * assert.equal(blockMsOf(["XREAD", "BLOCK", "0", "STREAMS", "s", "$"]), 0);
 * assert.equal(blockMsOf(["XREAD", "STREAMS", "block", "$"]), undefined);
 * assert.equal(blockMsOf(["XADD", "s", "*", "block", "1"]), undefined);
 * ```
 */
export function blockMsOf(args: readonly string[]): number | undefined {
  const name = args[0]?.toUpperCase();
  if (name !== "XREAD" && name !== "XREADGROUP") return undefined;
  for (let i = 1; i < args.length; i++) {
    const word = args[i]!.toUpperCase();
    if (word === "STREAMS") return undefined;
    if (word === "GROUP") i += 2; // its group and consumer names
    if (word === "BLOCK") {
      const ms = Number(args[i + 1]);
      return Number.isFinite(ms) && ms >= 0 ? ms : undefined;
    }
    if (word === "COUNT") i++;
  }
  return undefined;
}
