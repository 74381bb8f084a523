/**
 * Traces through npm `@opentelemetry/api`, which Deno's built-in
 * OpenTelemetry (`OTEL_DENO=true`) picks up and exports over OTLP: a span per
 * publish (kind PRODUCER) and per handled entry (kind CONSUMER). The W3C
 * `traceparent` of a publish span can travel in the entry as a field, and the
 * consumer's span continues that trace.
 *
 * `@opentelemetry/api` is loaded by {@linkcode loadTracing} only, so a program
 * that does not trace never imports it.
 *
 * @module
 */

import type { Fields } from "../store.ts";

/** The entry field that carries the W3C trace context. */
export const TRACEPARENT_FIELD = "traceparent";

/** A span context as W3C `traceparent` carries it. */
export interface TraceContext {
  /** 32 lowercase hex digits, not all zero. */
  traceId: string;
  /** 16 lowercase hex digits, not all zero. */
  spanId: string;
  /** Trace flags (1: sampled). */
  traceFlags: number;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/**
 * Writes a span context as a W3C `traceparent` (version 00).
 *
 * @example
 * ```ts
 * import { formatTraceparent } from "@rstream/rstream/ops";
 * import assert from "node:assert/strict";
 * const traceparent = formatTraceparent({
 *   traceId: "0af7651916cd43dd8448eb211c80319c",
 *   spanId: "b7ad6b7169203331",
 *   traceFlags: 1,
 * });
 * assert.equal(traceparent, "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
 * ```
 */
export function formatTraceparent(context: TraceContext): string {
  return `00-${context.traceId}-${context.spanId}-${
    (context.traceFlags & 0xff).toString(16).padStart(2, "0")
  }`;
}

/**
 * Reads a W3C `traceparent` (version 00); `undefined` when it is missing or
 * malformed (an all-zero ID is invalid), so a bad field never fails a handler.
 *
 * @example A valid and an invalid header
 * ```ts
 * import { parseTraceparent } from "@rstream/rstream/ops";
 * import assert from "node:assert/strict";
 * assert.deepEqual(parseTraceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"), {
 *   traceId: "0af7651916cd43dd8448eb211c80319c",
 *   spanId: "b7ad6b7169203331",
 *   traceFlags: 1,
 * });
 * assert.equal(parseTraceparent("00-00000000000000000000000000000000-b7ad6b7169203331-01"), undefined);
 * assert.equal(parseTraceparent("garbage"), undefined);
 * ```
 */
export function parseTraceparent(value: string | undefined): TraceContext | undefined {
  const match = value === undefined ? null : TRACEPARENT.exec(value);
  if (!match || /^0+$/.test(match[1]!) || /^0+$/.test(match[2]!)) return undefined;
  return { traceId: match[1]!, spanId: match[2]!, traceFlags: parseInt(match[3]!, 16) };
}

/** What {@linkcode Tracing.publish} and {@linkcode Tracing.process} tell their callback. */
export interface SpanHandle {
  /** The span's `traceparent` (`undefined` when tracing is not recording, e.g. OTEL_DENO unset). */
  traceparent: string | undefined;
}

/** Spans for publishes and handled entries; made by {@linkcode loadTracing}. */
export interface Tracing {
  /** Whether spans are recorded (Deno's OpenTelemetry is on). */
  readonly recording: boolean;
  /**
   * Runs `fn` in a PRODUCER span `publish <stream>`; the span ends when `fn`
   * settles and is marked as an error when it rejects.
   */
  publish<T>(stream: string, fn: (span: SpanHandle) => Promise<T>): Promise<T>;
  /** Like {@linkcode Tracing.publish} for a batch: one span per reading, ended together. */
  publishMany<T>(
    stream: string,
    count: number,
    fn: (spans: SpanHandle[]) => Promise<T>,
  ): Promise<T>;
  /**
   * Runs `fn` in a CONSUMER span `process <stream>` that continues the trace
   * in `fields.traceparent` when there is one.
   */
  process<T>(
    entry: { stream: string; id: string; fields: Fields; group?: string; consumer?: string },
    fn: () => T | Promise<T>,
  ): Promise<T>;
}

/**
 * Loads `@opentelemetry/api` (only now: a program without tracing never
 * imports it) and returns spans under the tracer `name`.
 *
 * @example Spans are no-ops, and no traceparent is made, while OpenTelemetry is off
 * ```ts
 * import { loadTracing } from "@rstream/rstream/ops";
 * import assert from "node:assert/strict";
 * const tracing = await loadTracing("example");
 * const result = await tracing.publish("app:event", ({ traceparent }) => {
 *   assert.equal(traceparent, undefined); // OTEL_DENO is not set in this test
 *   return Promise.resolve(42);
 * });
 * assert.equal(result, 42);
 * assert.equal(
 *   await tracing.process({ stream: "app:event", id: "1-0", fields: {} }, () => "done"),
 *   "done",
 * );
 * ```
 */
export async function loadTracing(name = "rstream"): Promise<Tracing> {
  const api = await import("@opentelemetry/api");
  const tracer = api.trace.getTracer(name);
  const probe = tracer.startSpan("probe");
  const recording = api.isSpanContextValid(probe.spanContext());
  // Never ended: an unended span is not exported.
  const fail = (span: import("@opentelemetry/api").Span, error: unknown) => {
    span.recordException(error instanceof Error ? error : String(error));
    span.setStatus({
      code: api.SpanStatusCode.ERROR,
      message: error instanceof Error ? error.message : String(error),
    });
  };
  return {
    recording,
    publish(stream, fn) {
      return tracer.startActiveSpan(`publish ${stream}`, {
        kind: api.SpanKind.PRODUCER,
        attributes: {
          "messaging.system": "redis",
          "messaging.operation.type": "send",
          "messaging.destination.name": stream,
        },
      }, async (span) => {
        const context = span.spanContext();
        const traceparent = api.isSpanContextValid(context)
          ? formatTraceparent(context)
          : undefined;
        try {
          return await fn({ traceparent });
        } catch (error) {
          fail(span, error);
          throw error;
        } finally {
          span.end();
        }
      });
    },
    async publishMany(stream, count, fn) {
      const spans = Array.from({ length: count }, () =>
        tracer.startSpan(`publish ${stream}`, {
          kind: api.SpanKind.PRODUCER,
          attributes: {
            "messaging.system": "redis",
            "messaging.operation.type": "send",
            "messaging.destination.name": stream,
            "messaging.batch.message_count": count,
          },
        }));
      try {
        return await fn(spans.map((span) => {
          const context = span.spanContext();
          return {
            traceparent: api.isSpanContextValid(context) ? formatTraceparent(context) : undefined,
          };
        }));
      } catch (error) {
        for (const span of spans) fail(span, error);
        throw error;
      } finally {
        for (const span of spans) span.end();
      }
    },
    process(entry, fn) {
      const remote = parseTraceparent(entry.fields[TRACEPARENT_FIELD]);
      const parent = remote
        ? api.trace.setSpanContext(api.context.active(), { ...remote, isRemote: true })
        : api.context.active();
      return tracer.startActiveSpan(
        `process ${entry.stream}`,
        {
          kind: api.SpanKind.CONSUMER,
          attributes: {
            "messaging.system": "redis",
            "messaging.operation.type": "process",
            "messaging.destination.name": entry.stream,
            "messaging.message.id": entry.id,
            ...(entry.group !== undefined ? { "messaging.consumer.group.name": entry.group } : {}),
            ...(entry.consumer !== undefined ? { "messaging.client.id": entry.consumer } : {}),
          },
        },
        parent,
        async (span) => {
          try {
            return await fn();
          } catch (error) {
            fail(span, error);
            throw error;
          } finally {
            span.end();
          }
        },
      );
    },
  };
}
