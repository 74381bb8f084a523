/**
 * The bench's own redis-server: the test helper's, on a free loopback port
 * with no persistence, in the bench's scratch directory (the bench may write
 * only under `.rstream`).
 *
 * @module
 */

import { startRedis } from "../tests/_redis_server.ts";

/** A running redis-server owned by the bench. */
export interface BenchRedis extends AsyncDisposable {
  /** `redis://127.0.0.1:PORT`. */
  readonly url: string;
  /** The port it listens on. */
  readonly port: number;
  /** The server's pid, to read its CPU time. */
  readonly pid: number;
}

/** Starts redis-server without persistence (`--save '' --appendonly no`) in `dir`. */
export async function startBenchRedis(dir: string): Promise<BenchRedis> {
  const redis = await startRedis({ dir, keepDir: true });
  return {
    url: redis.url,
    port: redis.port,
    pid: redis.process.pid,
    [Symbol.asyncDispose]: () => redis.stop(),
  };
}
