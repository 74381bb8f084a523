/**
 * The Redis backend of {@linkcode CommandConnection}, over node-redis.
 *
 * Commands go out on one connection (node-redis pipelines commands issued in
 * the same tick into one write). Blocking reads each take a connection of
 * their own from a small pool, so acks never wait behind a BLOCK; aborting a
 * blocking read closes its connection, which ends the wait at once.
 *
 * @module
 */

// The client alone: the `redis` package also loads its bloom, json, search and
// time-series modules (~30 ms of start-up), which rstream never uses.
import { createClient, ErrorReply } from "@redis/client";
import { isIP } from "node:net";
import { type Backend, blockMsOf, type CommandConnection, type RedisReply } from "../connection.ts";
import { ConnectionError, ReplyError, toStreamError } from "../errors.ts";
import { redactUrl, scrubSecret } from "../redact_url.ts";
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
  /** Give up connecting after this many ms (default 5000). */
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
}

type Client = ReturnType<typeof createClient>;

function toReplyError(error: unknown, secret: string | undefined): unknown {
  if (error instanceof ErrorReply) {
    return new ReplyError(scrubSecret(error.message, secret), { cause: error });
  }
  return error;
}

function deferred(): { promise: Promise<never>; reject: (error: unknown) => void } {
  let reject!: (error: unknown) => void;
  const promise = new Promise<never>((_, no) => reject = no);
  promise.catch(() => {}); // only raced against, never awaited alone
  return { promise, reject };
}

