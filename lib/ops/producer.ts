/**
 * The producer's operations numbers: readings sent, spooled and dropped, the
 * spool's length and oldest reading's age (refreshed on an interval), add
 * latency, and health and readiness; plus the spans and `traceparent` field
 * of each publish when tracing is on.
 *
 * @module
 */

import { errorText } from "../errors.ts";
import type { ForwardEvent } from "../spool/forwarder.ts";
import type { AppendResult, Spool } from "../spool/spool.ts";
import { StallDetector } from "../stall.ts";
import type { Fields, StreamStore } from "../store.ts";
import { connectionProblem, HealthState } from "./health.ts";
import { MetricsRegistry } from "./metrics.ts";
import { type SpanHandle, TRACEPARENT_FIELD, type Tracing } from "./tracing.ts";

/** Options of {@linkcode ProducerMetrics}. */
export interface ProducerMetricsOptions {
  /** The stream published to. */
  stream: string;
  /** Where the metrics are registered (default: a new registry). */
  registry?: MetricsRegistry;
  /** Where health is recorded (default: a new one). */
  health?: HealthState;
  /** An add (or spool commit) that has not returned within this long makes health fail (default 5000). */
  stallMs?: number;
  /** Spans per publish (from {@linkcode loadTracing}); none when absent. */
  tracing?: Tracing;
  /** Write each publish span's W3C `traceparent` into the entry (default false). */
  traceContext?: boolean;
}

/** The producer's numbers as a plain object: {@linkcode ProducerMetrics.snapshot}. */
export interface ProducerSnapshot {
  /** The stream. */
  stream: string;
  /** Readings the store confirmed (direct adds, or forwarded from the spool). */
  sent: number;
  /** Readings committed to the spool. */
  spooled: number;
  /** Readings dropped from a full spool. */
  dropped: number;
  /** Failed adds and forwarding errors. */
  errors: number;
  /** Readings in the spool at the last refresh (`null` without a spool). */
  spoolLength: number | null;
  /** Age of the oldest spooled reading in seconds at the last refresh (0 when empty, `null` without a spool). */
  spoolOldestAgeSeconds: number | null;
  /** Adds (or spool commits) finished, and their total duration in seconds. */
  addSeconds: { count: number; sum: number };
  /** What `/healthz` says. */
  healthy: boolean;
  /** What `/readyz` says. */
  ready: boolean;
}

type Traced = { fields: Fields; span: SpanHandle };

/**
 * Metrics, health, readiness and publish spans of a producer. Wrap the store
 * ({@linkcode ProducerMetrics.wrapStore}) or the spool
 * ({@linkcode ProducerMetrics.wrapSpool}), feed it the forwarder's events,
 * then read {@linkcode ProducerMetrics.snapshot} or serve its registry.
 *
 * @example Count direct publishes
 * ```ts
 * import { openStore } from "@rstream/rstream";
 * import { ProducerMetrics } from "@rstream/rstream/ops";
 * import assert from "node:assert/strict";
 * const metrics = new ProducerMetrics({ stream: "app:event" });
 * await using store = metrics.wrapStore(await openStore("memory:"));
 * await store.add("app:event", { temp: "0.42" });
 * await store.addMany("app:event", [{ temp: "0.43" }, { temp: "0.44" }]);
 * const snapshot = metrics.snapshot();
 * assert.deepEqual([snapshot.sent, snapshot.addSeconds.count, snapshot.ready], [3, 2, true]);
 * assert.match(metrics.registry.render(), /^rstream_producer_sent_total\{stream="app:event"\} 3$/m);
 * ```
 */
export class ProducerMetrics {
  /** The registry `/metrics` renders. */
  readonly registry: MetricsRegistry;
  /** What `/healthz` and `/readyz` answer. */
  readonly health: HealthState;
  readonly #stream: string;
  readonly #labels: { stream: string };
  readonly #options: ProducerMetricsOptions;
  readonly #sent;
  readonly #spooled;
  readonly #dropped;
  readonly #errors;
  readonly #spoolLength;
  readonly #spoolAge;
  readonly #duration;
  readonly #healthy;
  readonly #ready;
  readonly #detector: StallDetector;
  #spool: Spool | undefined;
  #droppedSeen = 0;
  #lengthValue: number | null = null;
  #ageValue: number | null = null;

