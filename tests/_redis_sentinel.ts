/**
 * Test helper: 1 master + 1 replica + 3 Sentinels (`redis-sentinel`, quorum 2,
 * `down-after-milliseconds 1000`) on free loopback ports in temporary
 * directories, stopped on dispose.
 *
 * @module
 */

import { freePort, type RedisServer, startRedis } from "./_redis_server.ts";

/** A running Sentinel setup owned by one test. */
export interface RedisSentinels extends AsyncDisposable {
  /** `redis+sentinel://127.0.0.1:P1,127.0.0.1:P2,127.0.0.1:P3/mymaster`. */
  readonly url: string;
  /** The master's name the Sentinels monitor. */
  readonly masterName: string;
  /** The data servers: [the first master, its replica]. */
  readonly servers: RedisServer[];
  /** The port of the master the Sentinels name now. */
  masterPort(): Promise<number>;
  /** SIGKILLs a data server. */
  kill(port: number): Promise<void>;
  /** Starts a killed data server again on its port, as a replica of `replicaOf` (as the Sentinels would make it, sooner). */
  restart(port: number, replicaOf: number): Promise<void>;
  /** Stops everything and removes the directories. */
  stop(): Promise<void>;
}

async function cli(port: number, ...args: string[]): Promise<string> {
  const out = await new Deno.Command("redis-cli", {
    args: ["-h", "127.0.0.1", "-p", String(port), ...args],
    stdout: "piped",
    stderr: "null",
  }).output();
  return new TextDecoder().decode(out.stdout).trim();
}

async function until(what: string, ms: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`Timed out waiting for ${what}`);
}

/**
 * Starts the master, its replica and 3 Sentinels, and waits until every
 * Sentinel knows the replica and the other Sentinels.
 *
 * @example
 * ```ts ignore
 * await using sentinels = await startSentinels();
 * await using store = await openStore(sentinels.url);
 * ```
 */
export async function startSentinels(): Promise<RedisSentinels> {
  const masterName = "mymaster";
  const servers: RedisServer[] = [];
  const sentinels: { port: number; dir: string; child: Deno.ChildProcess }[] = [];
  const stop = async () => {
    for (const s of sentinels) {
      try {
        s.child.kill("SIGKILL");
      } catch { /* gone */ }
      await s.child.status;
      await Deno.remove(s.dir, { recursive: true }).catch(() => {});
    }
    await Promise.all(servers.map((s) => s.stop()));
    await Promise.all(servers.map((s) => Deno.remove(s.dir, { recursive: true }).catch(() => {})));
  };
  const dataArgs = ["--repl-diskless-sync-delay", "0"];
  try {
    const master = await startRedis({ args: dataArgs, keepDir: true });
    servers.push(master);
    servers.push(
      await startRedis({
        args: [...dataArgs, "--replicaof", "127.0.0.1", String(master.port)],
        keepDir: true,
      }),
    );
    for (let i = 0; i < 3; i++) {
      const port = freePort();
      const dir = await Deno.makeTempDir({ prefix: "rstream-sentinel-" });
      await Deno.writeTextFile(
        `${dir}/sentinel.conf`,
        [
          `port ${port}`,
          `bind 127.0.0.1`,
          `dir ${dir}`,
          `logfile ${dir}/sentinel.log`,
          `sentinel monitor ${masterName} 127.0.0.1 ${master.port} 2`,
          `sentinel down-after-milliseconds ${masterName} 1000`,
          `sentinel failover-timeout ${masterName} 3000`,
          `sentinel parallel-syncs ${masterName} 1`,
          "",
        ].join("\n"),
      );
      const child = new Deno.Command("redis-sentinel", {
        args: [`${dir}/sentinel.conf`],
        stdin: "null",
        stdout: "null",
        stderr: "null",
      }).spawn();
      sentinels.push({ port, dir, child });
    }
    for (const s of sentinels) {
      await until("the Sentinels to see the replica and each other", 15_000, async () => {
        const info = await cli(s.port, "SENTINEL", "MASTER", masterName);
        const fields = info.split("\n");
        const value = (name: string) => fields[fields.indexOf(name) + 1];
        return value("num-slaves") === "1" && value("num-other-sentinels") === "2";
      });
    }
  } catch (error) {
    await stop();
    throw error;
  }
  const masterPort = async () => {
    for (const s of sentinels) {
      const out = await cli(s.port, "SENTINEL", "get-master-addr-by-name", masterName);
      const port = Number(out.split("\n")[1]);
      if (port) return port;
    }
    throw new Error("no Sentinel names a master");
  };
  return {
    url: `redis+sentinel://${sentinels.map((s) => `127.0.0.1:${s.port}`).join(",")}/${masterName}`,
    masterName,
    servers,
    masterPort,
    kill: async (port) => {
      const server = servers.find((s) => s.port === port)!;
      server.process.kill("SIGKILL");
      await server.process.status;
    },
    restart: async (port, replicaOf) => {
      const i = servers.findIndex((s) => s.port === port);
      servers[i] = await startRedis({
        port,
        dir: servers[i]!.dir,
        keepDir: true,
        args: [...dataArgs, "--replicaof", "127.0.0.1", String(replicaOf)],
      });
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
