/**
 * The ops HTTP server: `/metrics` (Prometheus text), `/healthz` and
 * `/readyz` (200 or 503 with one line), nothing else (404).
 *
 * @module
 */

import { StreamError } from "../errors.ts";
import type { HealthState } from "./health.ts";
import { type MetricsRegistry, PROMETHEUS_CONTENT_TYPE } from "./metrics.ts";

/** Options of {@linkcode serveOps}. */
export interface ServeOpsOptions {
  /** The port to listen on (0: any free port; read it from {@linkcode OpsServer.port}). */
  port: number;
  /** The address to bind (default `127.0.0.1`: only this machine can scrape). */
  hostname?: string;
  /** What `/metrics` renders. */
  metrics: MetricsRegistry;
  /** What `/healthz` and `/readyz` answer. */
  health: HealthState;
}

/** A running ops server; dispose it (or {@linkcode OpsServer.close}) to stop it. */
export interface OpsServer extends AsyncDisposable {
  /** The address it listens on. */
  readonly hostname: string;
  /** The port it listens on. */
  readonly port: number;
  /** Stops listening and waits for requests in progress. */
  close(): Promise<void>;
}

/** The ops server could not listen (port in use, no permission). */
export class OpsServerError extends StreamError {
  /** The error's name, for `instanceof`-free checks. */
  override name = "OpsServerError";
}

/**
 * The response to one request of the ops server: exported so another server
 * (for example `rstream serve`'s) can answer the same paths.
 *
 * @example Answer the three paths without a socket
 * ```ts
 * import { HealthState, MetricsRegistry, opsResponse } from "@rstream/rstream/ops";
 * import assert from "node:assert/strict";
 * const metrics = new MetricsRegistry();
 * metrics.counter({ name: "x_total", help: "x" }).inc();
 * const health = new HealthState();
 * const get = (path: string) => opsResponse(new Request(`http://h${path}`), { metrics, health });
 * assert.match(await get("/metrics").text(), /^x_total 1$/m);
 * assert.equal(get("/readyz").status, 503);
 * assert.equal(await get("/readyz").text(), "not ready: starting\n");
 * assert.equal(get("/healthz").status, 200);
 * assert.equal(get("/other").status, 404);
 * ```
 */
export function opsResponse(
  request: Request,
  options: { metrics: MetricsRegistry; health: HealthState },
): Response {
  const path = new URL(request.url).pathname;
  if (request.method !== "GET" && request.method !== "HEAD") {
    return new Response("only GET\n", { status: 405, headers: { allow: "GET, HEAD" } });
  }
  const text = { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" };
  switch (path) {
    case "/metrics":
      return new Response(options.metrics.render(), {
        headers: { "content-type": PROMETHEUS_CONTENT_TYPE, "cache-control": "no-store" },
      });
    case "/healthz":
    case "/readyz": {
      const status = path === "/healthz" ? options.health.health() : options.health.readiness();
      return new Response(`${status.reason}\n`, { status: status.ok ? 200 : 503, headers: text });
    }
    default:
      return new Response("not found: try /metrics, /healthz or /readyz\n", {
        status: 404,
        headers: text,
      });
  }
}

/**
 * Serves `/metrics`, `/healthz` and `/readyz` on `hostname:port`.
 *
 * @example Scrape a server on a free loopback port
 * ```ts
 * import { HealthState, MetricsRegistry, serveOps } from "@rstream/rstream/ops";
 * import assert from "node:assert/strict";
 * const metrics = new MetricsRegistry();
 * metrics.gauge({ name: "up_now", help: "1 when up" }).set({}, 1);
 * const health = new HealthState();
 * await using server = await serveOps({ port: 0, metrics, health });
 * const base = `http://127.0.0.1:${server.port}`;
 * assert.match(await (await fetch(`${base}/metrics`)).text(), /^up_now 1$/m);
 * const healthz = await fetch(`${base}/healthz`);
 * assert.equal(healthz.status, 200);
 * assert.equal(await healthz.text(), "ok\n");
 * ```
 *
 * @throws {OpsServerError} when it cannot listen (the port is in use, or no net permission).
 */
export function serveOps(options: ServeOpsOptions): Promise<OpsServer> {
  const hostname = options.hostname ?? "127.0.0.1";
  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = Deno.serve({
      port: options.port,
      hostname,
      onListen: () => {},
      onError: () => new Response("internal error\n", { status: 500 }),
    }, (request) => opsResponse(request, options));
  } catch (error) {
    const why = error instanceof Deno.errors.AddrInUse
      ? "the address is in use; choose another --metrics-port"
      : (error as Error).message;
    return Promise.reject(
      new OpsServerError(`Cannot serve metrics on ${hostname}:${options.port}: ${why}`, {
        cause: error,
      }),
    );
  }
  const close = async () => {
    await server.shutdown();
  };
  return Promise.resolve({
    hostname: server.addr.hostname,
    port: server.addr.port,
    close,
    [Symbol.asyncDispose]: close,
  });
}
