/**
 * `rstream serve`'s Prometheus metrics: clients connected, commands by name
 * and error replies by their first word, read from the server's INFO
 * counters when scraped (nothing is counted twice).
 *
 * @module
 */

import { MetricsRegistry } from "../ops/metrics.ts";
import type { ServeStats } from "./_server_commands.ts";

/** What the metrics read from a running server. */
export interface ServeMetricsSource {
  /** Clients connected now. */
  readonly clientCount: number;
  /** The counters INFO commandstats and errorstats show. */
  readonly stats: ServeStats;
}

/**
 * A registry with `rstream_serve_clients`, `rstream_serve_commands_total{command}`
 * and `rstream_serve_errors_total{code}` for `server`.
 *
 * @example Render a server's counters
 * ```ts
 * import { serveMetrics } from "@rstream/rstream/serve";
 * import assert from "node:assert/strict";
 * const stats = {
 *   commands: new Map([["xadd", { calls: 3, usec: 30, failed: 1, rejected: 0 }]]),
 *   errors: new Map([["ERR", 1]]),
 *   totalCommands: 3,
 *   totalErrors: 1,
 * };
 * const text = serveMetrics({ clientCount: 2, stats }).render();
 * assert.match(text, /^rstream_serve_clients 2$/m);
 * assert.match(text, /^rstream_serve_commands_total\{command="xadd"\} 3$/m);
 * assert.match(text, /^rstream_serve_errors_total\{code="ERR"\} 1$/m);
 * ```
 */
export function serveMetrics(server: ServeMetricsSource): MetricsRegistry {
  const registry = new MetricsRegistry();
  const clients = registry.gauge({ name: "rstream_serve_clients", help: "Clients connected now" });
  const commands = registry.counter({
    name: "rstream_serve_commands_total",
    help: "Commands run, by name",
    labelNames: ["command"],
  });
  const errors = registry.counter({
    name: "rstream_serve_errors_total",
    help: "Error replies, by their first word",
    labelNames: ["code"],
  });
  registry.onCollect(() => {
    clients.set({}, server.clientCount);
    // CONFIG RESETSTAT starts INFO's counters again; a Prometheus counter only grows.
    for (const [command, entry] of server.stats.commands) {
      const added = entry.calls - commands.get({ command });
      if (added > 0) commands.inc({ command }, added);
    }
    for (const [code, n] of server.stats.errors) {
      const added = n - errors.get({ code });
      if (added > 0) errors.inc({ code }, added);
    }
  });
  return registry;
}
