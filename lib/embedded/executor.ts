/**
 * Runs embedded commands in SQLite transactions: a group of commands (those a
 * connection was given in one tick, a pipeline among them) in one
 * transaction of up to {@linkcode GROUP_LIMIT} commands, each command still
 * with its own reply or error, as in a Redis pipeline.
 *
 * A command that fails with an error reply changes nothing: handlers check
 * all arguments before writing, as Redis does. Any other failure (an SQLite
 * error) rolls the whole transaction back and is thrown.
 *
 * @module
 */

import { ReplyError } from "../errors.ts";
import type { RedisReply } from "../connection.ts";
import { lookupCommand } from "./command_table.ts";
import type { HandlerSpec, Outcome } from "./handler.ts";
import type { HandlerContext } from "./handler_context.ts";
import { type ReadRequest, serveRead } from "./reads.ts";

/**
 * Most commands of several callers committed together in one transaction
 * (group commit), and the part size of a pipeline that has a blocking read.
 * A pipeline without a blocking read is one transaction whatever its size:
 * all or nothing (a crash or kill leaves all of it or none).
 */
export const GROUP_LIMIT = 10_000;

/** The result of running part of a pipeline. */
export interface ChunkResult {
  /** Replies or errors of `batch[start .. next)`. */
  results: (RedisReply | Error)[];
  /** Index of the first command not run yet. */
  next: number;
  /** When the last command run must wait (XREAD/XREADGROUP BLOCK). */
  block?: ReadRequest;
}

/** Runs commands on one database connection. */
export class Executor {
  readonly ctx: HandlerContext;
  readonly #onWrite: () => void;

  /** `onWrite` is called after a transaction that changed data commits. */
  constructor(ctx: HandlerContext, onWrite: () => void) {
    this.ctx = ctx;
    this.#onWrite = onWrite;
  }

  /** Runs `body` in a transaction (immediate when `write`), committing on return. */
  transaction<T>(write: boolean, body: () => T): T {
    const ctx = this.ctx;
    ctx.q(write ? "BEGIN IMMEDIATE" : "BEGIN").run();
    ctx.wrote = false;
    let result: T;
    try {
      result = body();
    } catch (error) {
      ctx.discard();
      ctx.q("ROLLBACK").run();
      ctx.wrote = false;
      throw error;
    }
    try {
      ctx.flush();
    } catch (error) {
      ctx.discard();
      ctx.q("ROLLBACK").run();
      throw error;
    }
    ctx.q("COMMIT").run();
    if (ctx.wrote) {
      ctx.wrote = false;
      this.#onWrite();
    }
    return result;
  }

  /**
   * Runs one command in its own transaction.
   *
   * @throws {ReplyError} the command's error reply
   */
  execute(args: readonly string[]): Outcome {
    const spec = lookupCommand(args);
    return this.transaction(spec.write, () => {
      this.ctx.tick();
      try {
        return spec.run(this.ctx, args);
      } catch (error) {
        if (error instanceof ReplyError) this.ctx.wrote = false;
        throw error;
      }
    });
  }

  /**
   * Runs `batch` from `start` in one transaction, up to `limit` commands
   * (default {@linkcode GROUP_LIMIT}) or up to and including the first command
   * that must block.
   */
  executeChunk(
    batch: readonly (readonly string[])[],
    start: number,
    limit: number = GROUP_LIMIT,
  ): ChunkResult {
    const end = Math.min(batch.length, start + limit);
    const specs: (HandlerSpec | ReplyError)[] = [];
    let write = false;
    for (let i = start; i < end; i++) {
      try {
        const spec = lookupCommand(batch[i]);
        write ||= spec.write;
        specs.push(spec);
      } catch (error) {
        if (!(error instanceof ReplyError)) throw error;
        specs.push(error);
      }
    }
    return this.transaction(write, () => {
      const results: (RedisReply | Error)[] = [];
      for (let i = start; i < end; i++) {
        const spec = specs[i - start];
        if (spec instanceof ReplyError) {
          results.push(spec);
          continue;
        }
        this.ctx.tick();
        const wrote = this.ctx.wrote;
        let outcome: Outcome;
        try {
          outcome = spec.run(this.ctx, batch[i]);
        } catch (error) {
          if (!(error instanceof ReplyError)) throw error;
          this.ctx.wrote = wrote;
          results.push(error);
          continue;
        }
        if ("block" in outcome) return { results, next: i + 1, block: outcome.block };
        results.push(outcome.reply);
      }
      return { results, next: end };
    });
  }

  /** Tries a waiting read again; null while there is still nothing to serve. */
  retryRead(request: ReadRequest): RedisReply {
    return this.transaction(request.group !== undefined, () => {
      this.ctx.tick();
      return serveRead(this.ctx, request, true);
    });
  }
}
