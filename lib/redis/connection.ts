/**
 * The Redis backend of {@linkcode CommandConnection}, on `Deno.connect` /
 * `Deno.connectTls` with rstream's own RESP2 encoder and npm `redis-parser`.
 *
 * Commands go out on one main socket: every command issued in the same tick
 * is written in one write (auto-pipelining), replies are matched in order.
 * Blocking reads each take a socket of their own from a small pool, so acks
 * never wait behind a BLOCK; aborting a blocking read closes its socket,
 * which ends the wait at once. A lost main socket is replaced with backoff;
 * a main socket owing replies and silent for `commandTimeoutMs` is replaced
 * too, its commands failing with a timeout error. See docs/redis-connection.md.
 *
 * @module
 */

import { type Backend, blockMsOf, type CommandConnection, type RedisReply } from "../connection.ts";
import { abortableSleep, Backoff } from "../backoff.ts";
import { ConnectionError } from "../errors.ts";
import { redactUrl } from "../redact_url.ts";
import { _dial, type _Endpoint } from "./_dial.ts";
import type { _RespSocket } from "./_socket.ts";
import { checkRedisUrl } from "./url.ts";
export { checkRedisUrl };

/** TLS settings for `rediss://` URLs. */
export interface TlsOptions {
  /** PEM CA certificate(s) to trust instead of the system's. */
  ca?: string;
  /** PEM client certificate, for servers that require one. */
  cert?: string;
  /** PEM client key. */
  key?: string;
  /** Host name to check the certificate against (default: the URL's host, name or IP). */
  servername?: string;
}

/** Options of {@linkcode connectRedis}. */
export interface RedisConnectionOptions {
  /** TLS settings (used with `rediss://`). */
  tls?: TlsOptions;
  /** Give up connecting (TCP, TLS and handshake) after this many ms (default 5000). */
  connectTimeoutMs?: number;
  /** Largest wait between reconnection attempts after a connection was lost (default 1000). */
  maxReconnectDelayMs?: number;
  /**
   * Give up on a reply after this many ms (default 10000; 0 = wait forever).
   * Commands fail with a {@linkcode ConnectionError} when the connection has
   * had commands outstanding and no reply for this long (a stopped or hung
   * server keeps the socket open, so nothing else notices); the connection is
   * then replaced by a fresh one that reconnects by itself. A blocking read
   * gets its BLOCK time on top; `BLOCK 0` waits forever.
   */
  commandTimeoutMs?: number;
  /**
   * Largest reply accepted, in bytes (default 512 MiB). A larger one fails
   * the commands waiting on that socket with a {@linkcode ConnectionError},
   * and the socket is replaced.
   */
  maxReplyBytes?: number;
  /** Name given with `CLIENT SETNAME` on every socket (default: none is sent). */
  clientName?: string;
}

/** Most idle blocking sockets kept for reuse. */
const POOL_SIZE = 4;

interface Waiting {
  since: number;
  resolve: (socket: _RespSocket) => void;
  reject: (error: Error) => void;
}

class RedisConnection implements CommandConnection {
  readonly backend: Backend = "redis";
  readonly displayUrl: string;
  readonly #endpoint: _Endpoint;
  readonly #timeoutMs: number;
  readonly #backoff: Backoff;
  #main: _RespSocket | undefined;
  #reconnecting = false;
  #reconnects = 0;
  /** Commands waiting for the main socket to be replaced. */
  #waiting: Waiting[] = [];
  #idle: _RespSocket[] = [];
  #busy = new Set<_RespSocket>();
  #sockets = new Set<_RespSocket>();
  #closed = false;
  readonly #stop = new AbortController();
  #watchdog: ReturnType<typeof setInterval> | undefined;

