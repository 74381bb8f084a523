/**
 * `rstream serve`: the embedded store behind a RESP2 TCP server, so any Redis
 * client (redis-cli, redis-py, the Redis test suite) can use it.
 *
 * One embedded connection is shared by every client: a `memory:` store exists
 * only inside one connection, and one connection wakes blocked readers in
 * process as soon as a write commits (separate connections on one file would
 * poll `PRAGMA data_version`). Each client has its own order: its commands
 * run one batch after another, a blocking read waits only for that client,
 * and the group commit of the shared connection puts the batches of all
 * clients that arrive in one tick into one SQLite transaction.
 *
 * @module
 */

import { StreamError } from "../errors.ts";
import { blockMsOf, type CommandConnection, type RedisReply } from "../connection.ts";
import { _ReplyReader } from "../redis/_reply_reader.ts";
import { _encodeReplies, _NIL_ARRAY, type _ServeReply } from "./_encode_reply.ts";
import {
  countReply,
  newStats,
  serverCommand,
  type ServerState,
  type ServeStats,
} from "./_server_commands.ts";

/**
 * An error of the RESP server itself: it could not listen, or was given bad
 * options (a non-loopback address without a password).
 *
 * @example Refused without a password
 * ```ts
 * import { serve, ServeError } from "@rstream/rstream/serve";
 * import { openEmbeddedConnection } from "@rstream/rstream/embedded";
 * import { StreamError } from "@rstream/rstream";
 * import assert from "node:assert/strict";
 * await using connection = openEmbeddedConnection(":memory:");
 * assert.throws(
 *   () => serve({ connection, hostname: "0.0.0.0", port: 0 }),
 *   (error) => error instanceof ServeError && error instanceof StreamError,
 * );
 * ```
 */
export class ServeError extends StreamError {
  /** The error's name, for `instanceof`-free checks. */
  override name = "ServeError";
}

/** Options of {@linkcode serve}. */
export interface ServeOptions {
  /** The embedded connection to serve (shared by all clients; not closed by the server). */
  connection: CommandConnection;
  /** TCP port (default 6379; 0 picks a free one). */
  port?: number;
  /** Address to listen on (default `127.0.0.1`); any other requires `password`. */
  hostname?: string;
  /** The password AUTH must give; without it every client is authenticated. */
  password?: string;
  /** Largest request, in bytes (default 64 MiB); a larger one closes its connection. */
  maxRequestBytes?: number;
  /** Largest inline command line, in bytes (default 64 KiB, as Redis). */
  maxInlineBytes?: number;
  /** What the server tells INFO server about the store (`memory:`, `file:PATH`). */
  storeLabel?: string;
  /** Receives connection-level events, for logging. */
  onEvent?: (event: ServeEvent) => void;
}

/** Something the server did, for logging. */
export type ServeEvent =
  | { type: "listening"; hostname: string; port: number }
  | { type: "protocol-error"; client: number; message: string }
  | { type: "client-error"; client: number; error: Error }
  | { type: "closed" };

/** A running server: its address, its clients, and how to stop it. */
export interface RespServer extends AsyncDisposable {
  /** The port it listens on. */
  readonly port: number;
  /** The address it listens on. */
  readonly hostname: string;
  /** Clients connected now. */
  readonly clientCount: number;
  /** The counters INFO commandstats and errorstats show (what the metrics read). */
  readonly stats: ServeStats;
  /** Stops listening, closes every client (a blocked read ends unanswered), waits for them. */
  close(): Promise<void>;
}

const decoder = new TextDecoder();
const STAR = 42;
/** A client that sent this many commands not yet answered stops being read until they are. */
const MAX_QUEUED = 10_000;

/** Per-client state the server commands see (CLIENT, SELECT, MULTI, AUTH). */
export interface ClientState {
  readonly id: number;
  readonly addr: string;
  readonly laddr: string;
  readonly since: number;
  name: string;
  authenticated: boolean;
  /** Commands queued by MULTI, or undefined outside a transaction. */
  multi: (readonly string[])[] | undefined;
  /** A queued command was refused: EXEC answers EXECABORT. */
  multiFailed: boolean;
  blocked: boolean;
  lastCommand: string;
  /** Set by QUIT and CLIENT KILL: close after writing the replies. */
  closing: boolean;
  /** Aborted when the client goes away (ends its blocking read). */
  readonly gone: AbortController;
  close(): void;
}

