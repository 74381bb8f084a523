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

import { createClient, ErrorReply } from "redis";
import type { Backend, CommandConnection, RedisReply } from "./connection.ts";
import { ReplyError } from "./reply_error.ts";
import { ConnectionError, toStreamError } from "./errors.ts";
import { redactUrl, scrubSecret } from "./redact_url.ts";

/** TLS settings for `rediss://` URLs. */
export interface TlsOptions {
  /** PEM CA certificate(s) to trust instead of the system's. */
  ca?: string;
  /** PEM client certificate, for servers that require one. */
  cert?: string;
  /** PEM client key. */
  key?: string;
  /** Host name to check the certificate against (default: the URL's host). */
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
}

type Client = ReturnType<typeof createClient>;

/** Checks a `redis://`/`rediss://` URL, throwing a `TypeError` that never shows the password. */
export function checkRedisUrl(url: string): URL {
  // A password holding a raw `/`, `?` or `#` (base64 passwords often do) ends the
  // authority early (and `redis:u:pw@host` has none), so messages print the URL
  // without everything up to its last `@`.
  const shown = redactUrl(url).replace(/^([a-z][a-z0-9+.-]*:(?:\/\/)?).*@/is, "$1");
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError(
      `Invalid Redis URL '${shown}': expected redis://[user:password@]host[:port][/db]`,
    );
  }
  if (parsed.protocol !== "redis:" && parsed.protocol !== "rediss:") {
    throw new TypeError(
      `Unsupported URL scheme '${parsed.protocol}' in '${shown}': use redis:// or rediss://`,
    );
  }
  const db = parsed.pathname.replace(/^\//, "");
  if (`${parsed.pathname}${parsed.search}${parsed.hash}`.includes("@")) {
    throw new TypeError(
      `Invalid Redis URL '${shown}': '@' after the host; percent-encode '/', '?', '#' and '@' in the user and password`,
    );
  }
  if (db !== "" && !/^\d+$/.test(db)) {
    throw new TypeError(
      `Invalid database index '${db}' in '${shown}': expected a number like /0`,
    );
  }
  return parsed;
}

function toReplyError(error: unknown, secret: string | undefined): unknown {
  if (error instanceof ErrorReply) {
    return new ReplyError(scrubSecret(error.message, secret), { cause: error });
  }
  return error;
}

class RedisConnection implements CommandConnection {
  readonly backend: Backend = "redis";
  readonly displayUrl: string;
  #client: Client;
  #idle: Client[] = [];
  #busy = new Set<Client>();
  #secret: string | undefined;
  #closed = false;

  constructor(client: Client, displayUrl: string, secret: string | undefined) {
    this.#client = client;
    this.displayUrl = displayUrl;
    this.#secret = secret;
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
    try {
      return await this.#client.sendCommand(args as string[]) as RedisReply;
    } catch (error) {
      throw this.#fail(error, args);
    }
  }

  pipeline(batch: readonly (readonly string[])[]): Promise<(RedisReply | Error)[]> {
    return Promise.all(
      batch.map((args) =>
        (this.#client.sendCommand(args as string[]) as Promise<RedisReply>).catch((error) =>
          this.#fail(error, args) as Error
        )
      ),
    );
  }

  async sendBlocking(
    args: readonly string[],
    options: { signal?: AbortSignal } = {},
  ): Promise<RedisReply> {
    const { signal } = options;
    if (signal?.aborted) return null;
    const client = this.#idle.pop() ?? await this.#duplicate();
    this.#busy.add(client);
    let aborted = false;
    const onAbort = () => {
      aborted = true;
      this.#busy.delete(client);
      client.destroy();
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      const reply = await client.sendCommand(args as string[]) as RedisReply;
      return aborted ? null : reply;
    } catch (error) {
      if (aborted) return null;
      this.#busy.delete(client);
      client.destroy();
      throw this.#fail(error, args);
    } finally {
      signal?.removeEventListener("abort", onAbort);
      if (!aborted && this.#busy.delete(client)) {
        if (this.#closed || this.#idle.length >= 4) client.destroy();
        else this.#idle.push(client);
      }
    }
  }

  async #duplicate(): Promise<Client> {
    const client = this.#client.duplicate();
    client.on("error", () => {});
    try {
      await client.connect();
    } catch (error) {
      throw this.#fail(error, ["CONNECT"]);
    }
    return client;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const client of [...this.#idle, ...this.#busy]) client.destroy();
    this.#idle = [];
    this.#busy.clear();
    try {
      await this.#client.close();
    } catch {
      this.#client.destroy();
    }
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
 * import { connectRedis } from "@rstream/rstream";
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
  const maxDelay = options.maxReconnectDelayMs ?? 1000;
  const client = createClient(
    {
      url,
      RESP: 2,
      socket: {
        connectTimeout: options.connectTimeoutMs ?? 5000,
        reconnectStrategy: (retries: number, cause: Error) =>
          connected ? Math.min(50 * 2 ** retries, maxDelay) : cause,
        ...(tls
          ? {
            tls: true as const,
            ...(options.tls?.ca ? { ca: options.tls.ca } : {}),
            ...(options.tls?.cert ? { cert: options.tls.cert } : {}),
            ...(options.tls?.key ? { key: options.tls.key } : {}),
            servername: options.tls?.servername ?? parsed.hostname,
            rejectUnauthorized: true,
          }
          : {}),
      },
    } as Parameters<typeof createClient>[0],
  );
  client.on("error", () => {/* surfaced through the commands that fail */});
  client.on("ready", () => connected = true);
  try {
    await client.connect();
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
  }
  connected = true;
  return new RedisConnection(client, displayUrl, secret);
}
