/**
 * The bench's own redis-server: a free loopback port, no persistence, a
 * scratch directory, stopped on dispose. (The test helper in
 * `tests/_redis_server.ts` reads environment variables the bench has no
 * permission for, so the bench keeps this small copy.)
 *
 * @module
 */

/** A running redis-server owned by the bench. */
export interface BenchRedis extends AsyncDisposable {
  /** `redis://127.0.0.1:PORT`. */
  readonly url: string;
  /** The port it listens on. */
  readonly port: number;
  /** The server's pid, to read its CPU time. */
  readonly pid: number;
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

async function waitForPort(port: number, exited: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    if (exited()) throw new Error(`redis-server on port ${port} exited during start`);
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  throw new Error(`redis-server did not listen on port ${port} within 5000 ms`);
}

/** Starts redis-server without persistence (`--save '' --appendonly no`) in `dir`. */
export async function startBenchRedis(dir: string): Promise<BenchRedis> {
  for (let attempt = 0;; attempt++) {
    const port = freePort();
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
        "",
      ],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    let exited = false;
    const status = child.status.then((s) => {
      exited = true;
      return s;
    });
    try {
      await waitForPort(port, () => exited);
    } catch (error) {
      if (!exited) child.kill("SIGKILL");
      await status;
      if (attempt < 3) continue; // the port raced away: try another
      throw error;
    }
    let stopped: Promise<void> | undefined;
    const stop = () =>
      stopped ??= (async () => {
        if (!exited) child.kill("SIGTERM");
        await status;
      })();
    return {
      url: `redis://127.0.0.1:${port}`,
      port,
      pid: child.pid,
      [Symbol.asyncDispose]: stop,
    };
  }
}
