/**
 * Operations for programs that run unattended: Prometheus metrics
 * ({@linkcode MetricsRegistry}, {@linkcode ConsumerMetrics},
 * {@linkcode ProducerMetrics}), health and readiness
 * ({@linkcode HealthState}), the `/metrics`, `/healthz`, `/readyz` server
 * ({@linkcode serveOps}), JSON logs ({@linkcode jsonLogger}) and
 * OpenTelemetry spans with W3C trace context ({@linkcode loadTracing}, which
 * alone loads `@opentelemetry/api`). See docs/operations.md.
 *
 * @example A consumer's numbers, served for Prometheus
 * ```ts
 * import { ConsumerMetrics, serveOps } from "@rstream/rstream/ops";
 * import assert from "node:assert/strict";
 * const metrics = new ConsumerMetrics({ stream: "app:event", group: "workers", consumer: "c1" });
 * metrics.onEvent({ type: "unhealthy", operation: "XREADGROUP", waitedMs: 1500 });
 * await using server = await serveOps({ port: 0, metrics: metrics.registry, health: metrics.health });
 * const healthz = await fetch(`http://127.0.0.1:${server.port}/healthz`);
 * assert.equal(healthz.status, 503);
 * assert.equal(await healthz.text(), "unhealthy: XREADGROUP has not returned for 1500 ms\n");
 * const text = await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text();
 * assert.match(text, /^rstream_consumer_stalled\{stream="app:event",group="workers"\} 1$/m);
 * ```
 *
 * @module
 */

export {
  Counter,
  DEFAULT_BUCKETS,
  formatValue,
  Gauge,
  Histogram,
  MetricsRegistry,
  PROMETHEUS_CONTENT_TYPE,
} from "./metrics.ts";
export type {
  AnyMetric,
  HistogramOptions,
  HistogramSample,
  Labels,
  MetricOptions,
  Sample,
} from "./metrics.ts";
export { HealthState } from "./health.ts";
export type { HealthStatus } from "./health.ts";
export { opsResponse, OpsServerError, serveOps } from "./http.ts";
export type { OpsServer, ServeOpsOptions } from "./http.ts";
export { jsonLogger, jsonLogLine } from "./log.ts";
export type { Logger, LogLevel, LogRecord } from "./log.ts";
export { ConsumerMetrics } from "./consumer.ts";
export type { ConsumerMetricsOptions, ConsumerSnapshot, RefreshOptions } from "./consumer.ts";
export { ProducerMetrics } from "./producer.ts";
export type { ProducerMetricsOptions, ProducerSnapshot } from "./producer.ts";
export { formatTraceparent, loadTracing, parseTraceparent, TRACEPARENT_FIELD } from "./tracing.ts";
export type { SpanHandle, TraceContext, Tracing } from "./tracing.ts";
