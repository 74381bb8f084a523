/**
 * A TCP proxy in front of a redis-server that can blackhole the connections
 * open at a moment: their requests are held (not forwarded) until
 * `release()`, which delivers them late, after the client gave up and
 * reconnected. New connections pass through. This is what a link that stalls
 * for a while and then delivers does.
 *
 * @module
 */

import { freePort } from "../_redis_server.ts";

/** A running proxy. */
export interface BlackholeProxy extends AsyncDisposable {
  /** The port clients connect to. */
  port: number;
  /** Holds every request on the connections open now, from now on. */
  hold(): void;
  /** Forwards what was held, in order, and lets those connections flow again. */
  release(): Promise<void>;
  /** Bytes held so far. */
  heldBytes(): number;
}

interface Link {
  server: Deno.TcpConn;
  held: Uint8Array[] | undefined;
}

/** Starts a proxy on a free loopback port forwarding to `127.0.0.1:targetPort`. */
export function startProxy(targetPort: number): BlackholeProxy {
  const port = freePort();
  const listener = Deno.listen({ hostname: "127.0.0.1", port });
  const links = new Set<Link>();
  const conns = new Set<Deno.Conn>();
  const tasks: Promise<unknown>[] = [];
  const pipe = async (from: Deno.Conn, to: Deno.Conn, link?: Link) => {
    try {
      for await (const chunk of from.readable) {
        if (link?.held) link.held.push(chunk);
        else await writeAll(to, chunk);
      }
    } catch { /* closed */ }
  };
  const accepting = (async () => {
    for await (const client of listener) {
      const server = await Deno.connect({ hostname: "127.0.0.1", port: targetPort });
      const link: Link = { server, held: undefined };
      links.add(link);
      conns.add(client).add(server);
      tasks.push(pipe(client, server, link), pipe(server, client));
    }
  })().catch(() => {});
  return {
    port,
    hold() {
      for (const link of links) link.held ??= [];
    },
    async release() {
      for (const link of links) {
        const held = link.held ?? [];
        link.held = undefined;
        for (const chunk of held) await writeAll(link.server, chunk).catch(() => {});
      }
    },
    heldBytes() {
      let n = 0;
      for (const link of links) for (const chunk of link.held ?? []) n += chunk.length;
      return n;
    },
    async [Symbol.asyncDispose]() {
      listener.close();
      for (const conn of conns) {
        try {
          conn.close();
        } catch { /* already closed */ }
      }
      await accepting;
      await Promise.allSettled(tasks);
    },
  };
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  for (let at = 0; at < bytes.length;) at += await conn.write(bytes.subarray(at));
}