  constructor(socket: _RespSocket, endpoint: _Endpoint, options: RedisConnectionOptions) {
    this.displayUrl = endpoint.displayUrl;
    this.#endpoint = endpoint;
    this.#timeoutMs = options.commandTimeoutMs ?? 10_000;
    this.#backoff = new Backoff({ initialMs: 50, maxMs: options.maxReconnectDelayMs ?? 1000 });
    this.#adopt(socket);
    if (this.#timeoutMs > 0) {
      this.#watchdog = setInterval(
        () => this.#checkStalled(),
        Math.max(10, Math.min(1000, Math.floor(this.#timeoutMs / 4))),
      );
      Deno.unrefTimer(this.#watchdog as unknown as number);
    }
  }

  /** How many times the main socket was replaced after it was lost (read by the ops metrics). */
  get reconnects(): number {
    return this.#reconnects;
  }

  #timeoutError(): ConnectionError {
    return new ConnectionError(
      `Redis at ${this.displayUrl} did not answer within ${this.#timeoutMs} ms; reconnecting (is the server stopped or overloaded?)`,
      { displayUrl: this.displayUrl },
    );
  }

  #closedError(): ConnectionError {
    return new ConnectionError(`Cannot use ${this.displayUrl}: the store is closed`, {
      displayUrl: this.displayUrl,
    });
  }

  #track(socket: _RespSocket) {
    this.#sockets.add(socket);
    socket.done.then(() => this.#sockets.delete(socket));
  }

  #adopt(socket: _RespSocket) {
    this.#track(socket);
    this.#main = socket;
    socket.onClosed = () => {
      if (this.#main !== socket) return;
      this.#main = undefined;
      this.#reconnect();
    };
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const w of waiting) w.resolve(socket);
  }

