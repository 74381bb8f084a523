/**
 * {@linkcode connectRedis} for the root module: it loads the Redis backend
 * (lib/redis/) only when called, so that importing `@rstream/rstream` for
 * the embedded store, the worker or the codecs loads no Redis code.
 *
 * @module
 */

import type { CommandConnection } from "./connection.ts";
import type { RedisConnectionOptions } from "./redis/connection.ts";

/**
 * Connects to Redis. The first connection must succeed (else a named error
 * says why, in one line); later drops reconnect by themselves with backoff,
 * and commands issued meanwhile wait for the connection (at most
 * `commandTimeoutMs`). See docs/redis-connection.md.
 *
 * @example Connect and ping
 * ```ts ignore
 * import { connectRedis } from "@rstream/rstream";
 * import assert from "node:assert/strict";
 * await using connection = await connectRedis("redis://127.0.0.1:6379");
 * assert.equal(await connection.send(["PING"]), "PONG");
 * ```
 *
 * @throws {TypeError} for a malformed URL.
 * @throws {ConnectionError} when the server cannot be reached.
 * @throws {AuthenticationError} for a wrong user or password.
 */
export async function connectRedis(
  url: string,
  options: RedisConnectionOptions = {},
): Promise<CommandConnection> {
  const redis = await import("./redis/connection.ts");
  return await redis.connectRedis(url, options);
}
