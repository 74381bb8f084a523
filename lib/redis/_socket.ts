/**
 * One Redis socket: commands are queued and written together once per tick
 * (auto-pipelining: every `send()` issued before the writer runs goes out in
 * the same write, as one buffer), and replies are matched to them in order.
 * Any failure — the peer closing, a write error, a protocol error, a reply
 * over the limit, or {@linkcode _RespSocket.fail} — closes the socket and
 * rejects every command still waiting with one error; a socket never
 * recovers (the connection replaces it).
 *
 * @module
 */

import type { RedisReply } from "../connection.ts";
import { ConnectionError, ReplyError } from "../errors.ts";
import { scrubSecret } from "../redact_url.ts";
import { _encodeCommands } from "./_resp.ts";
import { _ReplyReader } from "./_reply_reader.ts";

/** Options of {@linkcode _RespSocket}. */
export interface _SocketOptions {
  /** Where it connects, redacted, for messages. */
  displayUrl: string;
  /** The password, scrubbed from any text the server sends back. */
  secret?: string | undefined;
  /** Largest reply accepted (bytes). */
  maxReplyBytes?: number | undefined;
}

/** A command or a pipeline waiting for its replies. */
class Waiter {
  constructor(
    readonly resolve: (value: never) => void,
    readonly reject: (error: Error) => void,
    /** `undefined` for one command; the replies so far for a pipeline. */
    readonly results: (RedisReply | Error)[] | undefined,
    readonly count: number,
  ) {}
}

const READ_SIZE = 64 * 1024;

/** A TypeError for a command that is not a non-empty array of strings, else `undefined`. */
function badArgument(args: readonly string[]): TypeError | undefined {
  if (!Array.isArray(args) || args.length === 0) {
    return new TypeError("A Redis command is a non-empty array of strings");
  }
  for (let i = 0; i < args.length; i++) {
    if (typeof args[i] !== "string") {
      return new TypeError(
        `Redis command arguments must be strings, got ${typeof args[i]} at ${i} of ${
          String(args[0]).slice(0, 20)
        }`,
      );
    }
  }
  return undefined;
}

/** The standard "cannot reach" error, as {@linkcode toStreamError} words it. */
export function _lostError(displayUrl: string, what: string, cause?: unknown): ConnectionError {
  return new ConnectionError(
    `Cannot reach Redis at ${displayUrl}: ${what}; is the server running, and are the URL and port right?`,
    { displayUrl, ...(cause === undefined ? {} : { cause }) },
  );
}

/**
 * A RESP2 socket over a `Deno.Conn` (TCP or TLS).
 *
 * @example Commands and a pipeline on one socket
 * ```ts ignore
 * const socket = new _RespSocket(await Deno.connect({ port: 6379 }), { displayUrl: "redis://127.0.0.1:6379" });
 * await socket.send(["SET", "k", "v"]);
 * const [value] = await socket.pipeline([["GET", "k"]]);
 * socket.fail(new Error("done"));
 * ```
 */
export class _RespSocket {
  readonly #conn: Deno.Conn;
  readonly #options: _SocketOptions;
  readonly #reader: _ReplyReader;
  /** Commands to write at the next flush. */
  #out: (readonly string[])[] = [];
  #flushing = false;
  #scheduled = false;
  /** Waiters in reply order; `#head` is the next to be answered. */
  #queue: Waiter[] = [];
  #head = 0;
  /** Replies still owed (a pipeline counts all its commands). */
  #owed = 0;
  #error: Error | undefined;
  #lastProgress = 0;
  /** Where #flush encodes (reused: one write at a time). */
  #scratch = new Uint8Array(64 * 1024);
  readonly #done: Promise<void>;
  #onClosed: ((error: Error) => void) | undefined;

