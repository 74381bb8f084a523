/**
 * One parameterized suite for both backends: `backendTest(name, fn)` registers
 * the test once per backend, each with a fresh store (a private redis-server,
 * or an in-memory embedded store). Also the waiting helpers the suites share,
 * and {@linkcode untilHandled}: the time bound for every run that ends at
 * `maxHandled`.
 *
 * @module
 */

import assert from "node:assert/strict";
import { openStore } from "../lib/open_store.ts";
import type { StreamStore } from "../lib/store.ts";
import { ignoreRedis, startRedis } from "./_redis_server.ts";

/** The backends every shared behaviour runs on. */
export const BACKENDS = ["redis", "embedded"] as const;

/** A backend's name. */
export type BackendName = typeof BACKENDS[number];

/** What a backend test gets besides its store. */
export interface BackendContext {
  /** Which backend. */
  backend: BackendName;
  /** A URL another connection or process can open to reach the same data. */
  url: string;
}

/**
 * Registers `name [redis]` and `name [embedded]`, each running `fn` with a
 * fresh store that is closed (and its server stopped) afterwards.
 */
export function backendTest(
  name: string,
  fn: (store: StreamStore, context: BackendContext) => Promise<void>,
): void {
  for (const backend of BACKENDS) {
    Deno.test({
      name: `${name} [${backend}]`,
      ignore: backend === "redis" && ignoreRedis,
      sanitizeResources: false,
      sanitizeOps: false,
      async fn() {
        if (backend === "redis") {
          await using redis = await startRedis();
          await using store = await openStore(redis.url);
          await fn(store, { backend, url: redis.url });
        } else {
          const dir = await Deno.makeTempDir({ prefix: "rstream-embedded-" });
          const url = `file:${dir}/streams.db`;
          try {
            await using store = await openStore(url);
            await fn(store, { backend, url });
          } finally {
            await Deno.remove(dir, { recursive: true });
          }
        }
      },
    });
  }
}

/** Resolves after `ms` milliseconds. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` until it returns true, failing after `timeoutMs`. */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  options: { timeoutMs?: number; what?: string } = {},
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 5000);
  while (!(await check())) {
    if (Date.now() > deadline) {
      throw new Error(`Timed out waiting for ${options.what ?? "condition"}`);
    }
    await delay(10);
  }
}

/** How long a test that ends at `maxHandled` may run before it is stopped and fails. */
export const BOUND_MS = 10_000;

/** A run that stops after `maxHandled` deliveries, or is aborted after {@linkcode BOUND_MS}. */
export interface Bound {
  /** Passed on as the run's `maxHandled`. */
  maxHandled: number;
  /** Passed on as the run's `signal`: aborts after {@linkcode BOUND_MS}. */
  signal: AbortSignal;
}

/**
 * Stop after `n` deliveries, or after {@linkcode BOUND_MS}: a count the worker
 * never reaches (or never stops at) then fails {@linkcode assertHandled}
 * within seconds instead of hanging the test.
 */
export function untilHandled(n: number): Bound {
  return { maxHandled: n, signal: AbortSignal.timeout(BOUND_MS) };
}

/** Fails, naming the count, unless the run stopped because it handled exactly `maxHandled`. */
export function assertHandled(stats: { handled: number }, bound: Bound): void {
  assert.ok(
    !bound.signal.aborted,
    `still running after ${BOUND_MS} ms: maxHandled ${bound.maxHandled} not reached or not obeyed (handled ${stats.handled})`,
  );
  assert.equal(
    stats.handled,
    bound.maxHandled,
    `stopped after handling ${stats.handled}, not maxHandled ${bound.maxHandled}`,
  );
}
