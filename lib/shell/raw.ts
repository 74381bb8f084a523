/**
 * Raw commands: stream commands typed in Redis syntax (`XADD app:event * temp
 * 0.4`) run as is on both backends; `raw ANY COMMAND…` sends anything else.
 * Replies print like redis-cli, or as JSON with `--json`.
 *
 * @module
 */

import { blockMsOf, type RedisReply } from "../connection.ts";
import { ReplyError, toStreamError } from "../errors.ts";
import type { RunContext } from "./context.ts";
import { formatReply, formatReplyCsv, formatReplyJson, formatReplyPlain } from "./raw_reply.ts";

/** The Redis stream commands the shell accepts in Redis syntax (case-insensitive). */
export const STREAM_COMMANDS: readonly string[] = [
  "XACK",
  "XADD",
  "XAUTOCLAIM",
  "XCLAIM",
  "XDEL",
  "XGROUP",
  "XINFO",
  "XLEN",
  "XPENDING",
  "XRANGE",
  "XREAD",
  "XREADGROUP",
  "XREVRANGE",
  "XSETID",
  "XTRIM",
];

/** Whether `word` names a Redis stream command. */
export function isStreamCommand(word: string): boolean {
  return STREAM_COMMANDS.includes(word.toUpperCase());
}

/** Commands whose string reply is a status reply (`+OK`, `+PONG`), which redis-cli prints bare. */
const STATUS_COMMANDS = new Set([
  "AUTH",
  "BGREWRITEAOF",
  "BGSAVE",
  "DISCARD",
  "FLUSHALL",
  "FLUSHDB",
  "HMSET",
  "LSET",
  "LTRIM",
  "MIGRATE",
  "MSET",
  "MULTI",
  "PSETEX",
  "QUIT",
  "READONLY",
  "READWRITE",
  "RENAME",
  "REPLICAOF",
  "RESET",
  "RESTORE",
  "SAVE",
  "SELECT",
  "SETEX",
  "SLAVEOF",
  "SWAPDB",
  "TYPE",
  "UNWATCH",
  "WATCH",
  "XSETID",
]);

/** Subcommands whose string reply is a status: `XGROUP CREATE`, `CONFIG SET`, … */
const STATUS_SUBCOMMANDS = new Set([
  "XGROUP CREATE",
  "XGROUP SETID",
  "CONFIG SET",
  "CONFIG RESETSTAT",
  "CONFIG REWRITE",
  "CLIENT SETNAME",
  "CLIENT PAUSE",
  "CLIENT UNPAUSE",
  "ACL SETUSER",
  "ACL SAVE",
  "ACL LOAD",
  "SCRIPT FLUSH",
  "SCRIPT KILL",
  "FUNCTION FLUSH",
  "FUNCTION DELETE",
  "FUNCTION RESTORE",
]);

/**
 * Whether a string reply to `words` is a status reply (redis-cli prints it
 * bare: `OK`, `PONG`, `stream`) rather than a bulk string (printed quoted).
 * RESP2 replies reach the shell as plain strings, so the command decides.
 *
 * @example PING answers a status, GET a bulk string
 * ```ts
 * import { isStatusReply } from "./raw.ts";
 * import assert from "node:assert/strict";
 * assert.equal(isStatusReply(["PING"], "PONG"), true);
 * assert.equal(isStatusReply(["PING", "hello"], "hello"), false);
 * assert.equal(isStatusReply(["xgroup", "create", "s", "g", "$"], "OK"), true);
 * assert.equal(isStatusReply(["GET", "k"], "OK"), false);
 * ```
 */
export function isStatusReply(words: readonly string[], reply: RedisReply): boolean {
  if (typeof reply !== "string" || words.length === 0) return false;
  const name = words[0].toUpperCase();
  if (name === "PING") return words.length === 1;
  if (name === "SET") return !words.slice(3).some((w) => w.toUpperCase() === "GET");
  if (STATUS_COMMANDS.has(name)) return true;
  return words.length > 1 && STATUS_SUBCOMMANDS.has(`${name} ${words[1].toUpperCase()}`);
}

/**
 * Sends `words` and prints the reply. Blocking reads use their own connection
 * and stop on Ctrl-C. An error reply prints the server's own text (`WRONGTYPE
 * Operation against a key holding the wrong kind of value`), as redis-cli does.
 */
export async function runRaw({ session, signal }: RunContext, words: string[]): Promise<void> {
  const store = await session.store();
  let reply: RedisReply;
  try {
    if (blockMsOf(words) !== undefined) {
      try {
        reply = await store.connection.sendBlocking(words, { signal });
      } catch (error) {
        throw toStreamError(error, {
          command: words[0].toUpperCase(),
          displayUrl: store.displayUrl,
        });
      }
    } else {
      reply = await store.command(words);
    }
  } catch (error) {
    const cause = (error as Error)?.cause;
    throw error instanceof ReplyError ? error : cause instanceof ReplyError ? cause : error;
  }
  if (signal.aborted) return;
  const status = isStatusReply(words, reply);
  const text = session.format === "json"
    ? formatReplyJson(reply)
    : session.format === "plain"
    ? formatReplyPlain(reply)
    : session.format === "csv"
    ? formatReplyCsv(reply)
    : status
    ? String(reply)
    : formatReply(reply);
  session.out.write(text + "\n");
}