  /** Starts reading from `conn`. */
  constructor(conn: Deno.Conn, options: _SocketOptions) {
    this.#conn = conn;
    this.#options = options;
    this.#reader = new _ReplyReader({
      onReply: (reply) => this.#reply(reply),
      onErrorReply: (message) => this.#reply(new ReplyError(scrubSecret(message, options.secret))),
      onProtocolError: (what, sample) =>
        this.fail(
          new ConnectionError(
            `Cannot talk to ${options.displayUrl}: ${what}${
              sample ? ` (it sent '${scrubSecret(sample, options.secret)}')` : ""
            }; is this the port of a Redis server?`,
            { displayUrl: options.displayUrl },
          ),
        ),
    }, { maxReplyBytes: options.maxReplyBytes });
    this.#done = this.#readLoop();
  }

  /** The error that closed the socket, or `undefined` while it is open. */
  get error(): Error | undefined {
    return this.#error;
  }

  /** Replies still owed by the server. */
  get outstanding(): number {
    return this.#owed;
  }

  /** When the server last answered, or the socket last went from idle to owed a reply. */
  get lastProgress(): number {
    return this.#lastProgress;
  }

  /** Called once when the socket closes, with the error that closed it. */
  set onClosed(callback: (error: Error) => void) {
    this.#onClosed = callback;
  }

  /** Runs one command. */
  send(args: readonly string[]): Promise<RedisReply> {
    return new Promise((resolve, reject) => {
      if (this.#error) return reject(this.#error);
      const bad = badArgument(args);
      if (bad) return reject(bad); // refused alone, before anything is queued
      this.#enqueue(new Waiter(resolve as (value: never) => void, reject, undefined, 1));
      this.#out.push(args);
      this.#schedule();
    });
  }

  /** Runs commands in one write; settles once, with every reply (error replies in place). */
  pipeline(batch: readonly (readonly string[])[]): Promise<(RedisReply | Error)[]> {
    if (batch.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      if (this.#error) return reject(this.#error);
      for (const args of batch) {
        const bad = badArgument(args);
        if (bad) return reject(bad);
      }
      this.#enqueue(new Waiter(resolve as (value: never) => void, reject, [], batch.length));
      for (const args of batch) this.#out.push(args);
      this.#schedule();
    });
  }

  #enqueue(waiter: Waiter) {
    if (this.#owed === 0) this.#lastProgress = performance.now();
    this.#owed += waiter.count;
    this.#queue.push(waiter);
  }

  #schedule() {
    if (this.#scheduled || this.#flushing) return;
    this.#scheduled = true;
    queueMicrotask(() => {
      this.#scheduled = false;
      void this.#flush();
    });
  }

  /** Writes everything queued, as one buffer per write, until the queue is empty. */
  async #flush(): Promise<void> {
    if (this.#flushing) return;
    this.#flushing = true;
    try {
      while (this.#out.length > 0 && !this.#error) {
        const batch = this.#out;
        this.#out = [];
        let bytes: Uint8Array;
        try {
          bytes = _encodeCommands(batch, this.#scratch);
        } catch (error) {
          // Not written at all: the socket stays in step only if nothing is.
          this.fail(error instanceof Error ? error : new TypeError(String(error)));
          return;
        }
        let written = 0;
        while (written < bytes.length) {
          written += await this.#conn.write(bytes.subarray(written));
        }
      }
    } catch (error) {
      this.fail(_lostError(this.#options.displayUrl, "connection lost", error));
    } finally {
      this.#flushing = false;
    }
  }

  #reply(reply: RedisReply | Error) {
    const waiter = this.#queue[this.#head];
    if (!waiter) {
      this.fail(
        new ConnectionError(
          `Cannot talk to ${this.#options.displayUrl}: a reply came that no command asked for (SUBSCRIBE and MONITOR are not supported); reconnecting`,
          { displayUrl: this.#options.displayUrl },
        ),
      );
      return;
    }
    this.#owed--;
    if (waiter.results === undefined) {
      this.#advance();
      if (reply instanceof Error) waiter.reject(reply);
      else waiter.resolve(reply as never);
      return;
    }
    waiter.results.push(reply);
    if (waiter.results.length === waiter.count) {
      this.#advance();
      waiter.resolve(waiter.results as never);
    }
  }

  #advance() {
    this.#queue[this.#head++] = undefined as unknown as Waiter;
    if (this.#head === this.#queue.length) {
      this.#queue = [];
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
  }

  async #readLoop(): Promise<void> {
    const buffer = new Uint8Array(READ_SIZE); // the reader copies what it keeps: one buffer serves
    try {
      while (!this.#error) {
        const n = await this.#conn.read(buffer);
        if (n === null) {
          const what = this.#reader.partial
            ? "connection closed in the middle of a reply"
            : "connection lost";
          this.fail(_lostError(this.#options.displayUrl, what));
          return;
        }
        this.#lastProgress = performance.now();
        this.#reader.feed(buffer.subarray(0, n));
      }
    } catch (error) {
      if (!this.#error) this.fail(_lostError(this.#options.displayUrl, "connection lost", error));
    }
  }

  /**
   * Closes the socket; every command still waiting fails with `error`.
   * Idempotent: only the first error counts.
   */
  fail(error: Error): void {
    if (this.#error) return;
    this.#error = error;
    try {
      this.#conn.close();
    } catch { /* already closed */ }
    const queue = this.#queue;
    const head = this.#head;
    this.#queue = [];
    this.#head = 0;
    this.#out = [];
    this.#owed = 0;
    for (let i = head; i < queue.length; i++) queue[i]!.reject(error);
    this.#onClosed?.(error);
  }

  /** Waits until no reply is owed (or the socket failed), at most `ms`. */
  async drain(ms: number): Promise<boolean> {
    const deadline = performance.now() + ms;
    while (this.#owed > 0 && !this.#error && performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return this.#owed === 0 || this.#error !== undefined;
  }

  /** Resolves when the read loop has ended (after {@linkcode fail}). */
  get done(): Promise<void> {
    return this.#done;
  }
}