  /** Registers the producer's metrics. */
  constructor(options: ProducerMetricsOptions) {
    this.#options = options;
    this.#stream = options.stream;
    this.#labels = { stream: options.stream };
    const registry = this.registry = options.registry ?? new MetricsRegistry();
    this.health = options.health ?? new HealthState();
    this.health.waitingFor("the store is not open yet");
    const labelNames = ["stream"] as const;
    const counter = (name: string, help: string) => {
      const metric = registry.counter({ name, help, labelNames });
      metric.inc(this.#labels, 0);
      return metric;
    };
    this.#sent = counter(
      "rstream_producer_sent_total",
      "Readings the store confirmed: direct adds, or forwarded from the spool",
    );
    this.#spooled = counter("rstream_producer_spooled_total", "Readings committed to the spool");
    this.#dropped = counter(
      "rstream_producer_dropped_total",
      "Readings dropped from a full spool (--spool-max)",
    );
    this.#errors = counter(
      "rstream_producer_errors_total",
      "Failed adds and forwarding errors (retried)",
    );
    this.#spoolLength = registry.gauge({
      name: "rstream_producer_spool_length",
      help: "Readings waiting in the spool",
      labelNames,
    });
    this.#spoolAge = registry.gauge({
      name: "rstream_producer_spool_oldest_age_seconds",
      help: "Age of the oldest reading waiting in the spool (0 when empty)",
      labelNames,
    });
    this.#duration = registry.histogram({
      name: "rstream_producer_add_duration_seconds",
      help: "How long an add took: XADD (or a pipelined batch) to the store, or the spool's commit",
      labelNames,
    });
    this.#healthy = registry.gauge({
      name: "rstream_producer_healthy",
      help: "1 while /healthz answers 200",
      labelNames,
    });
    this.#ready = registry.gauge({
      name: "rstream_producer_ready",
      help: "1 once /readyz answers 200",
      labelNames,
    });
    const stallMs = options.stallMs ?? 5000;
    this.#detector = new StallDetector({
      onStall: ({ operation, waitedMs }) =>
        this.health.set("stall", `${operation} has not returned for ${waitedMs} ms`),
      checkEveryMs: Math.max(20, Math.min(1000, Math.floor(stallMs / 4))),
    });
    registry.onCollect(() => this.#collect());
  }

  #collect() {
    if (this.#spool && this.#spool.dropped > this.#droppedSeen) {
      this.#dropped.inc(this.#labels, this.#spool.dropped - this.#droppedSeen);
      this.#droppedSeen = this.#spool.dropped;
    }
    this.#healthy.set(this.#labels, this.health.isHealthy ? 1 : 0);
    this.#ready.set(this.#labels, this.health.isReady ? 1 : 0);
  }

  /** Stamps `count` readings with their spans (when tracing) and times `send`. */
  async #timed<T>(
    operation: string,
    list: Fields[],
    send: (traced: Traced[]) => Promise<T>,
  ): Promise<T> {
    const { tracing, traceContext } = this.#options;
    const run = async (spans: SpanHandle[]) => {
      const traced = list.map((fields, i) => {
        const traceparent = spans[i]?.traceparent;
        return {
          fields: traceContext && traceparent
            ? { ...fields, [TRACEPARENT_FIELD]: traceparent }
            : fields,
          span: spans[i] ?? { traceparent: undefined },
        };
      });
      const started = performance.now();
      const stallMs = this.#options.stallMs ?? 5000;
      try {
        const result = await this.#detector.track(operation, stallMs, send(traced));
        this.health.clear("connection");
        return result;
      } catch (error) {
        this.#errors.inc(this.#labels);
        const problem = connectionProblem(error);
        if (problem !== undefined) this.health.set("connection", problem);
        throw error;
      } finally {
        this.health.clear("stall");
        this.#duration.observe(this.#labels, (performance.now() - started) / 1000);
      }
    };
    if (!tracing) return await run([]);
    return await tracing.publishMany(this.#stream, list.length, run);
  }

  /**
   * The store, with `add` and `addMany` timed, counted, traced and (with
   * `traceContext`) given a `traceparent` field. Marks the producer ready.
   */
  wrapStore(store: StreamStore): StreamStore {
    this.health.ready();
    const add: StreamStore["add"] = (stream, fields, options) =>
      this.#timed("XADD", [fields], async ([one]) => {
        const id = await store.add(stream, one!.fields, options);
        if (id !== null) this.#sent.inc(this.#labels);
        return id;
      });
    const addMany: StreamStore["addMany"] = (stream, list, options) =>
      this.#timed("XADD", [...list], async (traced) => {
        const ids = await store.addMany(stream, traced.map((t) => t.fields), options);
        this.#sent.inc(this.#labels, ids.length);
        return ids;
      });
    return new Proxy(store, {
      get(target, property) {
        if (property === "add") return add;
        if (property === "addMany") return addMany;
        const value = Reflect.get(target, property, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  }

  /**
   * The spool, with `append` timed, counted, traced and (with `traceContext`)
   * given a `traceparent` field; its drops are counted. Marks the producer ready.
   */
  wrapSpool(spool: Spool): Spool {
    this.#spool = spool;
    this.#droppedSeen = spool.dropped;
    this.health.ready();
    const append = (fields: Fields): Promise<AppendResult> =>
      this.#timed("spool commit", [fields], async ([one]) => {
        const result = await spool.append(one!.fields);
        this.#spooled.inc(this.#labels);
        this.#collect();
        return result;
      });
    return new Proxy(spool, {
      get(target, property) {
        if (property === "append") return append;
        const value = Reflect.get(target, property, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  }

  /** Counts a forwarder event and records whether Redis is reachable. */
  onForwardEvent(event: ForwardEvent): void {
    switch (event.type) {
      case "connected":
        this.health.clear("forward");
        break;
      case "forwarded":
        this.#sent.inc(this.#labels, event.count);
        this.health.clear("forward");
        break;
      case "unreachable":
        this.#errors.inc(this.#labels);
        this.health.set(
          "forward",
          `cannot forward: ${errorText(event.error)}; ${event.spooled} readings spooled`,
        );
        break;
      case "stalled":
        this.health.set(
          "forward",
          `Redis has not answered for ${event.waitedMs} ms; ${event.spooled} readings spooled`,
        );
        break;
      case "error":
        this.#errors.inc(this.#labels);
        break;
    }
  }

  /** Reads the spool's length and oldest reading's age into the gauges. */
  async refresh(spool: Spool): Promise<void> {
    const length = await spool.length();
    const [oldest] = length > 0 ? await spool.peek(1) : [];
    const taken = Number(oldest?.fields.spool_ts);
    this.#lengthValue = length;
    this.#ageValue = Number.isFinite(taken) ? Math.max(0, (Date.now() - taken) / 1000) : 0;
    this.#spoolLength.set(this.#labels, length);
    this.#spoolAge.set(this.#labels, this.#ageValue);
  }

  /** Refreshes the spool gauges every `intervalMs` (default 5000) until disposed. */
  startRefresh(spool: Spool, options: { intervalMs?: number } = {}): Disposable {
    let running = false;
    const tick = () => {
      if (running) return;
      running = true;
      this.refresh(spool).catch(() => {/* closed while refreshing */}).finally(() =>
        running = false
      );
    };
    tick();
    const timer = setInterval(tick, options.intervalMs ?? 5000);
    return { [Symbol.dispose]: () => clearInterval(timer) };
  }

  /** The numbers as a plain object (no HTTP needed). */
  snapshot(): ProducerSnapshot {
    this.#collect();
    const labels = this.#labels;
    const duration = this.#duration.values()[0];
    return {
      stream: this.#stream,
      sent: this.#sent.get(labels),
      spooled: this.#spooled.get(labels),
      dropped: this.#dropped.get(labels),
      errors: this.#errors.get(labels),
      spoolLength: this.#lengthValue,
      spoolOldestAgeSeconds: this.#ageValue,
      addSeconds: { count: duration?.count ?? 0, sum: duration?.sum ?? 0 },
      healthy: this.health.isHealthy,
      ready: this.health.isReady,
    };
  }

  /** Stops the stall detector. */
  [Symbol.dispose](): void {
    this.#detector[Symbol.dispose]();
  }
}
