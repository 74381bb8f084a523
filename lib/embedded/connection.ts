/**
 * The embedded backend: a {@linkcode CommandConnection} that interprets Redis
 * 7.0 stream commands on a SQLite file with Deno's built-in `node:sqlite`.
 *
 * @module
 */

import { ReplyError } from "../errors.ts";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { blockMsOf, type CommandConnection, type RedisReply } from "../connection.ts";
import { ChangeWatcher, waitForReply } from "./blocking.ts";
import { HandlerContext } from "./handler_context.ts";
import { Executor } from "./executor.ts";
import type { ReadRequest } from "./reads.ts";
import { openDatabase } from "./schema.ts";

class EmbeddedConnection implements CommandConnection {
  readonly backend = "embedded" as const;
  readonly displayUrl: string;
  readonly #db;
  readonly #executor: Executor;
  readonly #watcher: ChangeWatcher;
  readonly #closing = new AbortController();
  #closed = false;

  constructor(path: string, options: EmbeddedConnectionOptions) {
    this.displayUrl = options.displayUrl ?? (path === ":memory:" ? "memory:" : `file:${path}`);
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    this.#db = openDatabase(path, { busyTimeoutMs: options.busyTimeoutMs });
    const ctx = new HandlerContext(this.#db, options.now ?? Date.now);
    const version = ctx.q("PRAGMA data_version");
    this.#watcher = new ChangeWatcher(() =>
      Number((version.get() as { data_version: number }).data_version)
    );
    this.#executor = new Executor(ctx, () => this.#watcher.notify());
  }

  #checkOpen(): void {
    if (this.#closed) {
      throw new Error(`Cannot use the embedded store ${this.displayUrl}: it is closed`);
    }
  }

  send(args: readonly string[]): Promise<RedisReply> {
    try {
      this.#checkOpen();
      if (blockMsOf(args) !== undefined) return this.sendBlocking(args);
      const outcome = this.#executor.execute(args);
      if ("block" in outcome) return this.#wait(outcome.block, undefined, 0);
      return Promise.resolve(outcome.reply);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async pipeline(batch: readonly (readonly string[])[]): Promise<(RedisReply | Error)[]> {
    this.#checkOpen();
    const results: (RedisReply | Error)[] = [];
    let start = 0;
    while (start < batch.length) {
      const chunk = this.#executor.executeChunk(batch, start);
      results.push(...chunk.results);
      start = chunk.next;
      if (chunk.block) {
        try {
          results.push(await this.#wait(chunk.block, undefined, 0));
        } catch (error) {
          if (!(error instanceof ReplyError)) throw error;
          results.push(error);
        }
        this.#checkOpen();
      }
    }
    return results;
  }

  sendBlocking(
    args: readonly string[],
    options: { signal?: AbortSignal } = {},
  ): Promise<RedisReply> {
    try {
      this.#checkOpen();
      const version = this.#watcher.version();
      const outcome = this.#executor.execute(args);
      if ("reply" in outcome) return Promise.resolve(outcome.reply);
      return this.#wait(outcome.block, options.signal, version);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #wait(request: ReadRequest, signal: AbortSignal | undefined, version: number) {
    return waitForReply(this.#watcher, () => this.#executor.retryRead(request), {
      timeoutMs: request.blockMs ?? 0,
      version,
      signal,
      closed: this.#closing.signal,
    });
  }

  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#closing.abort();
      this.#watcher.close();
      this.#db.close();
    }
    return Promise.resolve();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** Options of {@linkcode openEmbeddedConnection}. */
export interface EmbeddedConnectionOptions {
  /** What {@linkcode CommandConnection.displayUrl} shows (default `file:<path>` or `memory:`). */
  displayUrl?: string;
  /** The clock for IDs, idle and delivery times (default `Date.now`). */
  now?: () => number;
  /** How long a write waits for another process's transaction, in ms (default 5000). */
  busyTimeoutMs?: number;
}

/**
 * Opens the embedded backend on a SQLite file (created with its parent
 * directories when missing) or on `":memory:"`. It answers Redis 7.0 stream
 * commands (XADD, XRANGE, XREAD, XREADGROUP, XACK, XPENDING, XCLAIM,
 * XAUTOCLAIM, XGROUP, XINFO, …) and the keyspace commands rstream needs, with
 * the replies and error texts Redis gives. Several processes may share one
 * file. Opening is synchronous.
 *
 * @example Add to a stream and count its entries
 * ```ts
 * import { openEmbeddedConnection } from "@rstream/rstream/embedded";
 * import assert from "node:assert/strict";
 * await using connection = openEmbeddedConnection(":memory:");
 * const id = await connection.send(["XADD", "app:event", "1-1", "sensor_id", "2"]);
 * assert.equal(id, "1-1");
 * assert.equal(await connection.send(["XLEN", "app:event"]), 1);
 * ```
 *
 * @param path a file path, or `":memory:"` for a private in-memory store
 * @param options `displayUrl`: what {@linkcode CommandConnection.displayUrl}
 *   shows (default `file:<path>` or `memory:`); `now`: the clock for IDs, idle
 *   and delivery times (default `Date.now`); `busyTimeoutMs`: how long a write
 *   waits for another process's transaction (default 5000)
 * @throws {Error} when the file cannot be opened or has a newer schema
 */
export function openEmbeddedConnection(
  path: string,
  options: EmbeddedConnectionOptions = {},
): CommandConnection {
  return new EmbeddedConnection(path, options);
}
