/**
 * `rstream serve [--port N] [--bind ADDR] [--password P] [--url file:PATH|memory:]
 * [--forward redis://…]`: the command line of the RESP server.
 *
 * @module
 */

import { DEFAULT_DB_PATH, readEnv } from "../open_store.ts";
import { errorLine } from "../errors.ts";
import { redactUrl } from "../redact_url.ts";
import { openEmbeddedConnection } from "../embedded/connection.ts";
import { serve, ServeError } from "./server.ts";
import { forwardStreams } from "./forward.ts";
import { serveMetrics } from "./metrics.ts";

/** The parsed options of `rstream serve`. */
export interface ServeArgs {
  /** `--port` (default 6379). */
  port: number;
  /** `--bind` (default `127.0.0.1`). */
  bind: string;
  /** `--password`, else `RSTREAM_SERVE_PASSWORD`. */
  password: string | undefined;
  /** `--url`, else `file:` + `RSTREAM_DB`, else the default file. */
  url: string;
  /** `--forward`: the central Redis. */
  forward: string | undefined;
  /** `--forward-match` (default `*`). */
  forwardMatch: string;
  /** `--metrics-port`: serve /metrics, /healthz and /readyz on it (0: any free port). */
  metricsPort: number | undefined;
  /** `--metrics-bind` (default `127.0.0.1`). */
  metricsBind: string;
}

const USAGE = `Usage: rstream serve [options]

Serves the embedded store over the Redis protocol (RESP2), so redis-cli, redis-py
and any Redis client can use it.

Options:
  --port N           TCP port (default 6379)
  --bind ADDR        address to listen on (default 127.0.0.1; any other needs a password)
  --password P       the password AUTH must give (default: RSTREAM_SERVE_PASSWORD)
  --url URL          file:PATH or memory: (default: file:RSTREAM_DB, else file:${DEFAULT_DB_PATH})
  --forward URL      copy every served stream to this Redis (redis:// or rediss://), same IDs
  --forward-match P  forward only the streams whose names match this glob (default *)
  --metrics-port N   serve /metrics (Prometheus), /healthz and /readyz on this port
  --metrics-bind A   address of the metrics port (default 127.0.0.1)
  -h, --help         show this help
`;

/**
 * Parses `rstream serve`'s arguments (after `serve`).
 *
 * @example The defaults
 * ```ts
 * import { parseServeArgs } from "./main.ts";
 * import assert from "node:assert/strict";
 * const args = parseServeArgs(["--url", "memory:"], () => undefined);
 * assert.equal(args.port, 6379);
 * assert.equal(args.bind, "127.0.0.1");
 * assert.equal(args.url, "memory:");
 * ```
 *
 * @throws {ServeError} for an unknown option, a missing value or a bad port
 */
export function parseServeArgs(
  argv: readonly string[],
  env: (name: string) => string | undefined = readEnv,
): ServeArgs {
  const out: ServeArgs = {
    port: 6379,
    bind: "127.0.0.1",
    password: env("RSTREAM_SERVE_PASSWORD") || undefined,
    url: "",
    forward: undefined,
    forwardMatch: "*",
    metricsPort: undefined,
    metricsBind: "127.0.0.1",
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf("=");
    const name = arg.startsWith("--") && eq !== -1 ? arg.slice(0, eq) : arg;
    const value = () => {
      if (eq !== -1 && arg.startsWith("--")) return arg.slice(eq + 1);
      const next = argv[++i];
      if (next === undefined) {
        throw new ServeError(`${name} needs a value; see rstream serve --help`);
      }
      return next;
    };
    switch (name) {
      case "--port": {
        const text = value();
        const port = Number(text);
        if (!/^[0-9]+$/.test(text) || port > 65535) {
          throw new ServeError(`--port must be a number from 0 to 65535, got '${text}'`);
        }
        out.port = port;
        break;
      }
      case "--bind":
        out.bind = value();
        break;
      case "--password":
        out.password = value() || undefined;
        break;
      case "--url":
        out.url = value();
        break;
      case "--forward":
        out.forward = value();
        break;
      case "--forward-match":
        out.forwardMatch = value();
        break;
      case "--metrics-port": {
        const text = value();
        if (!/^[0-9]+$/.test(text) || Number(text) > 65535) {
          throw new ServeError(`--metrics-port must be a number from 0 to 65535, got '${text}'`);
        }
        out.metricsPort = Number(text);
        break;
      }
      case "--metrics-bind":
        out.metricsBind = value();
        break;
      default:
        throw new ServeError(`Unknown option '${arg}' for rstream serve; see rstream serve --help`);
    }
  }
  if (out.url === "") {
    const db = env("RSTREAM_DB");
    out.url = `file:${db || DEFAULT_DB_PATH}`;
  }
  if (out.url !== "memory:" && !out.url.startsWith("file:")) {
    throw new ServeError(
      `rstream serve serves the embedded store: --url must be file:PATH or memory:, got '${
        redactUrl(out.url)
      }'`,
    );
  }
  if (out.forward !== undefined && !/^rediss?:\/\//.test(out.forward)) {
    throw new ServeError(
      `--forward must be a redis:// or rediss:// URL, got '${redactUrl(out.forward)}'`,
    );
  }
  return out;
}

