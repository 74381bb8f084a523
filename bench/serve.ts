/**
 * `rstream serve` under redis-benchmark: XADD with the article's payload,
 * one connection, 100 commands per round trip (`-P 100`), against the
 * server on a `memory:` and on a `file:` store, in the same run (and rounds)
 * as the redis-server baseline.
 *
 * @module
 */

import { openEmbeddedConnection } from "../lib/embedded/connection.ts";
import { serve } from "../lib/serve/server.ts";
import { redisBenchmarkXadd } from "./baseline.ts";

/** redis-benchmark -P 100 XADD against `rstream serve`, entries/s, per store. */
export async function serveXadd(
  dir: string,
  options: { n: number; pipeline: number },
): Promise<{ memory: number; file: number }> {
  const rates = { memory: 0, file: 0 };
  for (const store of ["memory", "file"] as const) {
    const path = store === "memory" ? ":memory:" : `${dir}/serve-bench.db`;
    await using connection = openEmbeddedConnection(path);
    await using server = serve({ connection, port: 0 });
    rates[store] = await redisBenchmarkXadd(server.port, { ...options, key: "bench:serve" });
  }
  return rates;
}
