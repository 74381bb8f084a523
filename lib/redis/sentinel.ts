/**
 * Redis Sentinel: `redis+sentinel://[user:pass@]host:port[,host:port…]/MASTER_NAME[?db=N]`.
 * The master's address comes from the first Sentinel that answers
 * `SENTINEL get-master-addr-by-name`; the connection to it is an ordinary
 * Redis connection (lib/redis/connection.ts) with the URL's credentials and
 * TLS. When that master is lost, or answers `READONLY` (it was demoted), the
 * Sentinels are asked again and the command is retried on the new master
 * within `commandTimeoutMs` (at least once, as every retry: an add in flight
 * may be stored twice). See docs/cluster.md#sentinel-or-cluster.
 *
 * @module
 */

import type { Backend, CommandConnection, RedisReply } from "../connection.ts";
import { abortableSleep, Backoff } from "../backoff.ts";
import { ConnectionError, ReplyError } from "../errors.ts";
import { redactUrl } from "../redact_url.ts";

/** A `redis+sentinel://` URL, read. */
export interface SentinelUrl {
  /** `user:password@` as written (percent-encoded), or `""`. */
  auth: string;
  /** The Sentinels' addresses. */
  sentinels: { hostname: string; port: number }[];
  /** The monitored master's name. */
  masterName: string;
  /** The database index (`?db=N`, default 0). */
  db: number;
  /** `rediss:` when `?tls=true`, else `redis:`. */
  protocol: "redis:" | "rediss:";
}

/**
 * Reads a `redis+sentinel://` URL; a `TypeError` that never shows the password otherwise.
 *
 * @example Two Sentinels, a master name and a database
 * ```ts
 * import { parseSentinelUrl } from "@rstream/rstream/redis";
 * import assert from "node:assert/strict";
 * const url = parseSentinelUrl("redis+sentinel://app:pw@10.0.0.1:26379,10.0.0.2:26379/mymaster?db=2");
 * assert.deepEqual(url.sentinels.map((s) => s.port), [26379, 26379]);
 * assert.equal(url.masterName, "mymaster");
 * assert.equal(url.db, 2);
 * assert.throws(() => parseSentinelUrl("redis+sentinel://app:pw@h:1"), /MASTER_NAME/);
 * ```
 */
