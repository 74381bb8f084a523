/**
 * `rstream serve --forward`: copies the served streams to a central Redis,
 * entry by entry with the same IDs.
 *
 * Why not the spool forwarder: the spool's exactly-once rests on the
 * `spool_seq` every reading carries, which only rstream's own producers
 * write; a Python script XADDing to the served store writes plain entries.
 * Copying with the same IDs gives exactly-once for any entry without extra
 * fields: the central stream's last generated ID is the checkpoint (read
 * again after every failure), and an ID Redis already has is refused by
 * XADD (`equal or smaller`), never duplicated. The central streams must
 * therefore be written only by this forwarder.
 *
 * @module
 */

import type { CommandConnection, RedisReply } from "../connection.ts";
import { ReplyError, StreamError } from "../errors.ts";
import { abortableSleep, Backoff } from "../backoff.ts";

/** Something the forwarder did, for logging. */
export type StreamForwardEvent =
  | { type: "forwarded"; stream: string; count: number; lastId: string }
  | { type: "error"; error: Error; retryInMs: number };

/** Options of {@linkcode forwardStreams}. */
export interface StreamForwardOptions {
  /** The central Redis (`redis://` or `rediss://`). */
  url: string;
  /** Forward the streams whose names match this glob (default `*`). */
  match?: string;
  /** Stops forwarding. */
  signal?: AbortSignal;
  /** Entries per XRANGE/XADD batch (default 500). */
  batchSize?: number;
  /** How often to look for new entries when idle, in ms (default 500). */
  pollMs?: number;
  /** Receives what happens. */
  onEvent?: (event: StreamForwardEvent) => void;
}

/**
 * The central Redis refused an entry for another reason than "already
 * there" (a wrong type, no permission): forwarding retries with backoff.
 *
 * @example A StreamError naming the stream
 * ```ts
 * import { ForwardError } from "@rstream/rstream/serve";
 * import { StreamError } from "@rstream/rstream";
 * import assert from "node:assert/strict";
 * const error = new ForwardError("Cannot forward app:event", { stream: "app:event" });
 * assert.ok(error instanceof StreamError);
 * assert.equal(error.stream, "app:event");
 * ```
 */
export class ForwardError extends StreamError {
  /** The error's name, for `instanceof`-free checks. */
  override name = "ForwardError";
}

function lastGeneratedId(info: RedisReply): string {
  const list = info as RedisReply[];
  for (let i = 0; i + 1 < list.length; i += 2) {
    if (list[i] === "last-generated-id") return list[i + 1] as string;
  }
  return "0-0";
}

/**
 * Copies every served stream matching `match` to the Redis at `url` until
 * `signal` aborts, with the same IDs; reconnects with backoff after a failure.
 *
 * @example Only a Redis URL is a forwarding target
 * ```ts
 * import { forwardStreams } from "@rstream/rstream/serve";
 * import { openEmbeddedConnection } from "@rstream/rstream/embedded";
 * import assert from "node:assert/strict";
 * await using local = openEmbeddedConnection(":memory:");
 * // With a redis:// URL it runs until its signal aborts (tests/serve/forward_test.ts).
 * await assert.rejects(() => forwardStreams(local, { url: "file:central.db" }), TypeError);
 * ```
 *
 * @throws {TypeError} when `url` is not a redis:// or rediss:// URL
 */
export async function forwardStreams(
  local: CommandConnection,
  options: StreamForwardOptions,
): Promise<void> {
  if (!/^rediss?:\/\//.test(options.url)) {
    throw new TypeError("forwardStreams() needs a redis:// or rediss:// URL");
  }
  const { signal, onEvent = () => {} } = options;
  const batch = options.batchSize ?? 500;
  const pollMs = options.pollMs ?? 500;
  const backoff = new Backoff({ initialMs: 250, maxMs: 5000 });
  const { connectRedis } = await import("../redis/connection.ts");
  while (!signal?.aborted) {
    let central: CommandConnection | undefined;
    try {
      central = await connectRedis(options.url);
      while (!signal?.aborted) {
        let moved = 0;
        for (const stream of await streamNames(local, options.match ?? "*")) {
          if (signal?.aborted) break;
          let last: string;
          try {
            last = lastGeneratedId(await central.send(["XINFO", "STREAM", stream]));
          } catch (error) {
            if (!(error instanceof ReplyError && /no such key/i.test(error.message))) throw error;
            last = "0-0";
          }
          while (!signal?.aborted) {
            const entries = await local.send(
              ["XRANGE", stream, `(${last}`, "+", "COUNT", String(batch)],
            ) as [string, string[]][];
            if (entries.length === 0) break;
            const replies = await central.pipeline(
              entries.map(([id, fields]) => ["XADD", stream, id, ...fields]),
            );
            for (const reply of replies) {
              if (reply instanceof Error && !/equal or smaller/.test(reply.message)) {
                throw new ForwardError(
                  `Cannot forward ${stream} to ${central.displayUrl}: ${reply.message}`,
                  { stream, cause: reply },
                );
              }
            }
            last = entries[entries.length - 1]![0];
            moved += entries.length;
            onEvent({ type: "forwarded", stream, count: entries.length, lastId: last });
          }
        }
        backoff.reset();
        if (moved === 0) await abortableSleep(pollMs, signal);
      }
    } catch (error) {
      if (signal?.aborted) break;
      const retryInMs = backoff.next();
      onEvent({ type: "error", error: error as Error, retryInMs });
      await abortableSleep(retryInMs, signal).catch(() => {});
    } finally {
      await central?.close();
    }
  }
}

async function streamNames(local: CommandConnection, match: string): Promise<string[]> {
  const names: string[] = [];
  let cursor = "0";
  do {
    const [next, page] = await local.send(
      ["SCAN", cursor, "MATCH", match, "COUNT", "1000", "TYPE", "stream"],
    ) as [string, string[]];
    names.push(...page);
    cursor = next;
  } while (cursor !== "0");
  return names;
}
