/**
 * Partitioned topics: a topic `T` with `N` partitions is the streams
 * `T#0` … `T#(N-1)`, on any backend (one Redis, a Redis Cluster, the embedded
 * store). Entries are published by a stable hash of a partition key (the same
 * key, the same partition: its order holds) or round robin; a group consumes
 * every partition. `N` is recorded in the string key `T#partitions`, and
 * changing it is refused unless forced, since it moves keys to other
 * partitions. See docs/cluster.md#when-to-partition.
 *
 * @module
 */

import { checkName } from "../checks.ts";
import { StreamError } from "../errors.ts";
import type { StreamStore } from "../store.ts";
import type { AddOptions, Fields, GroupInfo } from "../types.ts";
import { consume } from "../worker/consume.ts";
import type { ConsumeOptions, ConsumeStats, Delivery } from "../worker/options.ts";

/**
 * The name of partition `index` of `topic`: `topic#index`.
 *
 * @example Partition 2 of app:event
 * ```ts
 * import { partitionStream } from "@rstream/rstream";
 * import assert from "node:assert/strict";
 * assert.equal(partitionStream("app:event", 2), "app:event#2");
 * ```
 */
export function partitionStream(topic: string, index: number): string {
  return `${topic}#${index}`;
}

const encoder = new TextEncoder();

/**
 * The partition of a key among `partitions`: FNV-1a (32 bit) of its UTF-8
 * bytes, modulo the count. Stable across processes, versions and backends.
 *
 * @example The same key always lands on the same partition
 * ```ts
 * import { partitionOf } from "@rstream/rstream";
 * import assert from "node:assert/strict";
 * assert.equal(partitionOf("sensor2", 4), partitionOf("sensor2", 4));
 * assert.ok(partitionOf("sensor2", 4) >= 0 && partitionOf("sensor2", 4) < 4);
 * assert.equal(partitionOf("anything", 1), 0);
 * ```
 */
export function partitionOf(key: string, partitions: number): number {
  let hash = 0x811c9dc5;
  for (const byte of encoder.encode(key)) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  return hash % partitions;
}

/**
 * A topic's partition count differs from the one asked for.
 *
 * @example The error says both counts
 * ```ts
 * import { PartitionCountError, StreamError } from "@rstream/rstream";
 * import assert from "node:assert/strict";
 * const error = new PartitionCountError("app:event", 3, 4);
 * assert.ok(error instanceof StreamError);
 * assert.match(error.message, /has 3 partitions, not 4/);
 * ```
 */
export class PartitionCountError extends StreamError {
  /** The error's name, for `instanceof`-free checks. */
  override name = "PartitionCountError";
  /** The count recorded for the topic. */
  readonly recorded: number;
  /** The count asked for. */
  readonly asked: number;
  /** Creates the error. */
  constructor(topic: string, recorded: number, asked: number) {
    super(
      `Topic '${topic}' has ${recorded} partitions, not ${asked}: changing the count sends keys to other partitions, so a key's entries before and after the change are no longer in one order; use ${recorded}, or force the change (force: true, --force-partitions) once producers and consumers are stopped`,
      { stream: topic },
    );
    this.recorded = recorded;
    this.asked = asked;
  }
}

/** Options of {@linkcode openTopic}. */
export interface OpenTopicOptions {
  /** The partition count (≥ 1). */
  partitions: number;
  /** Record `partitions` even when the topic has another count (default `false`). */
  force?: boolean;
}

/** Options of {@linkcode Topic.publish}. */
export interface PublishOptions extends Omit<AddOptions, "id"> {
  /** The partition key (e.g. a `sensor_id`); without one, partitions take turns. */
  key?: string;
}

/** Where a published entry went. */
export interface Published {
  /** The partition's stream. */
  stream: string;
  /** The entry's ID. */
  id: string;
}

/** One partition's state, as the shell shows it. */
export interface PartitionInfo {
  /** The partition's stream. */
  stream: string;
  /** Entries in it. */
  length: number;
  /** Its groups (pending, lag). */
  groups: GroupInfo[];
}

/** A topic opened on a store: its name, its partitions and how to publish to them. */
export interface Topic {
  /** The topic's name. */
  readonly name: string;
  /** Its partition count. */
  readonly partitions: number;
  /** Its partitions' streams, in order. */
  readonly streams: readonly string[];
  /** Adds an entry to the key's partition (round robin without a key). */
  publish(fields: Fields, options?: PublishOptions): Promise<Published>;
  /** Each partition's length and groups. */
  info(): Promise<PartitionInfo[]>;
}

/**
 * The string key that records a topic's partition count.
 *
 * @example The count lives beside the partitions
 * ```ts
 * import { openStore, openTopic, partitionsKey } from "@rstream/rstream";
 * import assert from "node:assert/strict";
 * await using store = await openStore("memory:");
 * await openTopic(store, "app:event", { partitions: 3 });
 * assert.equal(await store.get(partitionsKey("app:event")), "3");
 * ```
 */
export function partitionsKey(topic: string): string {
  return `${topic}#partitions`;
}

