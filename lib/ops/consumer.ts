/**
 * The consumer's operations numbers: counters fed by the worker's events,
 * handler duration and in-flight from a wrapped handler, group lag and
 * pending refreshed on an interval (not per scrape), reconnects, stall state,
 * and health and readiness.
 *
 * @module
 */

import type { CommandConnection, RedisReply } from "../connection.ts";
import { ConnectionError, errorText, StreamError } from "../errors.ts";
import { StallDetector } from "../stall.ts";
import { CommandStore, type StreamStore } from "../store.ts";
import type { Delivery, WorkerEvent } from "../worker/options.ts";
import { connectionProblem, HealthState } from "./health.ts";
import { MetricsRegistry } from "./metrics.ts";

/** Options of {@linkcode ConsumerMetrics}. */
export interface ConsumerMetricsOptions {
  /** The stream consumed. */
  stream: string;
  /** The group. */
  group: string;
  /** This consumer. */
  consumer: string;
  /** Where the metrics are registered (default: a new registry). */
  registry?: MetricsRegistry;
  /** Where health is recorded (default: a new one). */
  health?: HealthState;
}

/** The consumer's numbers as a plain object: {@linkcode ConsumerMetrics.snapshot}. */
export interface ConsumerSnapshot {
  /** The stream consumed. */
  stream: string;
  /** The group. */
  group: string;
  /** This consumer. */
  consumer: string;
  /** Entries whose handler succeeded and whose XACK was confirmed. */
  handled: number;
  /** Handlers that threw (the entry stays pending). */
  failed: number;
  /** Entries moved to the dead-letter stream. */
  deadLettered: number;
  /** Entries reclaimed (XAUTOCLAIM) from idle consumers or for a retry. */
  reclaimed: number;
  /** Pending entries found deleted from the stream. */
  deleted: number;
  /** Errors the worker reported (repeats included). */
  errors: number;
  /** Handlers running now. */
  inFlight: number;
  /** Handler runs finished, and their total duration in seconds. */
  handlerSeconds: { count: number; sum: number };
  /** The group's lag (entries not yet delivered) at the last refresh; `null` before or when unknown. */
  lag: number | null;
  /** The group's pending entries at the last refresh; `null` before the first. */
  pending: number | null;
  /** Times the Redis connection was replaced after it was lost. */
  reconnects: number;
  /** Whether the stall watchdog reports a store call past its budget. */
  stalled: boolean;
  /** What `/healthz` says. */
  healthy: boolean;
  /** What `/readyz` says: the first read returned. */
  ready: boolean;
}

/** Options of {@linkcode ConsumerMetrics.startRefresh}. */
export interface RefreshOptions {
  /** How often to read XINFO GROUPS (default 5000 ms). */
  intervalMs?: number;
  /** A refresh that has not returned within this long makes health fail (default `intervalMs`, at least 1000). */
  timeoutMs?: number;
}

function isGroupRead(args: readonly string[]): boolean {
  return args[0]?.toUpperCase() === "XREADGROUP";
}

/**
 * Metrics, health and readiness of one consumer of a group. Feed it the
 * worker's events ({@linkcode ConsumerMetrics.onEvent}), run the handler
 * through {@linkcode ConsumerMetrics.wrapHandler}, give the worker
 * {@linkcode ConsumerMetrics.watch}'s store, and start the refresh; then read
 * {@linkcode ConsumerMetrics.snapshot} or serve its registry.
 *
 * @example Count a run of the worker
 * ```ts
 * import { consume, openStore } from "@rstream/rstream";
 * import { ConsumerMetrics } from "@rstream/rstream/ops";
 * import assert from "node:assert/strict";
 * await using store = await openStore("memory:");
 * await store.add("app:event", { temp: "0.3" });
 * await store.add("app:event", { temp: "0.9" });
 * const names = { stream: "app:event", group: "workers", consumer: "c1" };
 * const metrics = new ConsumerMetrics(names);
 * await consume(metrics.wrapHandler((delivery) => {
 *   if (Number(delivery.fields.temp) > 0.7) throw new Error("too hot");
 * }), {
 *   ...names, store: metrics.watch(store), start: "0", maxHandled: 2,
 *   onEvent: (event) => metrics.onEvent(event),
 * });
 * await metrics.refresh(store);
 * const snapshot = metrics.snapshot();
 * assert.deepEqual([snapshot.handled, snapshot.failed, snapshot.pending], [1, 1, 1]);
 * assert.equal(snapshot.handlerSeconds.count, 2);
 * assert.ok(snapshot.ready && snapshot.healthy);
 * assert.match(
 *   metrics.registry.render(),
 *   /^rstream_consumer_failed_total\{stream="app:event",group="workers"\} 1$/m,
 * );
 * ```
 */
