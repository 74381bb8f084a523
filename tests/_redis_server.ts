/**
 * Test helper (also used by the bench): starts a private `redis-server` on a
 * free loopback port with a temporary directory, and stops it on dispose.
 *
 * When redis-server is not on PATH, {@linkcode redisAvailable} explains why and
 * Redis suites are ignored — unless `RSTREAM_REQUIRE_REDIS=1`, where they fail.
 *
 * @module
 */

/** A running redis-server owned by one test. */
export interface RedisServer extends AsyncDisposable {
  /** `redis://127.0.0.1:PORT`. */
  readonly url: string;
  readonly port: number;
  /** The server's working directory (AOF/RDB files live here). */
  readonly dir: string;
  readonly process: Deno.ChildProcess;
  /** Stops the server (SIGTERM, then SIGKILL after 2 s) and removes its directory. */
  stop(): Promise<void>;
}

/** Options for {@linkcode startRedis}. */
export interface StartRedisOptions {
  /** Extra `redis-server` arguments, such as `["--appendonly", "yes"]`. */
  args?: string[];
  /** Reuse this port (to restart a server on the same address). */
  port?: number;
  /** Reuse this directory (to restart a server on the same data). */
  dir?: string;
  /** Keep `dir` on stop (default: only when `dir` was given). */
  keepDir?: boolean;
}

let probe: Promise<string | undefined> | undefined;

/** Why Redis suites cannot run here, or `undefined` when they can. */
export function redisUnavailableReason(): Promise<string | undefined> {
  probe ??= (async () => {
    try {
      const out = await new Deno.Command("redis-server", { args: ["--version"], stdout: "null" })
        .output();
      return out.success ? undefined : "redis-server --version failed";
    } catch {
      return "redis-server is not on PATH (apt-get install redis-server)";
    }
  })();
  return probe;
}

/** Whether Redis suites must run (`RSTREAM_REQUIRE_REDIS=1`). */
export function redisRequired(): boolean {
  try {
    return Deno.env.get("RSTREAM_REQUIRE_REDIS") === "1";
  } catch {
    return false; // no env permission (the bench): nothing requires it
  }
}

const reason = await redisUnavailableReason();
if (reason && !redisRequired()) {
  console.warn(`Redis suites ignored: ${reason}`);
}

/**
 * `true` when Redis tests should be ignored: redis-server is missing and
 * `RSTREAM_REQUIRE_REDIS` is not `1`. Use as `Deno.test({ ignore: ignoreRedis, … })`.
 */
export const ignoreRedis: boolean = reason !== undefined && !redisRequired();

/** Returns a free TCP port on 127.0.0.1. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

async function waitForPort(port: number, child: Deno.ChildProcess, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  child.status.then(() => exited = true);
  while (Date.now() < deadline) {
    if (exited) throw new Error(`redis-server on port ${port} exited during start`);
    try {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      conn.close();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  throw new Error(`redis-server did not listen on port ${port} within ${timeoutMs} ms`);
}

/**
 * Starts redis-server on a free loopback port (no persistence unless `args`
 * say so) and waits until it accepts connections.
 *
 * @example
 * ```ts ignore
 * await using redis = await startRedis();
 * await using store = await openStore(redis.url);
 * ```
 */
export async function startRedis(options: StartRedisOptions = {}): Promise<RedisServer> {
  if (reason) throw new Error(`Cannot start redis-server: ${reason}`);
  const dir = options.dir ?? await Deno.makeTempDir({ prefix: "rstream-redis-" });
  const keepDir = options.keepDir ?? options.dir !== undefined;
  for (let attempt = 0;; attempt++) {
    const port = options.port ?? freePort();
    const child = new Deno.Command("redis-server", {
      args: [
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--dir",
        dir,
        "--save",
        "",
        "--appendonly",
        "no",
        "--daemonize",
        "no",
        "--logfile",
        `${dir}/redis.log`,
        ...(options.args ?? []),
      ],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    try {
      await waitForPort(port, child, 5000);
    } catch (error) {
      try {
        child.kill("SIGKILL");
      } catch { /* already gone */ }
      await child.status;
      if (options.port === undefined && attempt < 3) continue; // port raced away: retry
      throw error;
    }
    let stopped: Promise<void> | undefined;
    const stop = () =>
      stopped ??= (async () => {
        try {
          child.kill("SIGCONT");
          child.kill("SIGTERM");
        } catch { /* already gone */ }
        const timer = setTimeout(() => {
          try {
            child.kill("SIGKILL");
          } catch { /* already gone */ }
        }, 2000);
        await child.status;
        clearTimeout(timer);
        if (!keepDir) await Deno.remove(dir, { recursive: true }).catch(() => {});
      })();
    return {
      url: `redis://127.0.0.1:${port}`,
      port,
      dir,
      process: child,
      stop,
      [Symbol.asyncDispose]: stop,
    };
  }
}
