/**
 * Opening a store from a URL: Redis (`redis://`, `rediss://`) or the embedded
 * store (`file:PATH`, `memory:`), chosen explicitly or from the environment.
 *
 * @module
 */

import { CommandStore } from "./store.ts";
import type { StreamStore } from "./store.ts";
import type { RedisConnectionOptions } from "./redis/connection.ts";
import { redactUrl } from "./redact_url.ts";
import { EnvPermissionError } from "./errors.ts";

/**
 * Where the embedded store lives when nothing else is said.
 *
 * @example Without a URL or environment, the store is this file
 * ```ts
 * import { DEFAULT_DB_PATH, resolveStoreUrl } from "@rstream/rstream";
 * import assert from "node:assert/strict";
 * assert.equal(DEFAULT_DB_PATH, "./.rstream/streams.db");
 * assert.equal(resolveStoreUrl(undefined, () => undefined), `file:${DEFAULT_DB_PATH}`);
 * ```
 */
export const DEFAULT_DB_PATH = "./.rstream/streams.db";

/**
 * The environment variables the store opener reads: the flag
 * `--allow-env=REDIS_URL,RSTREAM_DB,RSTREAM_TLS_CA` grants them.
 *
 * @example The variables, in the order they are consulted
 * ```ts
 * import { STORE_ENV_VARIABLES } from "@rstream/rstream";
 * import assert from "node:assert/strict";
 * assert.deepEqual(STORE_ENV_VARIABLES, ["REDIS_URL", "RSTREAM_DB", "RSTREAM_TLS_CA"]);
 * ```
 */
export const STORE_ENV_VARIABLES: readonly string[] = ["REDIS_URL", "RSTREAM_DB", "RSTREAM_TLS_CA"];

/** Options of {@linkcode openStore}. */
export interface OpenStoreOptions extends RedisConnectionOptions {
  /** Environment lookup (default {@linkcode readStoreEnv}: throws where not permitted). */
  env?: (name: string) => string | undefined;
}

/**
 * Reads an environment variable, `undefined` when unset or not permitted.
 *
 * @example An unset variable reads as undefined, not an error
 * ```ts
 * import { readEnv } from "@rstream/rstream";
 * import assert from "node:assert/strict";
 * assert.equal(readEnv("RSTREAM_SURELY_UNSET_VARIABLE"), undefined);
 * ```
 */
export function readEnv(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined;
  }
}

/**
 * Reads one of the store's environment variables, `undefined` when unset.
 * Unlike {@linkcode readEnv}, a missing `--allow-env` permission is an error:
 * guessing "unset" would silently pick another store (the embedded file
 * instead of the Redis that `REDIS_URL` names).
 *
 * @example An unset variable reads as undefined; a forbidden one throws
 * ```ts
 * import { EnvPermissionError, readStoreEnv } from "@rstream/rstream";
 * import assert from "node:assert/strict";
 * const status = await Deno.permissions.query({ name: "env", variable: "RSTREAM_DB" });
 * if (status.state === "granted") assert.equal(typeof (readStoreEnv("RSTREAM_DB") ?? ""), "string");
 * else assert.throws(() => readStoreEnv("RSTREAM_DB"), EnvPermissionError);
 * ```
 *
 * @throws {EnvPermissionError} naming the variable and the `--allow-env` flag that grants it.
 */
export function readStoreEnv(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch (error) {
    if (error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied) {
      throw new EnvPermissionError(name, STORE_ENV_VARIABLES, { cause: error });
    }
    throw error;
  }
}

/**
 * Which store a URL (or, without one, the environment) selects:
 * the URL if given, else `REDIS_URL`, else `file:` + `RSTREAM_DB`, else
 * `file:./.rstream/streams.db`.
 *
 * @example The default is the embedded store
 * ```ts
 * import { resolveStoreUrl } from "@rstream/rstream";
 * import assert from "node:assert/strict";
 * assert.equal(resolveStoreUrl(undefined, () => undefined), "file:./.rstream/streams.db");
 * assert.equal(resolveStoreUrl("memory:"), "memory:");
 * ```
 */
export function resolveStoreUrl(
  url?: string,
  env: (name: string) => string | undefined = readStoreEnv,
): string {
  if (url !== undefined && url !== "") return url;
  const redisUrl = env("REDIS_URL");
  if (redisUrl) return redisUrl;
  const db = env("RSTREAM_DB");
  return `file:${db || DEFAULT_DB_PATH}`;
}

/**
 * Opens a store. Without a URL it uses `REDIS_URL`, then `RSTREAM_DB`, then
 * the embedded store in `./.rstream/streams.db`. Accepted URLs:
 * `redis://[user:password@]host[:port][/db]`, `rediss://…` (TLS; CA from
 * `options.tls.ca` or the file named by `RSTREAM_TLS_CA`), any node of a Redis Cluster,
 * `redis+sentinel://host:port[,host:port…]/MASTER_NAME[?db=N]` (the master a
 * Sentinel names, followed through failovers), `file:PATH` and
 * `memory:` (embedded). Reading the environment needs
 * `--allow-env=REDIS_URL,RSTREAM_DB,RSTREAM_TLS_CA`; without it, a URL left
 * out fails with an {@linkcode EnvPermissionError} rather than guessing.
 *
 * @example Publish and read back on the in-memory embedded store
 * ```ts
 * import { openStore } from "@rstream/rstream";
 * import assert from "node:assert/strict";
 * await using store = await openStore("memory:");
 * const id = await store.add("app:event", { sensor_id: "sensor2", temp: "0.42" });
 * const [entry] = await store.range("app:event");
 * assert.ok(entry.id === id && entry.fields.sensor_id === "sensor2");
 * ```
 *
 * @throws {EnvPermissionError} when a variable it must consult may not be read.
 * @throws {TypeError} for an unsupported or malformed URL (printed redacted).
 * @throws {ConnectionError} when Redis cannot be reached.
 * @throws {AuthenticationError} for a wrong user or password.
 */
export async function openStore(
  url?: string,
  options: OpenStoreOptions = {},
): Promise<StreamStore> {
  const env = options.env ?? readStoreEnv;
  const resolved = resolveStoreUrl(url, env);
  if (
    resolved.startsWith("redis://") || resolved.startsWith("rediss://") ||
    resolved.startsWith("redis+sentinel://")
  ) {
    const caFile = resolved.startsWith("rediss://") && !options.tls?.ca
      ? env("RSTREAM_TLS_CA")
      : undefined;
    const tls = caFile ? { ...options.tls, ca: await Deno.readTextFile(caFile) } : options.tls;
    const { connectRedis } = await import("./redis/connection.ts"); // loaded only when used: it is the heaviest import
    return new CommandStore(await connectRedis(resolved, { ...options, ...(tls ? { tls } : {}) }));
  }
  if (resolved === "memory:" || resolved.startsWith("file:")) {
    const { openEmbeddedConnection } = await import("./embedded/connection.ts");
    const path = resolved === "memory:"
      ? ":memory:"
      : resolved.slice("file:".length).replace(/^\/\/(?=\/)/, "");
    if (path === "") {
      throw new TypeError(
        `Invalid store URL '${resolved}': file: needs a path, as in file:./streams.db`,
      );
    }
    return new CommandStore(await openEmbeddedConnection(path, { displayUrl: resolved }));
  }
  throw new TypeError(
    `Unsupported store URL '${
      redactUrl(resolved)
    }': use redis://host:port, rediss://host:port, file:PATH or memory:`,
  );
}
