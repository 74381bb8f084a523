/**
 * rstream: Redis Streams pub/sub for Deno — a typed store over Redis or an
 * embedded SQLite store, and an at-least-once consumer worker.
 *
 * A topic is a stream; producers {@linkcode StreamStore.add} entries; consumer
 * groups share the work; entries are acked after they were processed; what
 * failed stays pending (the dead-letter of the article) and is reclaimed and
 * retried; streams are trimmed by length or age.
 *
 * @example Publish a reading and consume it through a group
 * ```ts
 * import { consume, openStore } from "@rstream/rstream";
 *
 * await using store = await openStore("memory:"); // or "redis://127.0.0.1:6379"
 * await store.createGroup("app:event", "workers", { start: "0", mkStream: true });
 * await store.add("app:event", { sensor_id: "sensor2", temp: "0.42", humidity: "0.61" });
 *
 * await consume((delivery) => {
 *   console.log(`processing ${delivery.id}`, delivery.fields);
 * }, { store, stream: "app:event", group: "workers", consumer: "c1", maxHandled: 1 });
 * ```
 *
 * @module
 */

export * from "./lib/stream_id.ts";
export * from "./lib/connection.ts";

export {
  AuthenticationError,
  BusyGroupError,
  ConnectionError,
  errorLine,
  errorText,
  InvalidStreamIdError,
  NoGroupError,
  NoPermissionError,
  ReplyError,
  StreamError,
  StreamIdTooSmallError,
  toStreamError,
  UsageError,
  WrongTypeError,
} from "./lib/errors.ts";
export type { ErrorContext, ErrorLineOptions, StreamErrorOptions } from "./lib/errors.ts";
export { abortableSleep, Backoff } from "./lib/backoff.ts";
export type { BackoffOptions } from "./lib/backoff.ts";
export * from "./lib/store.ts";
export {
  trimArgs,
  xaddArgs,
  xautoclaimArgs,
  xclaimArgs,
  xpendingArgs,
  xrangeArgs,
  xreadArgs,
  xreadgroupArgs,
} from "./lib/commands/args.ts";
export * from "./lib/commands/replies.ts";
export { CommandStore } from "./lib/command_store.ts";
export { checkRedisUrl } from "./lib/redis/url.ts";
export { connectRedis } from "./lib/connect_redis.ts"; // loads lib/redis/ when called
export { openEmbeddedConnection } from "./lib/embedded/connection.ts";
export type { EmbeddedConnectionOptions } from "./lib/embedded/connection.ts";
export type { RedisConnectionOptions, TlsOptions } from "./lib/redis/connection.ts";
export { DEFAULT_DB_PATH, openStore, resolveStoreUrl } from "./lib/open_store.ts";
export type { OpenStoreOptions } from "./lib/open_store.ts";
export { redactUrl } from "./lib/redact_url.ts";
export * from "./lib/readers/tail.ts";
export * from "./lib/readers/checkpoint_reader.ts";
export * from "./lib/worker/consume.ts";
export * from "./lib/worker/deliveries.ts";
export * from "./lib/worker/idle_consumers.ts";
export * from "./lib/worker/dead_letter.ts";
export * from "./lib/worker/fan_out.ts";
export * from "./lib/json_codec.ts";
export * from "./lib/spool/spool.ts";
export * from "./lib/spool/forwarder.ts";
