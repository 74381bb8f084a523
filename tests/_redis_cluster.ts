/**
 * Test helper: a Redis Cluster of 3 masters and 3 replicas on free loopback
 * ports, each node in its own temporary directory
 * (`redis-server --cluster-enabled yes --cluster-node-timeout 1000`, then
 * `redis-cli --cluster create … --cluster-replicas 1`), stopped on dispose.
 *
 * @module
 */

import { freePort, type RedisServer, startRedis } from "./_redis_server.ts";

/** One node of a {@linkcode RedisCluster}. */
export interface ClusterNode {
  readonly port: number;
  /** The running process (replaced by {@linkcode RedisCluster.restart}). */
  server: RedisServer;
}

/** A running cluster owned by one test. */
export interface RedisCluster extends AsyncDisposable {
  /** `redis://127.0.0.1:PORT` of the first node (any node works as a seed). */
  readonly url: string;
  readonly nodes: ClusterNode[];
  /** Runs `redis-cli -p PORT ARGS…` and returns its stdout, trimmed. */
  cli(port: number, ...args: string[]): Promise<string>;
  /** The port of the master serving `slot`. */
  masterOf(slot: number): Promise<number>;
  /** The ports of the masters serving slots, sorted. */
  masters(): Promise<number[]>;
  /** Kills a node with SIGKILL (kill -9) and waits until it is gone. */
  kill(port: number): Promise<void>;
  /** Starts a killed node again on its port and data (it rejoins, as a replica if it was failed over). */
  restart(port: number): Promise<void>;
  /** Stops every node and removes their directories. */
  stop(): Promise<void>;
}

async function cli(port: number, ...args: string[]): Promise<string> {
  const out = await new Deno.Command("redis-cli", {
    args: ["-h", "127.0.0.1", "-p", String(port), ...args],
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).output();
  const text = new TextDecoder().decode(out.stdout).trim();
  if (!out.success) {
    throw new Error(`redis-cli ${args.join(" ")} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
  return text;
}

async function slotsOf(port: number): Promise<{ start: number; end: number; port: number }[]> {
  const out = await new Deno.Command("redis-cli", {
    args: ["-h", "127.0.0.1", "-p", String(port), "--json", "CLUSTER", "SLOTS"],
    stdout: "piped",
    stderr: "null",
  }).output();
  const rows = JSON.parse(new TextDecoder().decode(out.stdout) || "[]") as unknown[][];
  return rows.map((row) => ({
    start: Number(row[0]),
    end: Number(row[1]),
    port: Number((row[2] as unknown[])[1]),
  }));
}

/** Waits until every live node says `cluster_state:ok` and agrees on 3 masters with a replica each. */
async function waitHealthy(ports: number[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const states = await Promise.all(ports.map((p) => cli(p, "CLUSTER", "INFO")));
      if (states.every((s) => s.includes("cluster_state:ok"))) {
        const infos = await Promise.all(ports.map((p) => cli(p, "INFO", "replication")));
        const linked = infos.filter((i) => /role:slave/.test(i) && /master_link_status:up/.test(i));
        if (linked.length === ports.length / 2) return;
      }
    } catch { /* a node still starting */ }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`The cluster on ports ${ports.join(",")} was not healthy within ${timeoutMs} ms`);
}

const NODE_ARGS = [
  "--cluster-enabled",
  "yes",
  "--cluster-config-file",
  "nodes.conf",
  "--cluster-node-timeout",
  "1000",
  "--repl-diskless-sync-delay",
  "0",
  "--cluster-replica-validity-factor",
  "0",
];

/**
 * Starts 6 cluster nodes, joins them as 3 masters + 3 replicas, and waits
 * until the cluster is healthy and every replica is linked.
 *
 * @example
 * ```ts ignore
 * await using cluster = await startRedisCluster();
 * await using store = await openStore(cluster.url);
 * ```
 */
export async function startRedisCluster(): Promise<RedisCluster> {
  const servers: RedisServer[] = [];
  const stop = async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await Promise.all(servers.map((s) => Deno.remove(s.dir, { recursive: true }).catch(() => {})));
  };
  try {
    for (let i = 0; i < 6; i++) {
      const port = freePort();
      servers.push(
        await startRedis({
          port,
          args: NODE_ARGS,
          keepDir: true, // removed by stop(): a killed node restarts on its data
        }),
      );
    }
    const ports = servers.map((s) => s.port);
    await cli(
      ports[0]!,
      "--cluster",
      "create",
      ...ports.map((p) => `127.0.0.1:${p}`),
      "--cluster-replicas",
      "1",
      "--cluster-yes",
    );
    await waitHealthy(ports, 20_000);
  } catch (error) {
    await stop();
    throw error;
  }
  const killed = new Set<number>();
  const live = () => servers.filter((s) => !killed.has(s.port)).map((s) => s.port);
  const nodes = servers.map((server) => ({ port: server.port, server }));
  const first = async () => {
    for (const port of live()) {
      const rows = await slotsOf(port).catch(() => []);
      if (rows.length > 0) return rows;
    }
    return [];
  };
  return {
    url: `redis://127.0.0.1:${servers[0]!.port}`,
    nodes,
    cli,
    kill: async (port) => {
      const node = nodes.find((n) => n.port === port)!;
      killed.add(port);
      node.server.process.kill("SIGKILL");
      await node.server.process.status;
    },
    restart: async (port) => {
      const node = nodes.find((n) => n.port === port)!;
      const server = await startRedis({
        port,
        dir: node.server.dir,
        keepDir: true,
        args: NODE_ARGS,
      });
      servers[servers.indexOf(node.server)] = server;
      node.server = server;
      killed.delete(port);
    },
    masterOf: async (slot) => (await first()).find((r) => r.start <= slot && slot <= r.end)!.port,
    masters: async () => [...new Set((await first()).map((r) => r.port))].sort((a, b) => a - b),
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
