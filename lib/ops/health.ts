/**
 * Liveness and readiness as the ops server answers them: `/healthz` is 200
 * while no problem is recorded and 503 with the oldest problem's one-line
 * reason otherwise; `/readyz` is 200 once the program said it is ready.
 *
 * @module
 */

import { AuthenticationError, ConnectionError, errorText } from "../errors.ts";

/**
 * The `connection` problem an error is, or undefined: the server cannot be
 * reached (a ConnectionError), or it refuses the credentials (an
 * AuthenticationError, such as a password changed under a running program).
 * Both clear once a command is answered again.
 *
 * @example A refused password is a connection problem; a reply error is not
 * ```ts
 * import { connectionProblem } from "./health.ts";
 * import { AuthenticationError, ReplyError } from "../errors.ts";
 * import assert from "node:assert/strict";
 * assert.equal(connectionProblem(new AuthenticationError("the password was refused")), "the password was refused");
 * assert.equal(connectionProblem(new ReplyError("ERR no")), undefined);
 * ```
 */
export function connectionProblem(error: unknown): string | undefined {
  return error instanceof ConnectionError || error instanceof AuthenticationError
    ? errorText(error)
    : undefined;
}

/** What {@linkcode HealthState.health} and {@linkcode HealthState.readiness} say. */
export interface HealthStatus {
  /** Whether it is healthy (or ready). */
  ok: boolean;
  /** One line: `ok`, `ready`, or why not. */
  reason: string;
}

/**
 * Problems by source (`stall`, `connection`, …), each with a one-line reason,
 * and whether the program is ready. A source's problem is replaced when it is
 * set again and removed by {@linkcode HealthState.clear}.
 *
 * @example A stall makes it unhealthy until it clears
 * ```ts
 * import { HealthState } from "@rstream/rstream/ops";
 * import assert from "node:assert/strict";
 * const health = new HealthState();
 * assert.deepEqual(health.readiness(), { ok: false, reason: "not ready: starting" });
 * health.ready();
 * health.set("stall", "XREADGROUP has not returned for 1500 ms");
 * assert.deepEqual(health.health(), {
 *   ok: false,
 *   reason: "unhealthy: XREADGROUP has not returned for 1500 ms",
 * });
 * health.clear("stall");
 * assert.deepEqual(health.health(), { ok: true, reason: "ok" });
 * assert.deepEqual(health.readiness(), { ok: true, reason: "ready" });
 * ```
 */
export class HealthState {
  readonly #problems = new Map<string, string>();
  #ready = false;
  #notReady = "starting";

  /** Records (or replaces) the problem of `source`. */
  set(source: string, reason: string): void {
    this.#problems.delete(source); // re-set: it becomes the newest
    this.#problems.set(source, reason.replace(/\s*\n\s*/g, " "));
  }

  /** Removes the problem of `source`, if any. */
  clear(source: string): void {
    this.#problems.delete(source);
  }

  /** Whether `source` has a problem now. */
  has(source: string): boolean {
    return this.#problems.has(source);
  }

  /** Marks the program ready. */
  ready(): void {
    this.#ready = true;
  }

  /** Says why it is not ready yet (until {@linkcode HealthState.ready}). */
  waitingFor(reason: string): void {
    this.#notReady = reason;
  }

  /** Whether it is ready. */
  get isReady(): boolean {
    return this.#ready;
  }

  /** Whether no problem is recorded. */
  get isHealthy(): boolean {
    return this.#problems.size === 0;
  }

  /** `ok`, or the oldest problem's reason. */
  health(): HealthStatus {
    const first = this.#problems.values().next();
    return first.done
      ? { ok: true, reason: "ok" }
      : { ok: false, reason: `unhealthy: ${first.value}` };
  }

  /** `ready`, or why not yet. */
  readiness(): HealthStatus {
    return this.#ready
      ? { ok: true, reason: "ready" }
      : { ok: false, reason: `not ready: ${this.#notReady}` };
  }
}