/**
 * Opens a topic: records its partition count the first time, and refuses
 * another count later unless `force`.
 *
 * @example Publish by key, then read a partition
 * ```ts
 * import { openStore, openTopic, partitionOf } from "@rstream/rstream";
 * import assert from "node:assert/strict";
 * await using store = await openStore("memory:");
 * const topic = await openTopic(store, "app:event", { partitions: 3 });
 * const { stream } = await topic.publish({ sensor_id: "sensor2", temp: "0.42" }, { key: "sensor2" });
 * assert.equal(stream, `app:event#${partitionOf("sensor2", 3)}`);
 * assert.equal(await store.len(stream), 1);
 * await assert.rejects(openTopic(store, "app:event", { partitions: 4 }), /has 3 partitions, not 4/);
 * ```
 *
 * @throws {RangeError} for a partition count that is not a whole number ≥ 1.
 * @throws {PartitionCountError} when the topic has another count and `force` is not set.
 */
export async function openTopic(
  store: StreamStore,
  topic: string,
  options: OpenTopicOptions,
): Promise<Topic> {
  checkName(topic, "Topic name");
  const n = options?.partitions;
  if (!Number.isInteger(n) || n < 1) {
    throw new RangeError(`partitions must be a whole number >= 1, got ${n}`);
  }
  const recorded = await store.get(partitionsKey(topic));
  if (recorded !== null && Number(recorded) !== n && !options.force) {
    throw new PartitionCountError(topic, Number(recorded), n);
  }
  if (recorded === null || Number(recorded) !== n) await store.set(partitionsKey(topic), String(n));
  const streams = Array.from({ length: n }, (_, i) => partitionStream(topic, i));
  let turn = 0;
  return {
    name: topic,
    partitions: n,
    streams,
    async publish(fields, publishOptions = {}) {
      const { key, ...add } = publishOptions;
      const index = key === undefined ? turn++ % n : partitionOf(key, n);
      const stream = streams[index]!;
      const id = await store.add(stream, fields, add);
      return { stream, id: id! };
    },
    async info() {
      return await Promise.all(streams.map(async (stream) => ({
        stream,
        length: await store.len(stream),
        groups: await store.groups(stream).catch(() => []),
      })));
    },
  };
}

/** Options of {@linkcode consumeTopic}: those of `consume()`, with a topic instead of a stream. */
export interface ConsumeTopicOptions extends Omit<ConsumeOptions, "stream" | "deadLetterStream"> {
  /** The topic. */
  topic: string;
  /** Its partition count (checked against the recorded one, as {@linkcode openTopic} does). */
  partitions: number;
  /** Record `partitions` even when the topic has another count. */
  force?: boolean;
}

/**
 * Consumes every partition of a topic with one group (created on each
 * partition), one worker per partition: each reclaims and dead-letters
 * within its partition (`T#i:dead-letter`). Resolves when `signal` aborts, or
 * once `maxHandled` deliveries were handled over all partitions (entries
 * other partitions had already read are finished too), with the stats summed.
 *
 * @example Two partitions, one group
 * ```ts
 * import { consumeTopic, openStore, openTopic } from "@rstream/rstream";
 * import assert from "node:assert/strict";
 * await using store = await openStore("memory:");
 * const topic = await openTopic(store, "t", { partitions: 2 });
 * for (const key of ["a", "b", "c", "d"]) await topic.publish({ key }, { key });
 * const seen: string[] = [];
 * const stop = new AbortController();
 * const done = consumeTopic((d) => {
 *   seen.push(d.fields.key!);
 *   if (seen.length === 4) stop.abort();
 * }, { store, topic: "t", partitions: 2, group: "g", consumer: "c1", start: "0", blockMs: 50, signal: stop.signal });
 * const stats = await done;
 * assert.deepEqual(seen.sort(), ["a", "b", "c", "d"]);
 * assert.equal(stats.succeeded, 4);
 * ```
 */
export async function consumeTopic(
  handler: (delivery: Delivery) => void | Promise<void>,
  options: ConsumeTopicOptions,
): Promise<ConsumeStats> {
  const { topic, partitions, force, maxHandled, signal, ...rest } = options;
  const opened = await openTopic(options.store, topic, { partitions, ...(force ? { force } : {}) });
  // maxHandled counts over every partition: the workers stop once the total is reached.
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  signal?.addEventListener("abort", onAbort, { once: true });
  if (signal?.aborted) stop.abort();
  let handled = 0;
  const counted = maxHandled === undefined ? handler : async (delivery: Delivery) => {
    try {
      await handler(delivery);
    } finally {
      if (++handled >= maxHandled) stop.abort();
    }
  };
  const all = await Promise.all(
    opened.streams.map((stream) =>
      consume(counted, {
        ...rest,
        stream,
        signal: stop.signal,
        ...(maxHandled === undefined ? {} : { maxHandled }),
      })
    ),
  ).finally(() => signal?.removeEventListener("abort", onAbort));
  return all.reduce((sum, s) => ({
    handled: sum.handled + s.handled,
    succeeded: sum.succeeded + s.succeeded,
    failed: sum.failed + s.failed,
    deadLettered: sum.deadLettered + s.deadLettered,
    reclaimed: sum.reclaimed + s.reclaimed,
    deleted: sum.deleted + s.deleted,
  }));
}
