/**
 * `rstream serve`: the embedded store as a Redis-protocol (RESP2) server, so
 * redis-cli, redis-py and any Redis client share one embedded store with the
 * Deno programs, and `--forward` copies the streams to a central Redis.
 *
 * @example Serve an in-memory store on a free port
 * ```ts
 * import { serve } from "@rstream/rstream/serve";
 * import { openEmbeddedConnection } from "@rstream/rstream/embedded";
 * import assert from "node:assert/strict";
 * await using connection = openEmbeddedConnection(":memory:");
 * await using server = serve({ connection, port: 0 });
 * assert.ok(server.port > 0);
 * ```
 *
 * @module
 */

export { isLoopback, serve, ServeError } from "./server.ts";
export type { RespServer, ServeEvent, ServeOptions } from "./server.ts";
export type { ServeStats } from "./_server_commands.ts";
export { serveMetrics } from "./metrics.ts";
export type { ServeMetricsSource } from "./metrics.ts";
export { parseServeArgs, serveMain } from "./main.ts";
export type { ServeArgs } from "./main.ts";
export { ForwardError, forwardStreams } from "./forward.ts";
export type { StreamForwardEvent, StreamForwardOptions } from "./forward.ts";
