/**
 * The Redis backend: a {@linkcode CommandConnection} to a Redis server
 * (`redis://`, `rediss://`), and Redis URL checks. {@linkcode openStore}
 * loads this module only when it opens a Redis store.
 *
 * @example Check a URL before connecting
 * ```ts
 * import { checkRedisUrl } from "@rstream/rstream/redis";
 * import assert from "node:assert/strict";
 * assert.equal(checkRedisUrl("rediss://db.example:6380/1").protocol, "rediss:");
 * ```
 *
 * @module
 */

export { connectRedis } from "./connection.ts";
export type { RedisConnectionOptions, TlsOptions } from "./connection.ts";
export type { Backend, CommandConnection, RedisReply } from "../connection.ts";
export { checkRedisUrl } from "./url.ts";
export { parseSentinelUrl } from "./sentinel.ts";
export type { SentinelUrl } from "./sentinel.ts";
