/**
 * Raw commands: stream commands typed in Redis syntax (`XADD app:event * temp
 * 0.4`) run as is on both backends; `raw ANY COMMAND…` sends anything else.
 * Replies print like redis-cli, or as JSON with `--json`.
 *
 * @module
 */

import { blockMsOf, type RedisReply, toStreamError } from "../../mod.ts";
import type { RunContext } from "./context.ts";
import { formatReply, formatReplyJson, formatReplyPlain } from "./raw_reply.ts";

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

/** Sends `words` and prints the reply. Blocking reads use their own connection and stop on Ctrl-C. */
export async function runRaw({ session, signal }: RunContext, words: string[]): Promise<void> {
  const store = await session.store();
  let reply: RedisReply;
  if (blockMsOf(words) !== undefined) {
    try {
      reply = await store.connection.sendBlocking(words, { signal });
    } catch (error) {
      throw toStreamError(error, { command: words[0].toUpperCase(), displayUrl: store.displayUrl });
    }
  } else {
    reply = await store.command(words);
  }
  if (signal.aborted) return;
  const text = session.format === "json"
    ? formatReplyJson(reply)
    : session.format === "plain"
    ? formatReplyPlain(reply)
    : formatReply(reply);
  session.out.write(text + "\n");
}