  /** Replaces the main socket, retrying with backoff until it works or the store closes. */
  #reconnect() {
    if (this.#reconnecting || this.#closed) return;
    this.#reconnecting = true;
    void (async () => {
      try {
        while (!this.#closed) {
          try {
            const socket = await _dial(this.#endpoint, { reconnecting: true });
            if (this.#closed) {
              socket.fail(this.#closedError());
              return;
            }
            this.#backoff.reset();
            this.#reconnects++;
            this.#adopt(socket);
            return;
          } catch (error) {
            // Unreachable: commands waiting meanwhile fail on commandTimeoutMs (the watchdog).
            // The server answered and refused the handshake (a new password, a changed ACL):
            // they fail now, with its reason; later ones wait for the next attempt.
            if (!(error instanceof ConnectionError)) {
              const refused = error instanceof Error ? error : new ConnectionError(String(error));
              for (const w of this.#waiting.splice(0)) w.reject(refused);
            }
            await abortableSleep(this.#backoff.next(), this.#stop.signal);
          }
        }
      } finally {
        this.#reconnecting = false;
      }
    })();
  }

  /** Fails the main socket when it owes replies and has been silent too long. */
  #checkStalled() {
    if (this.#closed) return;
    const now = performance.now();
    const main = this.#main;
    if (main && main.outstanding > 0 && now - main.lastProgress >= this.#timeoutMs) {
      this.#main = undefined;
      main.fail(this.#timeoutError());
      this.#reconnect();
    }
    while (this.#waiting.length > 0 && now - this.#waiting[0]!.since >= this.#timeoutMs) {
      this.#waiting.shift()!.reject(this.#timeoutError());
    }
  }

  /** The main socket, or a promise of the next one while it is being replaced. */
  #socket(): Promise<_RespSocket> {
    if (this.#closed) return Promise.reject(this.#closedError());
    return new Promise((resolve, reject) => {
      this.#waiting.push({ since: performance.now(), resolve, reject });
      this.#reconnect();
    });
  }

  send(args: readonly string[]): Promise<RedisReply> {
    const main = this.#main;
    if (main) return main.send(args);
    return this.#socket().then((socket) => socket.send(args));
  }

  pipeline(batch: readonly (readonly string[])[]): Promise<(RedisReply | Error)[]> {
    const main = this.#main;
    if (main) return main.pipeline(batch);
    return this.#socket().then((socket) => socket.pipeline(batch));
  }

  async sendBlocking(
    args: readonly string[],
    options: { signal?: AbortSignal } = {},
  ): Promise<RedisReply> {
    const { signal } = options;
    if (signal?.aborted) return null;
    if (this.#closed) throw this.#closedError();
    const block = blockMsOf(args); // 0 = BLOCK 0 (forever), undefined = does not block
    let socket: _RespSocket | undefined;
    let ended: Error | undefined; // aborted or timed out: the socket is failed with it
    let endNow!: (error: Error) => void;
    const end = new Promise<never>((_, reject) => endNow = reject);
    end.catch(() => {});
    const finish = (error: Error) => {
      ended ??= error;
      endNow(error);
      socket?.fail(error);
    };
    const aborted = new ConnectionError(`Blocking read on ${this.displayUrl} aborted`);
    const onAbort = () => finish(aborted);
    signal?.addEventListener("abort", onAbort, { once: true });
    const timer = this.#timeoutMs > 0 && block !== 0
      ? setTimeout(() => finish(this.#timeoutError()), (block ?? 0) + this.#timeoutMs)
      : undefined;
    try {
      while (!socket && this.#idle.length > 0) {
        const idle = this.#idle.pop()!;
        if (!idle.error) socket = idle;
      }
      if (!socket) {
        const dialing = _dial(this.#endpoint, { reconnecting: true }); // an earlier socket authenticated
        dialing.then((s) => {
          this.#track(s);
          if (ended || this.#closed) s.fail(ended ?? this.#closedError());
        }, () => {});
        socket = await Promise.race([dialing, end]);
      }
      this.#busy.add(socket);
      if (ended) throw ended;
      return await socket.send(args);
    } catch (error) {
      if (ended === aborted) return null;
      throw error;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      if (socket) {
        this.#busy.delete(socket);
        if (socket.error || ended) {
          socket.fail(ended ?? socket.error!);
        } else if (this.#closed || this.#idle.length >= POOL_SIZE) {
          socket.fail(this.#closedError());
        } else {
          this.#idle.push(socket);
        }
      }
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#watchdog);
    this.#stop.abort();
    const closed = this.#closedError();
    for (const socket of [...this.#idle, ...this.#busy]) socket.fail(closed);
    this.#idle = [];
    this.#busy.clear();
    for (const w of this.#waiting.splice(0)) w.reject(closed);
    const main = this.#main;
    if (main) {
      // Let replies owed arrive, within the command timeout (or 2 s): a stopped server would hang.
      await main.drain(this.#timeoutMs > 0 ? this.#timeoutMs : 2000);
      main.fail(closed);
    }
    this.#main = undefined;
    for (const socket of this.#sockets) socket.fail(closed);
    await Promise.all([...this.#sockets].map((socket) => socket.done));
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** The handshake a URL asks for: AUTH [user] password, SELECT db, CLIENT SETNAME. */
function handshakeOf(parsed: URL, clientName: string | undefined): string[][] {
  const commands: string[][] = [];
  const user = decodeURIComponent(parsed.username);
  const password = decodeURIComponent(parsed.password);
  if (password) commands.push(user ? ["AUTH", user, password] : ["AUTH", password]);
  const db = Number(parsed.pathname.replace(/^\//, "") || "0");
  if (db !== 0) commands.push(["SELECT", String(db)]);
  if (clientName) commands.push(["CLIENT", "SETNAME", clientName]);
  return commands;
}

/**
 * Connects to Redis: a server, any node of a Redis Cluster (see
 * docs/cluster.md), or the master a Sentinel names
 * (`redis+sentinel://host:port[,host:port…]/MASTER_NAME`). The first connection must succeed (else a named error
 * says why, in one line); later drops reconnect by themselves with backoff,
 * and commands issued meanwhile wait for the connection (at most
 * `commandTimeoutMs`).
 *
 * @example Connect and ping
 * ```ts ignore
 * import { connectRedis } from "@rstream/rstream/redis";
 * import assert from "node:assert/strict";
 * await using connection = await connectRedis("redis://127.0.0.1:6379");
 * assert.equal(await connection.send(["PING"]), "PONG");
 * ```
 *
 * @throws {TypeError} for a malformed URL.
 * @throws {ConnectionError} when the server cannot be reached.
 * @throws {AuthenticationError} for a wrong user or password.
 */
export async function connectRedis(
  url: string,
  options: RedisConnectionOptions = {},
): Promise<CommandConnection> {
  if (url.startsWith("redis+sentinel://")) {
    const { _connectSentinel, parseSentinelUrl } = await import("./sentinel.ts");
    return await _connectSentinel(
      parseSentinelUrl(url),
      url,
      (node) => connectRedis(node, options),
      options.commandTimeoutMs ?? 10_000,
    );
  }
  const parsed = checkRedisUrl(url);
  const secret = parsed.password ? decodeURIComponent(parsed.password) : undefined;
  const tls = parsed.protocol === "rediss:";
  const bareHost = parsed.hostname.replace(/^\[|\]$/g, "");
  const servername = options.tls?.servername ?? bareHost;
  if (tls && options.tls?.cert && servername !== bareHost) {
    throw new TypeError(
      `Cannot use a client certificate with tls.servername '${servername}' other than the host '${bareHost}': connect by that name instead`,
    );
  }
  const endpoint: _Endpoint = {
    hostname: parsed.hostname,
    port: parsed.port ? Number(parsed.port) : 6379,
    displayUrl: redactUrl(url),
    secret,
    handshake: handshakeOf(parsed, options.clientName),
    tls: tls
      ? {
        servername,
        ...(options.tls?.ca ? { ca: options.tls.ca } : {}),
        ...(options.tls?.cert ? { cert: options.tls.cert } : {}),
        ...(options.tls?.key ? { key: options.tls.key } : {}),
      }
      : undefined,
    connectTimeoutMs: options.connectTimeoutMs ?? 5000,
    maxReplyBytes: options.maxReplyBytes,
  };
  // The URL's host first, then each ?addr= seed: the first that answers is used.
  const seeds = [
    { hostname: endpoint.hostname, port: endpoint.port },
    ...parsed.searchParams.getAll("addr").map(addrOf),
  ];
  let socket: _RespSocket | undefined;
  let seed = endpoint;
  let firstError: unknown;
  for (const { hostname, port } of seeds) {
    seed = seed === endpoint && hostname === endpoint.hostname && port === endpoint.port
      ? endpoint
      : nodeEndpoint(endpoint, parsed, hostname, port, options);
    try {
      socket = await _dial(seed);
      break;
    } catch (error) {
      firstError ??= error;
    }
  }
  if (!socket) throw firstError;
  // Cluster mode? HELLO 2 says (`mode`), and every ACL user may send it (it is a no-auth command,
  // so a restricted user's ACL LOG stays empty). An error reply (Redis < 6, or not Redis) or no
  // answer within connectTimeoutMs means a single server (the command watchdog then handles it).
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hello = await Promise.race([
    socket.send(["HELLO", "2"]).catch(() => null),
    new Promise<null>((resolve) => timer = setTimeout(() => resolve(null), seed.connectTimeoutMs)),
  ]).finally(() => clearTimeout(timer));
  if (socket.error) {
    // Lost while asking (a peer that is not Redis, a listener that resets): dial once more and
    // treat it as a single server, so its commands meet that peer and fail as they always did.
    return new RedisConnection(await _dial(seed), seed, options);
  }
  const mode = Array.isArray(hello) ? hello[hello.indexOf("mode") + 1] : undefined;
  if (mode !== "cluster") return new RedisConnection(socket, seed, options);
  let slots: RedisReply;
  try {
    slots = await socket.send(["CLUSTER", "SLOTS"]);
  } catch (error) {
    socket.fail(new ConnectionError("closed"));
    throw new ConnectionError(
      `Cannot read the slots of the Redis Cluster at ${seed.displayUrl}: ${
        (error as Error).message
      }; the user needs CLUSTER SLOTS (+cluster|slots in its ACL)`,
      { displayUrl: seed.displayUrl, command: "CLUSTER SLOTS", cause: error },
    );
  }
  const db = parsed.pathname.replace(/^\//, "");
  if (db !== "" && db !== "0") {
    socket.fail(new ConnectionError("closed"));
    throw new TypeError(
      `Cannot select database ${db} on the Redis Cluster at ${endpoint.displayUrl}: a cluster has only database 0; drop /${db} from the URL`,
    );
  }
  const { _ClusterConnection } = await import("./cluster.ts");
  const idOf = (hostname: string, port: number) => `${hostname}:${port}`; // an IPv6 host keeps its brackets
  return new _ClusterConnection({
    displayUrl: endpoint.displayUrl,
    seed: {
      id: idOf(seed.hostname, seed.port),
      connection: new RedisConnection(socket, seed, options),
    },
    slots,
    seeds: seeds.map(({ hostname, port }) => idOf(hostname, port)),
    openNode: async (host, port) => {
      const node = nodeEndpoint(
        endpoint,
        parsed,
        host.includes(":") ? `[${host}]` : host,
        port,
        options,
      );
      return new RedisConnection(await _dial(node), node, options);
    },
    commandTimeoutMs: options.commandTimeoutMs ?? 10_000,
  });
}

/** A `?addr=host:port` seed, read. */
function addrOf(addr: string): { hostname: string; port: number } {
  const at = addr.lastIndexOf(":");
  return { hostname: addr.slice(0, at), port: Number(addr.slice(at + 1)) };
}

/** Another node of the same deployment: the seed's credentials, TLS and timeouts, at host:port. */
function nodeEndpoint(
  seed: _Endpoint,
  parsed: URL,
  hostname: string,
  port: number,
  options: RedisConnectionOptions,
): _Endpoint {
  const user = parsed.username ? `${parsed.username}@` : "";
  return {
    ...seed,
    hostname,
    port,
    displayUrl: `${parsed.protocol}//${user}${hostname}:${port}`,
    tls: seed.tls
      ? { ...seed.tls, servername: options.tls?.servername ?? hostname.replace(/^\[|\]$/g, "") }
      : undefined,
  };
}