class Client implements ClientState {
  readonly id: number;
  readonly addr: string;
  readonly laddr: string;
  readonly since = Date.now();
  name = "";
  authenticated: boolean;
  multi: (readonly string[])[] | undefined;
  multiFailed = false;
  blocked = false;
  lastCommand = "NULL";
  closing = false;
  readonly gone = new AbortController();
  readonly #conn: Deno.TcpConn;
  readonly #server: Server;
  readonly #reader: _ReplyReader;
  #queue: (readonly string[])[] = [];
  #inline: Uint8Array | undefined;
  #pumping: Promise<void> | undefined;
  #fatal: string | undefined;

  constructor(conn: Deno.TcpConn, server: Server, id: number) {
    this.#conn = conn;
    this.#server = server;
    this.id = id;
    const remote = conn.remoteAddr as Deno.NetAddr;
    const local = conn.localAddr as Deno.NetAddr;
    this.addr = `${remote.hostname}:${remote.port}`;
    this.laddr = `${local.hostname}:${local.port}`;
    this.authenticated = server.password === undefined;
    this.#reader = new _ReplyReader({
      onReply: (reply) => this.#onRequest(reply),
      onErrorReply: (message) => this.#protocolError(`expected '*', got '-${message}'`),
      onProtocolError: (what) => this.#protocolError(what.replace(/^Protocol error, /, "")),
    }, {
      maxReplyBytes: server.maxRequestBytes,
      maxDepth: 1,
      maxArrayLength: 1024 * 1024,
      // RESTORE's payload is binary: kept byte for byte, as the embedded store's restore() takes it.
      binaryArgument: (index, first) =>
        index === 3 && typeof first === "string" && first.toLowerCase() === "restore",
    });
  }

  close(): void {
    this.closing = true;
    this.gone.abort();
    try {
      this.#conn.close();
    } catch {
      // already closed
    }
  }

  #protocolError(what: string): void {
    this.#fatal ??= `ERR Protocol error: ${what}`;
  }

  #onRequest(reply: RedisReply): void {
    if (reply === null) return;
    if (!Array.isArray(reply)) {
      this.#protocolError(`expected '*', got a ${typeof reply}`);
      return;
    }
    if (reply.length === 0) return;
    for (const arg of reply) {
      if (typeof arg !== "string") {
        this.#protocolError(
          arg === null
            ? "invalid bulk length"
            : `expected '$', got '${Array.isArray(arg) ? "*" : ":"}'`,
        );
        return;
      }
    }
    if (this.#fatal === undefined) this.#queue.push(reply as string[]);
  }

  /** Splits inline command lines off the front of `chunk`; returns the RESP rest. */
  #inlineCommands(chunk: Uint8Array): Uint8Array | undefined {
    let bytes = chunk;
    if (this.#inline !== undefined) {
      bytes = new Uint8Array(this.#inline.length + chunk.length);
      bytes.set(this.#inline);
      bytes.set(chunk, this.#inline.length);
      this.#inline = undefined;
    }
    let at = 0;
    while (at < bytes.length && bytes[at] !== STAR) {
      const lf = bytes.indexOf(10, at);
      if (lf === -1) {
        if (bytes.length - at > this.#server.maxInlineBytes) {
          this.#protocolError("too big inline request");
          return undefined;
        }
        this.#inline = bytes.slice(at);
        return undefined;
      }
      const line = decoder.decode(bytes.subarray(at, lf)).replace(/\r$/, "");
      at = lf + 1;
      const words = splitInline(line);
      if (words === undefined) {
        this.#protocolError("unbalanced quotes in request");
        return undefined;
      }
      if (words.length > 0) this.#queue.push(words);
    }
    return at === 0 ? bytes : bytes.subarray(at);
  }

  async run(): Promise<void> {
    const buffer = new Uint8Array(64 * 1024);
    try {
      while (!this.closing) {
        let n: number | null;
        try {
          n = await this.#conn.read(buffer);
        } catch {
          break;
        }
        if (n === null) break;
        let chunk: Uint8Array | undefined = buffer.subarray(0, n);
        if (!this.#reader.partial) chunk = this.#inlineCommands(chunk);
        if (chunk !== undefined && chunk.length > 0) this.#reader.feed(chunk);
        if (this.#queue.length > 0 || this.#fatal !== undefined) {
          this.#pumping ??= this.#pump().finally(() => this.#pumping = undefined);
          if (this.#queue.length > MAX_QUEUED || this.#fatal !== undefined) await this.#pumping;
        }
      }
    } finally {
      this.gone.abort();
      await this.#pumping?.catch(() => {});
      try {
        this.#conn.close();
      } catch {
        // closed by close()
      }
    }
  }

  /** Runs queued commands in order: non-blocking runs as one pipeline, a blocking read alone. */
  async #pump(): Promise<void> {
    try {
      while (this.#queue.length > 0 && !this.closing) {
        const batch = this.#queue.splice(0, 1000);
        const replies: _ServeReply[] = [];
        const stats = this.#server.state.stats;
        let run: (readonly string[])[] = [];
        const flushRun = async () => {
          if (run.length === 0) return;
          const started = performance.now();
          const results = await this.#server.connection.pipeline(run);
          const usec = ((performance.now() - started) * 1000) / results.length;
          for (let i = 0; i < results.length; i++) {
            replies.push(results[i]!);
            countReply(stats, run[i]!, results[i], usec);
          }
          run = [];
        };
        for (const args of batch) {
          if (this.closing) break;
          this.lastCommand = args[0]!.toLowerCase();
          const local = serverCommand(this.#server.state, this, args);
          if (local !== undefined) {
            await flushRun();
            const started = performance.now();
            const reply = await local;
            replies.push(reply);
            countReply(stats, args, reply, (performance.now() - started) * 1000);
            continue;
          }
          if (blockMsOf(args) !== undefined) {
            await flushRun();
            const started = performance.now();
            const reply = await this.#blockingRead(args);
            replies.push(reply);
            countReply(stats, args, reply, (performance.now() - started) * 1000);
            continue;
          }
          run.push(args);
        }
        await flushRun();
        if (replies.length > 0 && !this.gone.signal.aborted) await this.#write(replies);
      }
      if (this.#fatal !== undefined && !this.gone.signal.aborted) {
        this.#server.onEvent({ type: "protocol-error", client: this.id, message: this.#fatal });
        await this.#write([new Error(this.#fatal)]);
        this.closing = true;
      }
    } catch (error) {
      // The store failed or the socket broke: this client ends.
      this.#server.onEvent({ type: "client-error", client: this.id, error: error as Error });
      this.closing = true;
    }
    if (this.closing) this.close();
  }

  async #blockingRead(args: readonly string[]): Promise<_ServeReply> {
    this.blocked = true;
    this.#server.blocked++;
    try {
      const reply = await this.#server.connection.sendBlocking(args, { signal: this.gone.signal });
      return reply === null ? _NIL_ARRAY : reply;
    } catch (error) {
      return error instanceof Error ? error : new Error(String(error));
    } finally {
      this.blocked = false;
      this.#server.blocked--;
    }
  }

  async #write(replies: readonly _ServeReply[]): Promise<void> {
    let bytes = _encodeReplies(replies);
    while (bytes.length > 0) {
      const n = await this.#conn.write(bytes);
      bytes = bytes.subarray(n);
    }
  }
}

/** Splits an inline command as Redis's `sdssplitargs` does (quotes and escapes). */
function splitInline(line: string): string[] | undefined {
  const words: string[] = [];
  let i = 0;
  while (i < line.length) {
    while (i < line.length && /\s/.test(line[i]!)) i++;
    if (i >= line.length) break;
    let word = "";
    const quote = line[i] === '"' || line[i] === "'" ? line[i++] : undefined;
    for (;;) {
      if (i >= line.length) {
        if (quote !== undefined) return undefined;
        break;
      }
      const c = line[i]!;
      if (quote === undefined && /\s/.test(c)) break;
      if (quote !== undefined && c === quote) {
        i++;
        if (i < line.length && !/\s/.test(line[i]!)) return undefined;
        break;
      }
      if (quote === '"' && c === "\\" && i + 1 < line.length) {
        const next = line[++i]!;
        word += ({ n: "\n", r: "\r", t: "\t", b: "\b", a: "\x07" } as Record<string, string>)[
          next
        ] ?? next;
      } else {
        word += c;
      }
      i++;
    }
    words.push(word);
  }
  return words;
}

class Server implements RespServer {
  readonly connection: CommandConnection;
  readonly password: string | undefined;
  readonly maxRequestBytes: number;
  readonly maxInlineBytes: number;
  readonly onEvent: (event: ServeEvent) => void;
  readonly state: ServerState;
  readonly #listener: Deno.TcpListener;
  readonly #clients = new Map<number, Client>();
  readonly #done: Promise<void>;
  #nextId = 1;
  blocked = 0;
  #closed = false;

  constructor(listener: Deno.TcpListener, options: ServeOptions) {
    this.#listener = listener;
    this.connection = options.connection;
    this.password = options.password;
    this.maxRequestBytes = options.maxRequestBytes ?? 64 * 1024 * 1024;
    this.maxInlineBytes = options.maxInlineBytes ?? 64 * 1024;
    this.onEvent = options.onEvent ?? (() => {});
    const addr = listener.addr as Deno.NetAddr;
    this.state = {
      connection: this.connection,
      password: this.password,
      port: addr.port,
      storeLabel: options.storeLabel ?? this.connection.displayUrl,
      started: Date.now(),
      clients: () => [...this.#clients.values()],
      blockedClients: () => this.blocked,
      config: new Map(),
      stats: newStats(),
    };
    this.#done = this.#accept();
  }

  get port(): number {
    return (this.#listener.addr as Deno.NetAddr).port;
  }

  get hostname(): string {
    return (this.#listener.addr as Deno.NetAddr).hostname;
  }

  get clientCount(): number {
    return this.#clients.size;
  }

  get stats(): ServeStats {
    return this.state.stats;
  }

  async #accept(): Promise<void> {
    const running = new Set<Promise<void>>();
    try {
      for await (const conn of this.#listener) {
        if (this.#closed) {
          conn.close();
          break;
        }
        try {
          conn.setNoDelay(true);
        } catch {
          // not a TCP socket option this platform has
        }
        const client = new Client(conn, this, this.#nextId++);
        this.#clients.set(client.id, client);
        const task = client.run().finally(() => {
          this.#clients.delete(client.id);
          running.delete(task);
        });
        running.add(task);
      }
    } catch (error) {
      if (!this.#closed) throw error;
    }
    await Promise.allSettled([...running]);
  }

  async close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      try {
        this.#listener.close();
      } catch {
        // already closed
      }
      for (const client of this.#clients.values()) client.close();
    }
    await this.#done;
    this.onEvent({ type: "closed" });
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * Serves an embedded connection over RESP2 on TCP. Any Redis client can
 * connect; every stream command and the keyspace commands clients need are
 * answered as Redis 7.0 answers them.
 *
 * @example Serve an in-memory store and talk to it with rstream's Redis client
 * ```ts
 * import { serve } from "@rstream/rstream/serve";
 * import { openEmbeddedConnection } from "@rstream/rstream/embedded";
 * import { connectRedis } from "@rstream/rstream/redis";
 * import assert from "node:assert/strict";
 * await using connection = openEmbeddedConnection(":memory:");
 * await using server = serve({ connection, port: 0 });
 * await using client = await connectRedis(`redis://127.0.0.1:${server.port}`);
 * assert.equal(await client.send(["XADD", "app:event", "1-1", "temp", "0.42"]), "1-1");
 * assert.equal(await client.send(["XLEN", "app:event"]), 1);
 * ```
 *
 * @throws {ServeError} when `hostname` is not a loopback address and there is no password,
 *   or the port cannot be listened on
 */
export function serve(options: ServeOptions): RespServer {
  const hostname = options.hostname ?? "127.0.0.1";
  if (!isLoopback(hostname) && !options.password) {
    throw new ServeError(
      `Cannot serve on ${hostname} without a password: set --password or RSTREAM_SERVE_PASSWORD, or bind to 127.0.0.1`,
    );
  }
  let listener: Deno.TcpListener;
  try {
    listener = Deno.listen({ hostname, port: options.port ?? 6379 });
  } catch (error) {
    throw new ServeError(
      `Cannot listen on ${hostname}:${options.port ?? 6379}: ${
        (error as Error).message
      }; choose another --port or stop what uses it`,
      { cause: error },
    );
  }
  const server = new Server(listener, options);
  server.onEvent({ type: "listening", hostname: server.hostname, port: server.port });
  return server;
}

/**
 * Whether `hostname` is a loopback address (127.0.0.0/8, ::1, localhost):
 * {@linkcode serve} listens anywhere else only with a password.
 *
 * @example Loopback or not
 * ```ts
 * import { isLoopback } from "@rstream/rstream/serve";
 * import assert from "node:assert/strict";
 * assert.equal(isLoopback("127.0.0.1"), true);
 * assert.equal(isLoopback("0.0.0.0"), false);
 * ```
 */
export function isLoopback(hostname: string): boolean {
  return /^127\.\d+\.\d+\.\d+$/.test(hostname) || hostname === "::1" ||
    hostname === "localhost";
}