export class ConsumerMetrics {
  /** The registry `/metrics` renders. */
  readonly registry: MetricsRegistry;
  /** What `/healthz` and `/readyz` answer. */
  readonly health: HealthState;
  readonly #names: { stream: string; group: string; consumer: string };
  readonly #labels: { stream: string; group: string };
  readonly #handled;
  readonly #failed;
  readonly #deadLettered;
  readonly #reclaimed;
  readonly #deleted;
  readonly #errors;
  readonly #duration;
  readonly #inFlight;
  readonly #lag;
  readonly #pending;
  readonly #reconnects;
  readonly #stalled;
  readonly #healthy;
  readonly #ready;
  readonly #hot: { handled: { inc(by?: number): void } };
  #lagValue: number | null = null;
  #pendingValue: number | null = null;
  #connections: CommandConnection[] = [];

  /** Registers the consumer's metrics. */
  constructor(options: ConsumerMetricsOptions) {
    const { stream, group, consumer } = options;
    this.#names = { stream, group, consumer };
    this.#labels = { stream, group };
    const registry = this.registry = options.registry ?? new MetricsRegistry();
    this.health = options.health ?? new HealthState();
    this.health.waitingFor("the first read has not returned");
    const labelNames = ["stream", "group"] as const;
    const counter = (name: string, help: string) => {
      const metric = registry.counter({ name, help, labelNames });
      metric.inc(this.#labels, 0); // present from the first scrape, at 0
      return metric;
    };
    const gauge = (name: string, help: string) => {
      const metric = registry.gauge({ name, help, labelNames });
      metric.set(this.#labels, 0);
      return metric;
    };
    this.#handled = counter(
      "rstream_consumer_handled_total",
      "Entries whose handler succeeded and whose XACK was confirmed",
    );
    this.#failed = counter(
      "rstream_consumer_failed_total",
      "Handler runs that threw; the entry stays pending and is retried",
    );
    this.#deadLettered = counter(
      "rstream_consumer_dead_lettered_total",
      "Entries moved to the dead-letter stream after too many deliveries",
    );
    this.#reclaimed = counter(
      "rstream_consumer_reclaimed_total",
      "Entries reclaimed with XAUTOCLAIM from idle consumers or for a retry",
    );
    this.#deleted = counter(
      "rstream_consumer_deleted_total",
      "Pending entries found deleted from the stream (acked, not handled)",
    );
    this.#errors = counter(
      "rstream_consumer_errors_total",
      "Errors of the store the worker retried (repeats included)",
    );
    this.#duration = registry.histogram({
      name: "rstream_consumer_handler_duration_seconds",
      help: "How long the handler ran, successful or not",
      labelNames,
    });
    this.#inFlight = gauge("rstream_consumer_in_flight", "Handlers running now");
    this.#lag = gauge(
      "rstream_group_lag",
      "Entries of the stream not yet delivered to the group (XINFO GROUPS lag; NaN when unknown)",
    );
    this.#pending = gauge(
      "rstream_group_pending",
      "Entries delivered to the group and not acknowledged (XINFO GROUPS pending)",
    );
    this.#reconnects = counter(
      "rstream_consumer_reconnects_total",
      "Times the Redis connection was replaced after it was lost",
    );
    this.#stalled = gauge(
      "rstream_consumer_stalled",
      "1 while a store call has run past the stall watchdog's budget",
    );
    this.#healthy = gauge("rstream_consumer_healthy", "1 while /healthz answers 200");
    this.#ready = gauge("rstream_consumer_ready", "1 once /readyz answers 200");
    this.#hot = { handled: this.#handled.bind(this.#labels) };
    registry.onCollect(() => this.#collect());
  }

  #collect() {
    const reconnects = this.#connections.reduce(
      (sum, connection) => sum + ((connection as { reconnects?: number }).reconnects ?? 0),
      0,
    );
    const counted = this.#reconnects.get(this.#labels);
    if (reconnects > counted) this.#reconnects.inc(this.#labels, reconnects - counted);
    this.#healthy.set(this.#labels, this.health.isHealthy ? 1 : 0);
    this.#ready.set(this.#labels, this.health.isReady ? 1 : 0);
  }

  /** Counts one of the worker's events and records the stall watchdog's verdict. */
  onEvent(event: WorkerEvent): void {
    const labels = this.#labels;
    switch (event.type) {
      case "handled":
        this.#hot.handled.inc();
        break;
      case "failed":
        this.#failed.inc(labels);
        break;
      case "dead-lettered":
        this.#deadLettered.inc(labels);
        break;
      case "reclaimed":
        this.#reclaimed.inc(labels, event.ids.length);
        break;
      case "deleted":
        this.#deleted.inc(labels);
        break;
      case "error":
        this.#errors.inc(labels, 1 + event.repeated);
        this.#connectionFailed(event.error);
        break;
      case "unhealthy":
        this.#stalled.set(labels, 1);
        this.health.set("stall", `${event.operation} has not returned for ${event.waitedMs} ms`);
        break;
      case "healthy":
        this.#stalled.set(labels, 0);
        this.health.clear("stall");
        break;
    }
  }

  #connectionFailed(error: unknown): void {
    const problem = connectionProblem(error);
    if (problem !== undefined) this.health.set("connection", problem);
  }

  /** The handler, timed and counted in flight. */
  wrapHandler(
    handler: (delivery: Delivery) => void | Promise<void>,
  ): (delivery: Delivery) => void | Promise<void> {
    const inFlight = this.#inFlight.bind(this.#labels);
    const duration = this.#duration.bind(this.#labels);
    return (delivery) => {
      const started = performance.now();
      inFlight.value++;
      const done = () => {
        inFlight.value--;
        duration.observe((performance.now() - started) / 1000);
      };
      let result: void | Promise<void>;
      try {
        result = handler(delivery);
      } catch (error) {
        done();
        throw error;
      }
      if (typeof (result as Promise<void> | undefined)?.then !== "function") {
        done();
        return result;
      }
      return (result as Promise<void>).finally(done);
    };
  }

  /**
   * A store over `store`'s connection that reports to this object: ready once
   * a group read (XREADGROUP) returned, and a connection problem from a
   * failed command until one succeeds. Closing it does not close `store`.
   */
  watch(store: StreamStore): StreamStore {
    const connection = store.connection;
    this.#connections.push(connection);
    const answered = () => this.health.clear("connection");
    const failed = (error: unknown): never => {
      this.#connectionFailed(error);
      throw error;
    };
    const read = (args: readonly string[], reply: RedisReply | Error) => {
      if (isGroupRead(args) && !(reply instanceof Error)) this.health.ready();
    };
    return new CommandStore({
      backend: connection.backend,
      displayUrl: connection.displayUrl,
      send: (args) =>
        connection.send(args).then((reply) => {
          answered();
          read(args, reply);
          return reply;
        }, failed),
      pipeline: (batch) =>
        connection.pipeline(batch).then((replies) => {
          answered();
          batch.forEach((args, i) => read(args, replies[i]!));
          return replies;
        }, failed),
      sendBlocking: (args, options) =>
        connection.sendBlocking(args, options).then((reply) => {
          answered();
          read(args, reply);
          return reply;
        }, failed),
      close: () => Promise.resolve(),
      [Symbol.asyncDispose]: () => Promise.resolve(),
    });
  }

  /** Reads the group's lag and pending (XINFO GROUPS) into the gauges. */
  async refresh(store: StreamStore): Promise<void> {
    const groups = await store.groups(this.#names.stream).catch((error) => {
      // No stream yet (the worker has not created the group): the server answered.
      if (error instanceof StreamError && /no such key/i.test(error.message)) return [];
      throw error;
    });
    const group = groups.find((g) => g.name === this.#names.group);
    this.#lagValue = group?.lag ?? null;
    this.#pendingValue = group?.pending ?? null;
    this.#lag.set(this.#labels, this.#lagValue ?? NaN);
    this.#pending.set(this.#labels, this.#pendingValue ?? NaN);
  }

  /**
   * Refreshes every `intervalMs` until disposed. The refresh doubles as a
   * probe of the store: one that fails, or has not returned within
   * `timeoutMs`, makes health fail until one succeeds.
   */
  startRefresh(store: StreamStore, options: RefreshOptions = {}): Disposable {
    if (!this.#connections.includes(store.connection)) this.#connections.push(store.connection);
    const intervalMs = options.intervalMs ?? 5000;
    const timeoutMs = options.timeoutMs ?? Math.max(1000, intervalMs);
    const detector = new StallDetector({
      onStall: ({ waitedMs }) =>
        this.health.set("probe", `XINFO GROUPS has not returned for ${waitedMs} ms`),
      checkEveryMs: Math.max(20, Math.min(1000, Math.floor(timeoutMs / 4))),
    });
    let running = false;
    const tick = () => {
      if (running) return; // one probe at a time: a stopped server must not pile them up
      running = true;
      detector.track("XINFO", timeoutMs, this.refresh(store)).then(
        () => this.health.clear("probe"),
        (error) => {
          // A server that answers with an error is up; only no answer is a health problem.
          const answered = error instanceof StreamError && !(error instanceof ConnectionError);
          if (answered) this.health.clear("probe");
          else this.health.set("probe", `XINFO GROUPS failed: ${errorText(error)}`);
        },
      ).finally(() => running = false);
    };
    tick();
    const timer = setInterval(tick, intervalMs);
    return {
      [Symbol.dispose]() {
        clearInterval(timer);
        detector[Symbol.dispose]();
      },
    };
  }

  /** The numbers as a plain object (no HTTP needed). */
  snapshot(): ConsumerSnapshot {
    this.#collect();
    const labels = this.#labels;
    const duration = this.#duration.values().find((s) => s.labels.stream === labels.stream);
    return {
      ...this.#names,
      handled: this.#handled.get(labels),
      failed: this.#failed.get(labels),
      deadLettered: this.#deadLettered.get(labels),
      reclaimed: this.#reclaimed.get(labels),
      deleted: this.#deleted.get(labels),
      errors: this.#errors.get(labels),
      inFlight: this.#inFlight.get(labels),
      handlerSeconds: { count: duration?.count ?? 0, sum: duration?.sum ?? 0 },
      lag: this.#lagValue,
      pending: this.#pendingValue,
      reconnects: this.#reconnects.get(labels),
      stalled: this.#stalled.get(labels) === 1,
      healthy: this.health.isHealthy,
      ready: this.health.isReady,
    };
  }
}