/**
 * Runs `rstream serve` until SIGINT or SIGTERM; returns the exit code.
 *
 * @example Print the help
 * ```ts
 * import { serveMain } from "./main.ts";
 * import assert from "node:assert/strict";
 * const lines: string[] = [];
 * assert.equal(await serveMain(["--help"], { write: (text) => lines.push(text) }), 0);
 * assert.match(lines.join(""), /^Usage: rstream serve/);
 * ```
 */
export async function serveMain(
  argv: readonly string[],
  io: { write: (text: string) => void; signal?: AbortSignal } = {
    write: (text) => Deno.stderr.writeSync(new TextEncoder().encode(text)),
  },
): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    io.write(USAGE);
    return 0;
  }
  let args: ServeArgs;
  try {
    args = parseServeArgs(argv);
  } catch (error) {
    io.write(errorLine(error) + "\n");
    return 2;
  }
  const path = args.url === "memory:" ? ":memory:" : args.url.slice("file:".length);
  let connection;
  try {
    connection = openEmbeddedConnection(path, { displayUrl: args.url });
  } catch (error) {
    io.write(errorLine(error) + "\n"); // the store's errors name the file
    return 1;
  }
  const stop = new AbortController();
  io.signal?.addEventListener("abort", () => stop.abort());
  const onSignal = () => stop.abort();
  const signals: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
  for (const s of signals) Deno.addSignalListener(s, onSignal);
  try {
    let server;
    try {
      server = serve({
        connection,
        port: args.port,
        hostname: args.bind,
        password: args.password,
        storeLabel: args.url,
      });
    } catch (error) {
      io.write(errorLine(error) + "\n");
      return 1;
    }
    io.write(
      `rstream serve: ${args.url} on ${server.hostname}:${server.port}${
        args.password ? " (password required)" : ""
      }\n`,
    );
    let ops: AsyncDisposable | undefined;
    if (args.metricsPort !== undefined) {
      const { serveOps } = await import("../ops/http.ts");
      const { HealthState } = await import("../ops/health.ts");
      const health = new HealthState();
      health.ready(); // listening: the store opened and the port is bound
      try {
        const opsServer = await serveOps({
          port: args.metricsPort,
          hostname: args.metricsBind,
          metrics: serveMetrics(server),
          health,
        });
        ops = opsServer;
        io.write(`metrics on http://${opsServer.hostname}:${opsServer.port}/metrics\n`);
      } catch (error) {
        await server.close();
        io.write(errorLine(error) + "\n");
        return 1;
      }
    }
    const forwarding = args.forward === undefined ? undefined : forwardStreams(connection, {
      url: args.forward,
      match: args.forwardMatch,
      signal: stop.signal,
      onEvent: (event) => {
        if (event.type === "forwarded") {
          io.write(`forwarded ${event.count} entries of ${event.stream} (to ${event.lastId})\n`);
        } else if (event.type === "error") {
          io.write(`forward: ${event.error.message}; retrying in ${event.retryInMs} ms\n`);
        }
      },
    });
    await new Promise<void>((resolve) => {
      if (stop.signal.aborted) resolve();
      stop.signal.addEventListener("abort", () => resolve(), { once: true });
    });
    io.write("rstream serve: stopping\n");
    await ops?.[Symbol.asyncDispose]();
    await server.close();
    await forwarding?.catch(() => {});
    return 0;
  } finally {
    for (const s of signals) Deno.removeSignalListener(s, onSignal);
    await connection.close();
  }
}
