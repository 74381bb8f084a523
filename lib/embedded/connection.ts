/**
 * The embedded backend: a {@linkcode CommandConnection} that interprets Redis
 * 7.0 stream commands on a SQLite file with Deno's built-in `node:sqlite`.
 *
 * @module
 */

import { ReplyError } from "../errors.ts";
import { blockMsOf, type CommandConnection, type RedisReply } from "../connection.ts";
import { ChangeWatcher, waitForReply } from "./blocking.ts";
import { HandlerContext } from "./handler_context.ts";
import { Executor, GROUP_LIMIT } from "./executor.ts";
import type { ReadRequest } from "./reads.ts";
import { openDatabase } from "./schema.ts";
import { prepareStorePath, storeError } from "./_file.ts";

/** Commands waiting for the next group commit: one `send`, or a whole pipeline. */
interface Queued {
  batch: readonly (readonly string[])[];
  /** A `send`: resolves with the one reply (rejects with its error). */
  single: boolean;
  resolve: (value: RedisReply | (RedisReply | Error)[]) => void;
  reject: (error: unknown) => void;
}

function hasBlocking(batch: readonly (readonly string[])[]): boolean {
  return batch.some((args) => blockMsOf(args) !== undefined);
}

class EmbeddedConnection implements CommandConnection {
  readonly backend = "embedded" as const;
  readonly displayUrl: string;
  readonly #db;
  readonly #path: string;
  readonly #busyTimeoutMs: number;
  readonly #executor: Executor;
  readonly #watcher: ChangeWatcher;
  readonly #closing = new AbortController();
  #closed = false;
  /** Commands given in this tick, committed together (group commit). */
  #queue: Queued[] = [];
  #scheduled = false;
  /** A pipeline with a blocking read is waiting: later commands wait for it (order). */
  #waiting = false;

  constructor(path: string, options: EmbeddedConnectionOptions) {
    this.displayUrl = options.displayUrl ?? (path === ":memory:" ? "memory:" : `file:${path}`);
    this.#path = path;
    this.#busyTimeoutMs = options.busyTimeoutMs ?? 5000;
    try {
      if (path !== ":memory:") prepareStorePath(path, this.displayUrl);
      this.#db = openDatabase(path, {
        busyTimeoutMs: this.#busyTimeoutMs,
        displayUrl: this.displayUrl,
      });
    } catch (error) {
      throw this.#named(error);
    }
    const ctx = new HandlerContext(this.#db, options.now ?? Date.now);
    const version = ctx.q("PRAGMA data_version");
    this.#watcher = new ChangeWatcher(() =>
      Number((version.get() as { data_version: number }).data_version)
    );
    this.#executor = new Executor(ctx, () => this.#watcher.notify());
  }

  /** An SQLite or permission failure as an error that names the file. */
  #named(error: unknown): unknown {
    return storeError(error, this.#path, this.displayUrl, this.#busyTimeoutMs);
  }

  #checkOpen(): void {
    if (this.#closed) {
      throw new Error(`Cannot use the embedded store ${this.displayUrl}: it is closed`);
    }
  }

  /**
   * Runs a command. Commands given in the same tick (and pipelines among them)
   * are committed together, in order, in one transaction; each gets its own
   * reply or error, and none is answered before the COMMIT.
   */
  send(args: readonly string[]): Promise<RedisReply> {
    if (blockMsOf(args) !== undefined) return this.sendBlocking(args);
    return this.#enqueue([args], true) as Promise<RedisReply>;
  }

  pipeline(batch: readonly (readonly string[])[]): Promise<(RedisReply | Error)[]> {
    return this.#enqueue(batch, false) as Promise<(RedisReply | Error)[]>;
  }

  #enqueue(
    batch: readonly (readonly string[])[],
    single: boolean,
  ): Promise<RedisReply | (RedisReply | Error)[]> {
    try {
      this.#checkOpen();
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise((resolve, reject) => {
      this.#queue.push({ batch, single, resolve, reject });
      if (!this.#scheduled && !this.#waiting) {
        this.#scheduled = true;
        queueMicrotask(() => this.#drain());
      }
    });
  }

  /** Commits the queued commands, group by group, until the queue is empty. */
  #drain(): void {
    this.#scheduled = false;
    while (this.#queue.length > 0 && !this.#waiting) {
      if (this.#closed) {
        const error = new Error(`Cannot use the embedded store ${this.displayUrl}: it is closed`);
        for (const item of this.#queue.splice(0)) item.reject(error);
        return;
      }
      const first = this.#queue[0]!;
      if (!first.single && hasBlocking(first.batch)) {
        this.#queue.shift();
        this.#runLongPipeline(first);
        continue;
      }
      if (first.batch.length > GROUP_LIMIT) {
        // A large pipeline is still one transaction, all or nothing, on its own.
        this.#queue.shift();
        this.#commitGroup([first]);
        continue;
      }
      const group: Queued[] = [];
      let size = 0;
      for (const item of this.#queue) {
        if (group.length > 0 && size + item.batch.length > GROUP_LIMIT) break;
        if (!item.single && hasBlocking(item.batch)) break;
        group.push(item);
        size += item.batch.length;
      }
      this.#queue.splice(0, group.length);
      this.#commitGroup(group);
    }
  }

  /** Runs a group's commands in one transaction and answers each caller after COMMIT. */
  #commitGroup(group: Queued[]): void {
    const commands = group.length === 1 ? group[0]!.batch : group.flatMap((item) => item.batch);
    let results: (RedisReply | Error)[];
    try {
      results = commands.length === 0
        ? []
        : this.#executor.executeChunk(commands, 0, commands.length).results;
    } catch (error) {
      // An SQLite failure rolled the whole group back: each of its commands fails with it.
      const named = this.#named(error);
      for (const item of group) item.reject(named);
      return;
    }
    let at = 0;
    for (const item of group) {
      const replies = results.slice(at, at + item.batch.length);
      at += item.batch.length;
      if (!item.single) item.resolve(replies);
      else if (replies[0] instanceof Error) item.reject(replies[0]);
      else item.resolve(replies[0]!);
    }
  }

  /** A pipeline with a blocking read: committed up to each blocking read, in order. */
  #runLongPipeline(item: Queued): void {
    this.#waiting = true;
    this.#runInParts(item.batch).then(
      item.resolve,
      (error) => item.reject(this.#named(error)),
    ).finally(() => {
      this.#waiting = false;
      this.#drain();
    });
  }

  async #runInParts(batch: readonly (readonly string[])[]): Promise<(RedisReply | Error)[]> {
    const results: (RedisReply | Error)[] = [];
    let start = 0;
    while (start < batch.length) {
      this.#checkOpen();
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
      return this.#wait(outcome.block, options.signal, version).catch((error) => {
        throw this.#named(error);
      });
    } catch (error) {
      return Promise.reject(this.#named(error));
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
    // Commands given before close() are still committed, as Redis runs those before QUIT.
    if (!this.#closed && !this.#waiting) this.#drain();
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
 * Opens the embedded backend on a SQLite file (created when missing, in an
 * existing directory or a missing `.rstream/`, which is created) or on
 * `":memory:"`. It answers Redis 7.0 stream
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
 * @throws {StoreFileError} when the file cannot be used: another
 *   application's database, not a database, a newer schema, a missing
 *   directory, not permitted, read-only
 * @throws {StoreLockedError} when another process holds the write lock past the busy timeout
 */
export function openEmbeddedConnection(
  path: string,
  options: EmbeddedConnectionOptions = {},
): CommandConnection {
  return new EmbeddedConnection(path, options);
}