export function parseSentinelUrl(url: string): SentinelUrl {
  const shown = redactUrl(url);
  const match = /^redis\+sentinel:\/\/(?:(.*)@)?([^@/?#]+)\/([^/?#]+)(?:\?([^#]*))?$/.exec(url);
  if (!match) {
    throw new TypeError(
      `Invalid Sentinel URL '${shown}': expected one like redis+sentinel://127.0.0.1:26379,127.0.0.1:26380/MASTER_NAME (a user and password, percent-encoded, before the hosts)`,
    );
  }
  const [, auth = "", hosts, name, query = ""] = match;
  const sentinels = hosts!.split(",").map((address) => {
    const at = address.lastIndexOf(":");
    const hostname = at === -1 ? address : address.slice(0, at);
    const port = at === -1 ? 26379 : Number(address.slice(at + 1));
    if (hostname === "" || !Number.isInteger(port) || port < 1 || port > 65535) {
      throw new TypeError(
        `Invalid Sentinel address '${address}' in '${shown}': expected host:port, as in 127.0.0.1:26379`,
      );
    }
    return { hostname, port };
  });
  const params = new URLSearchParams(query);
  const db = Number(params.get("db") ?? "0");
  if (!Number.isInteger(db) || db < 0) {
    throw new TypeError(
      `Invalid database index '${params.get("db")}' in '${shown}': expected ?db=N`,
    );
  }
  return {
    auth: auth === "" ? "" : `${auth}@`,
    sentinels,
    masterName: decodeURIComponent(name!),
    db,
    protocol: params.get("tls") === "true" ? "rediss:" : "redis:",
  };
}

/** How the Sentinel connection reaches servers: `connectRedis` with the caller's options. */
export type _Connect = (url: string) => Promise<CommandConnection>;

interface Current {
  connection: CommandConnection;
  address: string;
  /** Rejects when this master is given up (lost or demoted). */
  replaced: Promise<never>;
  replace: () => void;
}

class Replaced extends Error {}

/**
 * The Sentinel connection (see the module doc).
 *
 * @example
 * ```ts ignore
 * const connection = await _connectSentinel(parseSentinelUrl(url), url, connectRedis, 10_000);
 * ```
 */
export async function _connectSentinel(
  parsed: SentinelUrl,
  url: string,
  connect: _Connect,
  commandTimeoutMs: number,
): Promise<CommandConnection> {
  const sentinel = new SentinelConnection(
    parsed,
    redactUrl(url),
    connect,
    commandTimeoutMs || 10_000,
  );
  await sentinel.start();
  return sentinel;
}

class SentinelConnection implements CommandConnection {
  readonly backend: Backend = "redis";
  readonly displayUrl: string;
  readonly #parsed: SentinelUrl;
  readonly #connect: _Connect;
  readonly #timeoutMs: number;
  #current: Current | undefined;
  #resolving: Promise<Current> | undefined;
  #closed = false;
  readonly #stop = new AbortController();

  constructor(parsed: SentinelUrl, displayUrl: string, connect: _Connect, timeoutMs: number) {
    this.#parsed = parsed;
    this.displayUrl = displayUrl;
    this.#connect = connect;
    this.#timeoutMs = timeoutMs;
  }

  async start(): Promise<void> {
    this.#current = await this.#resolve(true);
  }

  /** Asks each Sentinel for the master, in turn; the first answer wins. */
  async #masterAddress(): Promise<string> {
    const errors: string[] = [];
    for (const { hostname, port } of this.#parsed.sentinels) {
      let connection: CommandConnection | undefined;
      try {
        connection = await this.#connect(`redis://${hostname}:${port}`);
        const reply = await connection.send([
          "SENTINEL",
          "get-master-addr-by-name",
          this.#parsed.masterName,
        ]);
        if (Array.isArray(reply) && reply.length === 2) return `${reply[0]}:${reply[1]}`;
        errors.push(`${hostname}:${port} does not monitor '${this.#parsed.masterName}'`);
      } catch (error) {
        errors.push(`${hostname}:${port}: ${(error as Error).message}`);
      } finally {
        void connection?.close();
      }
    }
    throw new ConnectionError(
      `No Sentinel of ${this.displayUrl} named the master '${this.#parsed.masterName}' (${
        errors.join("; ")
      }); check the Sentinel addresses and the master name`,
      { displayUrl: this.displayUrl },
    );
  }

  /** Finds the master and connects to it, checking that it says it is a master. */
  #resolve(first = false): Promise<Current> {
    this.#resolving ??= (async () => {
      try {
        const deadline = performance.now() + this.#timeoutMs;
        const backoff = new Backoff({ initialMs: 50, maxMs: 500 });
        for (;;) {
          let failure: unknown;
          try {
            const address = await this.#masterAddress();
            const { auth, protocol, db } = this.#parsed;
            const connection = await this.#connect(
              `${protocol}//${auth}${address}${db ? `/${db}` : ""}`,
            );
            const role = await connection.send(["ROLE"]).catch(() => ["master"]);
            if (Array.isArray(role) && role[0] === "master") {
              const { promise, reject } = Promise.withResolvers<never>();
              promise.catch(() => {});
              return {
                connection,
                address,
                replaced: promise,
                replace: () => reject(new Replaced()),
              };
            }
            void connection.close();
            failure = new ConnectionError(
              `The master Sentinel named for '${this.#parsed.masterName}' (${address}) is not a master yet; a failover is under way`,
            );
          } catch (error) {
            failure = error;
          }
          if (first || this.#closed || performance.now() >= deadline) throw failure;
          await abortableSleep(backoff.next(), this.#stop.signal);
        }
      } finally {
        this.#resolving = undefined;
      }
    })();
    return this.#resolving;
  }

  #closedError(): ConnectionError {
    return new ConnectionError(`Cannot use ${this.displayUrl}: the store is closed`, {
      displayUrl: this.displayUrl,
    });
  }

  /** Gives the current master up, once, and closes its connection. */
  #giveUp(current: Current) {
    if (this.#current !== current) return;
    this.#current = undefined;
    current.replace();
    void current.connection.close();
  }

  async #run(run: (connection: CommandConnection) => Promise<RedisReply>): Promise<RedisReply> {
    const deadline = performance.now() + this.#timeoutMs;
    for (;;) {
      if (this.#closed) throw this.#closedError();
      const current = this.#current ?? (this.#current = await this.#resolve());
      try {
        return await Promise.race([run(current.connection), current.replaced]);
      } catch (error) {
        if (this.#closed) throw this.#closedError();
        const lost = error instanceof Replaced || error instanceof ConnectionError ||
          (error instanceof ReplyError && error.code === "READONLY");
        if (!lost) throw error;
        this.#giveUp(current);
        if (performance.now() >= deadline && !(error instanceof Replaced)) throw error;
      }
    }
  }

  send(args: readonly string[]): Promise<RedisReply> {
    return this.#run((c) => c.send(args));
  }

  async pipeline(batch: readonly (readonly string[])[]): Promise<(RedisReply | Error)[]> {
    let replies: (RedisReply | Error)[] = [];
    await this.#run(async (c) => {
      replies = await c.pipeline(batch);
      const readonly = replies.find((r) => r instanceof ReplyError && r.code === "READONLY");
      if (readonly) throw readonly; // a demoted master: run the batch on the new one
      return null;
    });
    return replies;
  }

  async sendBlocking(
    args: readonly string[],
    options: { signal?: AbortSignal } = {},
  ): Promise<RedisReply> {
    if (options.signal?.aborted) return null;
    return await this.#run((c) => c.sendBlocking(args, options));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#stop.abort();
    await this.#current?.connection.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
