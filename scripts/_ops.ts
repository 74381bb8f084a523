/**
 * The producer's and consumer's operations options (`--metrics-port`,
 * `--metrics-bind`, `--metrics-interval`, `--log-format`, `--trace-context`)
 * and what they start: the `/metrics`, `/healthz`, `/readyz` server, JSON
 * logs and OpenTelemetry spans (lib/ops). Kept apart from the scripts' own
 * options: {@linkcode takeOpsArgs} takes these out of the arguments before
 * the script parses the rest.
 *
 * @module
 */

import {
  ConsumerMetrics,
  jsonLogger,
  loadTracing,
  type Logger,
  type LogLevel,
  ProducerMetrics,
  serveOps,
  type Tracing,
} from "../lib/ops/mod.ts";
import type { Delivery, ForwardEvent, Spool, StreamStore, WorkerEvent } from "../mod.ts";
import { intOption, UsageError } from "./_cli.ts";

/** The operations settings. */
export interface OpsArgs {
  /** Serve `/metrics`, `/healthz`, `/readyz` on this port (0: any free port). */
  metricsPort?: number;
  /** The address to bind (default 127.0.0.1). */
  metricsBind: string;
  /** How often gauges are refreshed and the store probed, in ms (default 5000). */
  metricsIntervalMs: number;
  /** `text` (default) or `json`: one JSON object per line. */
  logFormat: "text" | "json";
  /** Producer: write the publish span's W3C traceparent into each entry. */
  traceContext: boolean;
}

/** The usage lines of the operations options, in the columns of the program's own usage. */
export function opsUsage(program: "producer" | "consumer"): string {
  const column = program === "producer" ? 21 : 23;
  const rows: [string, string][] = [
    ["--metrics-port PORT", "serve /metrics, /healthz and /readyz on PORT (0: any free port)"],
    ["--metrics-bind ADDR", "address to serve them on (default 127.0.0.1)"],
    ["--metrics-interval MS", "refresh gauges and probe the store every MS (default 5000)"],
    ["--log-format json", "one JSON object per line {time,level,event,stream,…}"],
    ...(program === "producer"
      ? [["--trace-context", "write the publish span's W3C traceparent into each entry"]] as [
        string,
        string,
      ][]
      : []),
    ["", "traces: set OTEL_DENO=true (and OTEL_EXPORTER_OTLP_ENDPOINT)"],
  ];
  return [
    "Operations (docs/operations.md):",
    ...rows.map(([option, text]) => {
      const left = `  ${option}`;
      return left.length < column
        ? `${left.padEnd(column)}${text}`
        : `${left}\n${" ".repeat(column)}${text}`;
    }),
  ].join("\n");
}

/**
 * Takes the operations options out of `args` and returns them with the
 * rest, for the script's own parser. With `--log-format json`, from then on
 * every line the program writes to stderr (warnings, the error line it exits
 * with) is written as a JSON object too.
 *
 * @throws {UsageError} naming the option and the value.
 */
export function takeOpsArgs(
  args: string[],
  program: "producer" | "consumer",
): { ops: OpsArgs; rest: string[] } {
  const names = ["metrics-port", "metrics-bind", "metrics-interval", "log-format"];
  const values: Record<string, string> = {};
  const rest: string[] = [];
  let traceContext = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--") {
      rest.push(...args.slice(i));
      break;
    }
    if (program === "producer" && arg === "--trace-context") {
      traceContext = true;
      continue;
    }
    const match = /^--([a-z-]+)(?:=(.*))?$/s.exec(arg);
    if (!match || !names.includes(match[1]!)) {
      rest.push(arg);
      continue;
    }
    let value = match[2];
    if (value === undefined) {
      value = args[++i];
      if (value === undefined) throw new UsageError(`option --${match[1]} needs a value`);
    }
    values[match[1]!] = value;
  }
  const metricsPort = intOption(values["metrics-port"], "metrics-port", { max: 65535 });
  for (const name of ["metrics-bind", "metrics-interval"]) {
    if (values[name] !== undefined && metricsPort === undefined) {
      throw new UsageError(`--${name} needs --metrics-port PORT`);
    }
  }
  if (metricsPort !== undefined && rest.includes("--reader")) {
    throw new UsageError("--metrics-port is for consumer groups, not --reader");
  }
  const bind = values["metrics-bind"] ?? "127.0.0.1";
  if (!/^[A-Za-z0-9.:\-\[\]]+$/.test(bind)) {
    throw new UsageError(
      `--metrics-bind must be an address like 127.0.0.1 or 0.0.0.0, got '${bind}'`,
    );
  }
  const logFormat = values["log-format"] ?? "text";
  if (logFormat !== "text" && logFormat !== "json") {
    throw new UsageError(`--log-format must be text or json, got '${logFormat}'`);
  }
  if (logFormat === "json") jsonStderr({});
  return {
    ops: {
      ...(metricsPort !== undefined ? { metricsPort } : {}),
      metricsBind: bind.replace(/^\[(.*)\]$/, "$1"),
      metricsIntervalMs: intOption(values["metrics-interval"], "metrics-interval", { min: 10 }) ??
        5000,
      logFormat,
      traceContext,
    },
    rest,
  };
}

