/**
 * The consumer worker's stall watchdog, over the 3-method connection: every
 * command the worker sends is timed, `unhealthy` is reported when one has run
 * past its budget (`stallMs`, plus the BLOCK time of a blocking read) and
 * `healthy` when a command succeeds again.
 *
 * @module
 */

import { blockMsOf, type CommandConnection, type RedisReply } from "../connection.ts";
import { StallDetector } from "../stall.ts";
import type { HealthEvent } from "./options.ts";

/**
 * Watches the commands sent through {@linkcode StallWatchdog.connection}, a
 * view of the connection it was given (closing the view does not close it).
 *
 * @example Commands that answer in time pass through and report nothing
 * ```ts
 * import { openEmbeddedConnection } from "@rstream/rstream/embedded";
 * import { type HealthEvent, StallWatchdog } from "@rstream/rstream/worker";
 * import assert from "node:assert/strict";
 * await using connection = openEmbeddedConnection(":memory:");
 * const events: HealthEvent[] = [];
 * using watchdog = new StallWatchdog(connection, {
 *   stallMs: 1000,
 *   onChange: (event) => events.push(event),
 * });
 * await watchdog.connection.send(["XADD", "app:event", "*", "temp", "0.42"]);
 * assert.equal(await watchdog.connection.send(["XLEN", "app:event"]), 1);
 * const read = ["XREAD", "BLOCK", "10", "STREAMS", "app:event", "$"];
 * assert.equal(await watchdog.connection.sendBlocking(read, {}), null);
 * await watchdog.connection.close();
 * assert.equal(await connection.send(["XLEN", "app:event"]), 1);
 * assert.deepEqual(events, []);
 * ```
 */
export class StallWatchdog implements Disposable {
  /** The watched view of the connection: send the worker's commands here. */
  readonly connection: CommandConnection;
  readonly #detector: StallDetector;
  #unhealthySince: number | undefined;

  /** Watches `connection` with a budget of `stallMs` per command. */
  constructor(
    connection: CommandConnection,
    options: { stallMs: number; onChange: (event: HealthEvent) => void },
  ) {
    const { stallMs, onChange } = options;
    this.#detector = new StallDetector({
      onStall: ({ operation, waitedMs, budgetMs }) => {
        if (this.#unhealthySince !== undefined) return;
        this.#unhealthySince = performance.now() - waitedMs + budgetMs;
        onChange({ type: "unhealthy", operation, waitedMs });
      },
    });
    const watch = <T>(operation: string, budgetMs: number, call: Promise<T>): Promise<T> =>
      this.#detector.track(operation, budgetMs, call).then((value) => {
        if (this.#unhealthySince !== undefined) {
          const unhealthyMs = Math.round(performance.now() - this.#unhealthySince);
          this.#unhealthySince = undefined;
          onChange({ type: "healthy", unhealthyMs });
        }
        return value;
      });
    this.connection = {
      backend: connection.backend,
      displayUrl: connection.displayUrl,
      send: (args) => watch(args[0] ?? "", stallMs, connection.send(args)),
      pipeline: (batch) => watch(batch[0]?.[0] ?? "", stallMs, connection.pipeline(batch)),
      sendBlocking: (args, blockOptions): Promise<RedisReply> => {
        const blockMs = blockMsOf(args);
        // BLOCK 0 waits forever by design: it never stalls.
        const budgetMs = blockMs === 0 ? Infinity : (blockMs ?? 0) + stallMs;
        return watch(args[0] ?? "", budgetMs, connection.sendBlocking(args, blockOptions));
      },
      close: () => Promise.resolve(),
      [Symbol.asyncDispose]: () => Promise.resolve(),
    };
  }

  /** Stops watching. */
  [Symbol.dispose](): void {
    this.#detector[Symbol.dispose]();
  }
}