class RedisConnection implements CommandConnection {
  readonly backend: Backend = "redis";
  readonly displayUrl: string;
  #client: Client;
  #idle: Client[] = [];
  #busy = new Set<Client>();
  #secret: string | undefined;
  #closed = false;
  readonly #timeoutMs: number;
  /** Commands sent on the main client and not answered yet. */
  #outstanding = 0;
  /** When the main client last answered (or got its first outstanding command). */
  #lastReply = 0;
  /** Main clients replaced after a stall: their commands fail with the timeout error. */
  #stalled = new WeakSet<Client>();
  /** Counts an outstanding command down; one function for all (no closure per command). */
  readonly #settled = () => {
    this.#outstanding--;
    this.#lastReply = performance.now();
  };
  #watchdog: ReturnType<typeof setInterval> | undefined;

  constructor(client: Client, displayUrl: string, secret: string | undefined, timeoutMs: number) {
    this.#client = client;
    this.displayUrl = displayUrl;
    this.#secret = secret;
    this.#timeoutMs = timeoutMs;
    if (timeoutMs > 0) {
      const watchdog = setInterval(
        () => this.#checkStalled(),
        Math.max(10, Math.min(1000, Math.floor(timeoutMs / 4))),
      );
      Deno.unrefTimer(watchdog as unknown as number);
      this.#watchdog = watchdog;
    }
  }

  #timeoutError(): ConnectionError {
    return new ConnectionError(
      `Redis at ${this.displayUrl} did not answer within ${this.#timeoutMs} ms; reconnecting (is the server stopped or overloaded?)`,
    );
  }

  /** Replaces a main client that has not answered for the timeout: its commands fail. */
  #checkStalled() {
    if (this.#outstanding === 0 || this.#closed) return;
    if (performance.now() - this.#lastReply < this.#timeoutMs) return;
    const old = this.#client;
    // destroy() rejects the old client's commands; #fail reports them as timed out.
    // (Racing each command against a shared stall promise instead kept one
    // reaction per command alive on that promise: ~350 bytes leaked per command.)
    this.#stalled.add(old);
    this.#client = old.duplicate();
    this.#client.on("error", () => {});
    this.#client.connect().catch(() => {/* reconnects by itself; commands wait or time out */});
    old.destroy();
    this.#lastReply = performance.now();
  }

  /** Counts a command of the main client as outstanding until it settles. */
  #track<T>(reply: Promise<T>): Promise<T> {
    if (this.#timeoutMs === 0) return reply;
    if (this.#outstanding++ === 0) this.#lastReply = performance.now();
    reply.then(this.#settled, this.#settled);
    return reply;
  }

  #fail(error: unknown, args: readonly string[]): unknown {
    const reply = toReplyError(error, this.#secret);
    if (reply instanceof ReplyError) return reply;
    return toStreamError(reply, {
      command: args[0]?.toUpperCase(),
      displayUrl: this.displayUrl,
    });
  }

  async send(args: readonly string[]): Promise<RedisReply> {
    const client = this.#client;
    try {
      return await this.#track(client.sendCommand(args as string[])) as RedisReply;
    } catch (error) {
      throw this.#failOn(client, error, args);
    }
  }

  /** {@linkcode #fail}, or the timeout error when `client` was replaced after a stall. */
  #failOn(client: Client, error: unknown, args: readonly string[]): unknown {
    return this.#stalled.has(client) ? this.#timeoutError() : this.#fail(error, args);
  }

  pipeline(batch: readonly (readonly string[])[]): Promise<(RedisReply | Error)[]> {
    const client = this.#client;
    return Promise.all(
      batch.map((args) =>
        (this.#track(client.sendCommand(args as string[])) as Promise<RedisReply>).catch((
          error,
        ) => this.#failOn(client, error, args) as Error)
      ),
    );
  }

  async sendBlocking(
    args: readonly string[],
    options: { signal?: AbortSignal } = {},
  ): Promise<RedisReply> {
    const { signal } = options;
    if (signal?.aborted) return null;
    if (this.#closed) {
      throw new ConnectionError(`Cannot read from ${this.displayUrl}: the store is closed`);
    }
    const block = blockMsOf(args); // 0 = BLOCK 0 (forever), undefined = does not block
    let client: Client | undefined;
    let aborted = false;
    let timedOut = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = deferred();
    if (this.#timeoutMs > 0 && block !== 0) {
      // A stopped server keeps the socket open: without this the read waits forever.
      timer = setTimeout(() => {
        timedOut = true;
        timeout.reject(this.#timeoutError()); // first, so that it wins the race
        if (client) {
          this.#busy.delete(client);
          client.destroy();
        }
      }, (block ?? 0) + this.#timeoutMs);
    }
    const onAbort = () => {
      aborted = true;
      if (client) {
        this.#busy.delete(client);
        client.destroy();
      }
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      client = this.#idle.pop();
      if (!client) {
        client = this.#client.duplicate();
        client.on("error", () => {});
        this.#busy.add(client); // closed with the connection even while connecting
        await Promise.race([this.#connect(client), timeout.promise]);
      }
      this.#busy.add(client);
      const reply = await Promise.race([
        client.sendCommand(args as string[]) as Promise<RedisReply>,
        timeout.promise,
      ]);
      return aborted ? null : reply;
    } catch (error) {
      if (aborted) return null;
      if (client) {
        this.#busy.delete(client);
        client.destroy();
      }
      throw this.#fail(error, args);
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      if (client && !aborted && !timedOut && this.#busy.delete(client)) {
        if (this.#closed || this.#idle.length >= 4) client.destroy();
        else this.#idle.push(client);
      }
    }
  }

  async #connect(client: Client): Promise<void> {
    try {
      await client.connect();
    } catch (error) {
      throw this.#fail(error, ["CONNECT"]);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#watchdog);
    for (const client of [...this.#idle, ...this.#busy]) client.destroy();
    this.#idle = [];
    this.#busy.clear();
    // close() waits for every pending reply: a stopped server would make it
    // hang, so give it the command timeout (or 2 s), then drop the socket.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.#timeoutMs > 0 ? this.#timeoutMs : 2000);
    });
    let closed = false;
    try {
      await Promise.race([this.#client.close().then(() => closed = true), grace]);
    } catch { /* destroyed below */ }
    clearTimeout(timer);
    if (!closed) this.#client.destroy(); // fails the commands still waiting
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * Connects to Redis. The first connection must succeed (else a named error
 * says why, in one line); later drops reconnect by themselves with backoff,
 * and commands issued meanwhile wait for the connection.
 *
 * @example Connect and ping
 * ```ts ignore
 * import { connectRedis } from "@rstream/rstream/redis";
 * await using connection = await connectRedis("redis://127.0.0.1:6379");
 * console.log(await connection.send(["PING"]));
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
  const parsed = checkRedisUrl(url);
  const secret = parsed.password ? decodeURIComponent(parsed.password) : undefined;
  const displayUrl = redactUrl(url);
  const tls = parsed.protocol === "rediss:";
  let connected = false;
  const connectTimeoutMs = options.connectTimeoutMs ?? 5000;
  const maxDelay = options.maxReconnectDelayMs ?? 1000;
  const client = createClient(
    {
      url,
      RESP: 2,
      // No per-command timer: node-redis's default (5 s) arms an AbortSignal.timeout
      // for every command, and when those fire (answered or not) each costs a
      // DOMException and an event; under load that stalls the process (pipelined
      // XADD fell from ~190k/s to ~0 after 5 s). Stalls are caught per connection above.
      commandOptions: { timeout: 0 },
      socket: {
        connectTimeout: connectTimeoutMs,
        reconnectStrategy: (retries: number, cause: Error) =>
          connected ? Math.min(50 * 2 ** retries, maxDelay) : cause,
        ...(tls
          ? {
            tls: true as const,
            ...(options.tls?.ca ? { ca: options.tls.ca } : {}),
            ...(options.tls?.cert ? { cert: options.tls.cert } : {}),
            ...(options.tls?.key ? { key: options.tls.key } : {}),
            // SNI takes host names only: for an IP the certificate is checked against the IP.
            ...(options.tls?.servername || !isIP(parsed.hostname.replace(/^\[|\]$/g, ""))
              ? { servername: options.tls?.servername ?? parsed.hostname }
              : {}),
            rejectUnauthorized: true,
          }
          : {}),
      },
    } as Parameters<typeof createClient>[0],
  );
  client.on("error", () => {/* surfaced through the commands that fail */});
  client.on("ready", () => connected = true);
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    // The socket's connect timeout does not cover the handshake, which a
    // stopped server (its port still accepting) never answers.
    await Promise.race([
      client.connect(),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`Connection timeout: no answer within ${connectTimeoutMs} ms`)),
          connectTimeoutMs,
        );
      }),
    ]);
  } catch (error) {
    client.destroy();
    const reply = error instanceof Error && /^(WRONGPASS|NOAUTH|NOPERM) /.test(error.message)
      ? new ReplyError(scrubSecret(error.message, secret), { cause: error })
      : toReplyError(error, secret);
    const mapped = toStreamError(reply, {
      command: "CONNECT",
      displayUrl,
    });
    if (mapped instanceof Error && mapped !== error) throw mapped;
    throw new ConnectionError(
      `Cannot connect to ${displayUrl}: ${
        scrubSecret(error instanceof Error ? error.message : String(error), secret)
      }`,
      { cause: error },
    );
  } finally {
    clearTimeout(timer);
  }
  connected = true;
  return new RedisConnection(client, displayUrl, secret, options.commandTimeoutMs ?? 10_000);
}