/** Whether Deno's OpenTelemetry is on (`OTEL_DENO=true`); false without permission to read it. */
function otelEnabled(): boolean {
  try {
    return /^(true|1)$/i.test(Deno.env.get("OTEL_DENO") ?? "");
  } catch {
    return false;
  }
}

let jsonStderrOn = false;

function levelOf(line: string): LogLevel {
  if (line.startsWith("error:")) return "error";
  if (line.startsWith("warning:")) return "warn";
  return "info";
}

/**
 * With `--log-format json`, the script's own lines on stderr (warnings, the
 * exit line) become JSON objects too, so every line a shipper reads parses.
 */
function jsonStderr(base: Record<string, string | undefined>): void {
  if (jsonStderrOn) return;
  jsonStderrOn = true;
  const log = jsonLogger(base, (line) => {
    Deno.stderr.writeSync(new TextEncoder().encode(line + "\n"));
  });
  console.error = (...parts: unknown[]) => {
    const text = parts.map(String).join(" ");
    for (const line of text.split("\n")) {
      if (line.trim() !== "") log(levelOf(line), { event: "message", message: line });
    }
  };
}

async function startServer(
  ops: OpsArgs,
  metrics: { registry: ConsumerMetrics["registry"]; health: ConsumerMetrics["health"] },
  log: Logger | undefined,
) {
  const server = await serveOps({
    port: ops.metricsPort!,
    hostname: ops.metricsBind,
    metrics: metrics.registry,
    health: metrics.health,
  });
  const host = server.hostname.includes(":") ? `[${server.hostname}]` : server.hostname;
  const url = `http://${host}:${server.port}`;
  if (log) log("info", { event: "metrics-listening", url: `${url}/metrics` });
  else console.error(`metrics on ${url}/metrics (health: /healthz, /readyz)`);
  return server;
}

/** Prints one event as text or JSON, as the consumer's printer does. */
export type OpsPrinter = (event: string, data: Record<string, unknown>, text: string) => void;

/** What {@linkcode startConsumerOps} hooks into the consumer. */
export interface ConsumerOps extends AsyncDisposable {
  /** The store to give the worker (watched for readiness and connection health). */
  store: StreamStore;
  /** The handler, timed, counted and (with OTEL_DENO=true) traced. */
  handler(handler: (delivery: Delivery) => Promise<void>): (delivery: Delivery) => Promise<void>;
  /** The worker's event hook: metrics, and JSON logs instead of `text` with `--log-format json`. */
  onEvent(text: (event: WorkerEvent) => void): (event: WorkerEvent) => void;
  /** The JSON printer with `--log-format json`, else undefined. */
  printer: OpsPrinter | undefined;
}

function logWorkerEvent(log: Logger, event: WorkerEvent): void {
  switch (event.type) {
    case "handled":
      return log("info", { event: "finished", id: event.delivery.id });
    case "failed":
      return log("warn", {
        event: "failed",
        id: event.delivery.id,
        deliveries: event.delivery.deliveries,
        error: event.error,
      });
    case "dead-lettered":
      return log("warn", {
        event: "dead-lettered",
        id: event.delivery.id,
        deliveries: event.delivery.deliveries,
        deadLetterStream: event.deadLetterStream,
        error: event.error,
      });
    case "reclaimed":
      return log("info", { event: "claimed", ids: event.ids });
    case "deleted":
      return log("warn", { event: "deleted", id: event.id });
    case "group-created":
      return log("info", { event: "group-created", start: event.start });
    case "consumer-removed":
      return log("info", { event: "consumer-removed", removed: event.consumer });
    case "unhealthy":
      return log("warn", {
        event: "unhealthy",
        operation: event.operation,
        waitedMs: event.waitedMs,
      });
    case "healthy":
      return log("info", { event: "healthy", unhealthyMs: event.unhealthyMs });
    case "error":
      return log("warn", { event: "error", error: event.error, repeated: event.repeated });
    case "recovered":
      return log("info", { event: "recovered", error: event.error, failedMs: event.failedMs });
  }
}

/**
 * Starts what the consumer's operations options ask for: the metrics server
 * and its refresh, JSON logs, spans. Dispose it to stop them.
 */
