/**
 * rstream: Redis Streams pub/sub for Deno — a typed store over Redis or an
 * embedded SQLite store, and an at-least-once consumer worker.
 *
 * A topic is a stream; producers {@linkcode StreamStore.add} entries; consumer
 * groups share the work; entries are acked after they were processed; what
 * failed stays pending (the dead-letter of the article) and is reclaimed and
 * retried; streams are trimmed by length or age.
 *
 * This module loads neither the Redis connection nor `node:sqlite`:
 * {@linkcode openStore} loads the backend a URL names when it opens it. The
 * layers are also entry points of their own: `@rstream/rstream/commands`,
 * `/redis`, `/embedded`, `/worker`, `/spool`, `/readers` and `/cli`.
 *
 * @example Publish a reading and consume it through a group
 * ```ts
 * import { consume, openStore } from "@rstream/rstream";
 * import assert from "node:assert/strict";
 *
 * await using store = await openStore("memory:"); // or "redis://127.0.0.1:6379"
 * await store.createGroup("app:event", "workers", { start: "0", mkStream: true });
 * await store.add("app:event", { sensor_id: "sensor2", temp: "0.42", humidity: "0.61" });
 *
 * const seen: string[] = [];
 * await consume((delivery) => {
 *   seen.push(delivery.fields.sensor_id!);
 * }, { store, stream: "app:event", group: "workers", consumer: "c1", maxHandled: 1 });
 * assert.deepEqual(seen, ["sensor2"]);
 * assert.equal((await store.pendingSummary("app:event", "workers")).count, 0);
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
  EnvPermissionError,
  errorLine,
  errorText,
  InvalidStreamIdError,
  NoGroupError,
  NoPermissionError,
  NotEnoughReplicasError,
  ReplyError,
  StoreFileError,
  StoreLockedError,
  StreamError,
  StreamIdTooSmallError,
  toStreamError,
  UsageError,
  WrongTypeError,
} from "./lib/errors.ts";
export type {
  ErrorContext,
  ErrorLineOptions,
  StoreFileErrorOptions,
  StoreFileProblem,
  StreamErrorOptions,
} from "./lib/errors.ts";
export { checkGroupStart, checkIds, checkInteger, checkName } from "./lib/checks.ts";
export { abortableSleep, Backoff } from "./lib/backoff.ts";
export type { BackoffOptions } from "./lib/backoff.ts";
export { StallDetector } from "./lib/stall.ts";
export type { StallDetectorOptions, StalledCall } from "./lib/stall.ts";
export { CommandStore } from "./lib/store.ts";
export { addOnce, producerId } from "./lib/add_once.ts";
export type { AddOnceOptions, AddOnceResult } from "./lib/add_once.ts";
export type * from "./lib/store.ts";
export {
  DEFAULT_DB_PATH,
  openStore,
  readEnv,
  readStoreEnv,
  resolveStoreUrl,
  STORE_ENV_VARIABLES,
} from "./lib/open_store.ts";
export type { OpenStoreOptions } from "./lib/open_store.ts";
export type { RedisConnectionOptions, TlsOptions } from "./lib/redis/mod.ts";
export { redactUrl } from "./lib/redact_url.ts";
export * from "./lib/json_codec.ts";
export * from "./lib/readers/mod.ts";
export * from "./lib/worker/mod.ts";
export {
  consumeTopic,
  openTopic,
  PartitionCountError,
  partitionOf,
  partitionsKey,
  partitionStream,
} from "./lib/topics/topic.ts";
export type {
  ConsumeTopicOptions,
  OpenTopicOptions,
  PartitionInfo,
  Published,
  PublishOptions,
  Topic,
} from "./lib/topics/topic.ts";
export * from "./lib/spool/mod.ts";