export async function startConsumerOps(
  ops: OpsArgs,
  names: { stream: string; group?: string; consumer: string },
  store: StreamStore,
): Promise<ConsumerOps> {
  const base = { stream: names.stream, group: names.group, consumer: names.consumer };
  const log = ops.logFormat === "json" ? jsonLogger(base) : undefined;
  const tracing: Tracing | undefined = otelEnabled()
    ? await loadTracing("rstream-consume")
    : undefined;
  let metrics: ConsumerMetrics | undefined;
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  let refresh: Disposable | undefined;
  if (ops.metricsPort !== undefined && names.group !== undefined) {
    metrics = new ConsumerMetrics({ ...names, group: names.group });
    server = await startServer(ops, metrics, log);
    refresh = metrics.startRefresh(store, { intervalMs: ops.metricsIntervalMs });
  }
  return {
    store: metrics ? metrics.watch(store) : store,
    handler(handler) {
      const traced = tracing
        ? (d: Delivery) => tracing.process({ ...d, group: names.group }, () => handler(d))
        : handler;
      return metrics
        ? metrics.wrapHandler(traced) as (delivery: Delivery) => Promise<void>
        : traced;
    },
    onEvent(text) {
      return (event) => {
        metrics?.onEvent(event);
        if (log) logWorkerEvent(log, event);
        else text(event);
      };
    },
    printer: log ? (event, data) => log("info", { event, ...data }) : undefined,
    async [Symbol.asyncDispose]() {
      refresh?.[Symbol.dispose]();
      await server?.close();
    },
  };
}

/** What {@linkcode startProducerOps} hooks into the producer. */
export interface ProducerOps extends AsyncDisposable {
  /** The store, with adds timed, counted, traced and given a traceparent with `--trace-context`. */
  store(store: StreamStore): StreamStore;
  /** The spool, likewise, with its length and oldest age refreshed on the interval. */
  spool(spool: Spool): Spool;
  /** The forwarder's event hook: metrics, and JSON logs instead of `text` with `--log-format json`. */
  onForwardEvent(text: (event: ForwardEvent) => void): (event: ForwardEvent) => void;
  /** With `--log-format json`, logs a reading sent or spooled and returns true. */
  logReading(line: { id?: string; seq?: number }): boolean;
}

function logForwardEvent(log: Logger, event: ForwardEvent): void {
  switch (event.type) {
    case "connected":
      return log("info", { event: "connected", url: event.url });
    case "forwarded":
      return log("info", {
        event: "forwarded",
        count: event.count,
        firstSeq: event.firstSeq,
        lastSeq: event.lastSeq,
        id: event.lastId,
      });
    case "already-forwarded":
      return log("info", {
        event: "already-forwarded",
        count: event.count,
        firstSeq: event.firstSeq,
        lastSeq: event.lastSeq,
      });
    case "unreachable":
      return log("warn", { event: "unreachable", spooled: event.spooled, error: event.error });
    case "stalled":
      return log("warn", { event: "stalled", waitedMs: event.waitedMs, spooled: event.spooled });
    case "error":
      return log("warn", { event: "error", error: event.error });
  }
}

/**
 * Starts what the producer's operations options ask for: the metrics server,
 * JSON logs, spans and the traceparent field. Dispose it to stop them.
 */
export async function startProducerOps(
  ops: OpsArgs,
  names: { stream: string; sensorId: string },
): Promise<ProducerOps> {
  const base = { stream: names.stream, sensor_id: names.sensorId };
  const log = ops.logFormat === "json" ? jsonLogger(base) : undefined;
  const tracing = otelEnabled() || ops.traceContext
    ? await loadTracing("rstream-produce")
    : undefined;
  if (ops.traceContext && !tracing?.recording) {
    console.error(
      "warning: --trace-context: OpenTelemetry is off (set OTEL_DENO=true); no traceparent is written",
    );
  }
  const wanted = ops.metricsPort !== undefined || tracing !== undefined;
  const metrics = wanted
    ? new ProducerMetrics({
      stream: names.stream,
      stallMs: ops.metricsIntervalMs,
      ...(tracing ? { tracing, traceContext: ops.traceContext } : {}),
    })
    : undefined;
  const server = ops.metricsPort !== undefined ? await startServer(ops, metrics!, log) : undefined;
  let refresh: Disposable | undefined;
  return {
    store: (store) => metrics ? metrics.wrapStore(store) : store,
    spool(spool) {
      if (!metrics) return spool;
      refresh = metrics.startRefresh(spool, { intervalMs: ops.metricsIntervalMs });
      return metrics.wrapSpool(spool);
    },
    onForwardEvent(text) {
      return (event) => {
        metrics?.onForwardEvent(event);
        if (log) logForwardEvent(log, event);
        else text(event);
      };
    },
    logReading(line) {
      if (!log) return false;
      if (line.id !== undefined) log("info", { event: "sent", id: line.id });
      else log("info", { event: "spooled", spool_seq: line.seq });
      return true;
    },
    async [Symbol.asyncDispose]() {
      refresh?.[Symbol.dispose]();
      metrics?.[Symbol.dispose]();
      await server?.close();
    },
  };
}
