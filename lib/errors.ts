/**
 * The errors rstream throws. Every one extends {@linkcode StreamError}, so
 * `catch (e) { if (e instanceof StreamError) … }` catches them all; bad
 * arguments are `TypeError`/`RangeError` as in the platform. Each message is
 * one line: what happened, the values involved, and what to do; none ever
 * contains a password. Named errors carry the values they name as fields.
 *
 * @module
 */

import { redactUrl } from "./redact_url.ts";

/** Where an error happened: the values a named error carries. */
export interface ErrorContext {
  /** The command's name, e.g. `XREADGROUP`. */
  command?: string;
  /** The stream (or key) involved. */
  stream?: string;
  /** The consumer group involved. */
  group?: string;
  /** Where the connection goes, already redacted. */
  displayUrl?: string;
}

/** Options of the named errors' constructors: a cause and the values they name. */
export interface StreamErrorOptions extends ErrorOptions, ErrorContext {}

/**
 * The root of every error rstream throws, with the values it names
 * (`command`, `stream`, `group`, `displayUrl`) where they are known.
 *
 * @example Catch every rstream error at once
 * ```ts
 * import { NoGroupError, StreamError } from "@rstream/rstream";
 * import assert from "node:assert/strict";
 * const error = new NoGroupError("no group", { stream: "app:event", group: "workers" });
 * assert.ok(error instanceof StreamError);
 * assert.equal(error.group, "workers");
 * ```
 */
export class StreamError extends Error {
  /** The error's name, for `instanceof`-free checks. */
  override name = "StreamError";
  /** The command that failed, e.g. `XREADGROUP`, when known. */
  readonly command?: string;
  /** The stream or key involved, when known. */
  readonly stream?: string;
  /** The consumer group involved, when known. */
  readonly group?: string;
  /** Where the connection goes, redacted, when known. */
  readonly displayUrl?: string;
  /** Creates the error; `options` may name the values involved. */
  constructor(message: string, options: StreamErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    if (options.command !== undefined) this.command = options.command;
    if (options.stream !== undefined) this.stream = options.stream;
    if (options.group !== undefined) this.group = options.group;
    if (options.displayUrl !== undefined) this.displayUrl = redactUrl(options.displayUrl);
  }
}

/**
 * An error reply from the server, carrying Redis's own text (for example
 * `NOGROUP No such key 's' or consumer group 'g' in XREADGROUP with GROUP option`).
 *
 * Both backends throw it from {@linkcode CommandConnection.send}; the typed
 * store turns the well-known ones into named errors.
 *
 * @example Read the error code
 * ```ts
 * import { ReplyError, StreamError } from "@rstream/rstream";
 * import assert from "node:assert/strict";
 * const error = new ReplyError("BUSYGROUP Consumer Group name already exists");
 * assert.equal(error.code, "BUSYGROUP");
 * assert.ok(error instanceof StreamError);
 * ```
 */
export class ReplyError extends StreamError {
  /** The error's name, for `instanceof`-free checks. */
  override name = "ReplyError";
  /** The first word of the reply, such as `ERR`, `NOGROUP` or `WRONGTYPE`. */
  readonly code: string;
  /** Creates an error from the server's reply text. */
  constructor(message: string, options?: StreamErrorOptions) {
    super(message, options);
    const space = message.indexOf(" ");
    this.code = space === -1 ? message : message.slice(0, space);
  }
}

/**
 * An explicit ID was not greater than the stream's last ID.
 *
 * @example The error names both IDs
 * ```ts
 * import { StreamIdTooSmallError } from "@rstream/rstream";
 * import assert from "node:assert/strict";
 * const error = new StreamIdTooSmallError("app:event", "1-0", "5-0");
 * assert.deepEqual([error.stream, error.id, error.lastId], ["app:event", "1-0", "5-0"]);
 * assert.match(error.message, /ID 1-0 is not greater than the stream's last ID 5-0/);
 * ```
 */
export class StreamIdTooSmallError extends StreamError {
  /** The error's name, for `instanceof`-free checks. */
  override name = "StreamIdTooSmallError";
  /** The stream added to. */
  override readonly stream: string;
  /** The ID that was given. */
  readonly id: string;
  /** The stream's last ID at the time. */
  readonly lastId: string;
  /** Creates the error. */
  constructor(stream: string, id: string, lastId: string, options?: ErrorOptions) {
    super(
      `Cannot add to '${stream}': ID ${id} is not greater than the stream's last ID ${lastId}; use '*' or an ID above ${lastId}`,
      { ...options, command: "XADD" },
    );
    this.stream = stream;
    this.id = id;
    this.lastId = lastId;
  }
}

/**
 * The server rejected an ID (`ERR Invalid stream ID …`).
 *
 * @example A raw XADD with a malformed ID
 * ```ts
 * import { InvalidStreamIdError, openStore } from "@rstream/rstream";
 * import assert from "node:assert/strict";
 * await using store = await openStore("memory:");
 * await assert.rejects(store.command(["XADD", "app:event", "abc", "temp", "0.42"]), (error) => {
 *   assert.ok(error instanceof InvalidStreamIdError);
 *   assert.equal(error.command, "XADD");
 *   return true;
 * });
 * ```
 */
export class InvalidStreamIdError extends StreamError {
  /** The error's name, for `instanceof`-free checks. */
  override name = "InvalidStreamIdError";
}

/**
 * A key holds another type than a stream (WRONGTYPE).
 *
 * @example Adding to a key that holds a string
 * ```ts
 * import { openStore, WrongTypeError } from "@rstream/rstream";
 * import assert from "node:assert/strict";
 * await using store = await openStore("memory:");
 * await store.set("c1:lastid", "5-0");
 * await assert.rejects(store.add("c1:lastid", { temp: "0.42" }), (error) => {
 *   assert.ok(error instanceof WrongTypeError);
 *   assert.equal(error.stream, "c1:lastid");
 *   return true;
 * });
 * ```
 */
export class WrongTypeError extends StreamError {
  /** The error's name, for `instanceof`-free checks. */
  override name = "WrongTypeError";
}

/**
 * The stream or consumer group does not exist (NOGROUP).
 *
 * @example Reading through a group that was never created
 * ```ts
 * import { NoGroupError, openStore } from "@rstream/rstream";
 * import assert from "node:assert/strict";
 * await using store = await openStore("memory:");
 * await store.add("app:event", { temp: "0.42" });
 * await assert.rejects(store.readGroup("app:event", "workers", { consumer: "c1" }), (error) => {
 *   assert.ok(error instanceof NoGroupError);
 *   assert.deepEqual([error.stream, error.group], ["app:event", "workers"]);
 *   return true;
 * });
 * ```
 */
export class NoGroupError extends StreamError {
  /** The error's name, for `instanceof`-free checks. */
  override name = "NoGroupError";
}

/**
 * The consumer group already exists (BUSYGROUP).
 *
 * @example A raw XGROUP CREATE of an existing group (createGroup() returns false instead)
 * ```ts
 * import { BusyGroupError, openStore } from "@rstream/rstream";
 * import assert from "node:assert/strict";
 * await using store = await openStore("memory:");
 * const create = ["XGROUP", "CREATE", "app:event", "workers", "$", "MKSTREAM"];
 * assert.equal(await store.command(create), "OK");
 * await assert.rejects(store.command(create), BusyGroupError);
 * assert.equal(await store.createGroup("app:event", "workers"), false);
 * ```
 */
export class BusyGroupError extends StreamError {
  /** The error's name, for `instanceof`-free checks. */
  override name = "BusyGroupError";
}

/**
 * The user is not allowed to run this command or touch this key (NOPERM).
 *
 * @example A NOPERM reply becomes a NoPermissionError naming the command
 * ```ts
 * import { NoPermissionError, ReplyError, toStreamError } from "@rstream/rstream";
 * import assert from "node:assert/strict";
 * const reply = new ReplyError("NOPERM User app has no permissions to run the 'xadd' command");
 * const error = toStreamError(reply, { command: "XADD", stream: "app:event" });
 * assert.ok(error instanceof NoPermissionError);
 * assert.equal(error.command, "XADD");
 * assert.equal(error.cause, reply);
 * ```
 */
export class NoPermissionError extends StreamError {
  /** The error's name, for `instanceof`-free checks. */
  override name = "NoPermissionError";
}

/**
 * Authentication failed (WRONGPASS, NOAUTH): the server refused the user or
 * password given, or wants one and none was given.
 *
 * @example The URL it names is redacted; a refusal on a reconnect says so
 * ```ts
 * import { AuthenticationError } from "@rstream/rstream";
 * import assert from "node:assert/strict";
 * const error = new AuthenticationError("failed", { displayUrl: "redis://u:pw@db:6379" });
 * assert.equal(error.displayUrl, "redis://db:6379");
 * assert.equal(error.reconnecting, false);
 * assert.equal(new AuthenticationError("failed", { reconnecting: true }).reconnecting, true);
 * ```
 */
export class AuthenticationError extends StreamError {
  /** The error's name, for `instanceof`-free checks. */
  override name = "AuthenticationError";
  /**
   * `true` when the server refused credentials on a new socket (a reconnect,
   * or a blocking read's socket) that it had accepted on an earlier one of
   * the same connection: it was restarted with another password, or the
   * user's ACL changed. The connection keeps reconnecting, so the call may
   * be retried; the producer script and the consumer worker do, while a
   * first connect that is refused (`false`) is a setting to fix.
   */
  readonly reconnecting: boolean;
  /** Creates the error; `options.reconnecting` marks a refusal on a reconnect. */
  constructor(message: string, options: StreamErrorOptions & { reconnecting?: boolean } = {}) {
    super(message, options);
    this.reconnecting = options.reconnecting ?? false;
  }
}

/**
 * The server could not be reached: refused, timed out, closed or TLS failure.
 *
 * @example A refused connection becomes a ConnectionError naming the server
 * ```ts
 * import { ConnectionError, toStreamError } from "@rstream/rstream";
 * import assert from "node:assert/strict";
 * const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:6379"), {
 *   code: "ECONNREFUSED",
 * });
 * const error = toStreamError(refused, { displayUrl: "redis://db:6379" });
 * assert.ok(error instanceof ConnectionError);
 * assert.equal(error.displayUrl, "redis://db:6379");
 * assert.match(error.message, /^Cannot reach Redis at redis:\/\/db:6379: connection refused/);
 * ```
 */
export class ConnectionError extends StreamError {
  /** The error's name, for `instanceof`-free checks. */
  override name = "ConnectionError";
}

/**
 * An add was stored on the master but fewer replicas than asked acknowledged
 * it within the timeout (`WAIT`): it may be lost if the master fails now.
 * The entries were added (their IDs are in `ids`); retrying adds them again.
 *
 * @example The error says how many replicas acknowledged
 * ```ts
 * import { NotEnoughReplicasError, StreamError } from "@rstream/rstream";
 * import assert from "node:assert/strict";
 * const error = new NotEnoughReplicasError("app:event", ["1-0"], { acknowledged: 0, replicas: 1, timeoutMs: 100 });
 * assert.ok(error instanceof StreamError);
 * assert.equal(error.acknowledged, 0);
 * assert.match(error.message, /0 of 1 replicas acknowledged within 100 ms/);
 * ```
 */
export class NotEnoughReplicasError extends StreamError {
  /** The error's name, for `instanceof`-free checks. */
  override name = "NotEnoughReplicasError";
  /** The IDs added (stored on the master, not known to be on enough replicas). */
  readonly ids: string[];
  /** How many replicas acknowledged. */
  readonly acknowledged: number;
  /** How many were asked for. */
  readonly replicas: number;
  /** Creates the error. */
  constructor(
    stream: string,
    ids: string[],
    counts: { acknowledged: number; replicas: number; timeoutMs: number },
    options: StreamErrorOptions = {},
  ) {
    super(
      `Added ${ids.length} ${
        ids.length === 1 ? "entry" : "entries"
      } to '${stream}' but only ${counts.acknowledged} of ${counts.replicas} replicas acknowledged within ${counts.timeoutMs} ms; they may be lost on a failover: check the replicas (INFO replication), raise replicaTimeoutMs or ask for fewer replicas`,
      { command: "WAIT", ...options, stream },
    );
    this.ids = ids;
    this.acknowledged = counts.acknowledged;
    this.replicas = counts.replicas;
  }
}

/**
 * Bad command-line input (the shell and the scripts): printed as one line
 * with the usage, exit code 2.
 *
 * @example Tell bad input from other failures
 * ```ts
 * import { StreamError, UsageError } from "@rstream/rstream";
 * import assert from "node:assert/strict";
 * const error = new UsageError("missing SENSOR_ID");
 * assert.ok(error instanceof StreamError);
 * assert.equal(error.name, "UsageError");
 * assert.equal(error.message, "missing SENSOR_ID");
 * ```
 */
export class UsageError extends StreamError {
  /** The error's name, for `instanceof`-free checks. */
  override name = "UsageError";
}

/**
 * An environment variable a store URL depends on could not be read: the
 * program was not granted `--allow-env` for it. Thrown instead of silently
 * falling back to another store.
 *
 * @example The message names the variable and the flag that grants it
 * ```ts
 * import { EnvPermissionError, StreamError } from "@rstream/rstream";
 * import assert from "node:assert/strict";
 * const error = new EnvPermissionError("REDIS_URL", ["REDIS_URL", "RSTREAM_DB"]);
 * assert.ok(error instanceof StreamError && error.variable === "REDIS_URL");
 * assert.equal(
 *   error.message,
 *   "Cannot read the environment variable REDIS_URL (not permitted): run with --allow-env=REDIS_URL,RSTREAM_DB",
 * );
 * ```
 */
export class EnvPermissionError extends StreamError {
  /** The error's name, for `instanceof`-free checks. */
  override name = "EnvPermissionError";
  /** The variable that could not be read. */
  readonly variable: string;
  /** Creates it for `variable`; `grant` lists the variables the flag should name. */
  constructor(variable: string, grant: readonly string[], options: StreamErrorOptions = {}) {
    super(
      `Cannot read the environment variable ${variable} (not permitted): run with --allow-env=${
        grant.join(",")
      }`,
      options,
    );
    this.variable = variable;
  }
}

/**
 * What is wrong with an embedded store's file, as {@linkcode StoreFileError.problem} says.
 *
 * @example Decide what to tell the operator
 * ```ts
 * import type { StoreFileProblem } from "@rstream/rstream";
 * import assert from "node:assert/strict";
 * const advice = (problem: StoreFileProblem) =>
 *   problem === "disk-full" ? "free space" : problem === "read-only" ? "fix the mode" : "check the path";
 * assert.equal(advice("disk-full"), "free space");
 * ```
 */
export type StoreFileProblem =
  | "read-only"
  | "not-a-database"
  | "foreign-database"
  | "newer-schema"
  | "missing-directory"
  | "is-a-directory"
  | "not-permitted"
  | "permission-denied"
  | "cannot-open"
  | "disk-full";

/**
 * Options of {@linkcode StoreFileError}.
 *
 * @example Name the file and the problem, and keep the cause
 * ```ts
 * import { StoreFileError, type StoreFileErrorOptions } from "@rstream/rstream";
 * import assert from "node:assert/strict";
 * const options: StoreFileErrorOptions = {
 *   path: "x.db",
 *   problem: "disk-full",
 *   cause: new Error("database or disk is full"),
 * };
 * assert.equal(new StoreFileError("full", options).problem, "disk-full");
 * ```
 */
export interface StoreFileErrorOptions extends StreamErrorOptions {
  /** The file's path. */
  path: string;
  /** What is wrong with it. */
  problem: StoreFileProblem;
}

/**
 * The embedded store's file cannot be used, and retrying will not change
 * that: it is read-only, not an SQLite database, another application's
 * database, in a directory that does not exist, not permitted to this
 * program, or its disk is full. The message names the file and says what to
 * do; the consumer worker stops on it, and the scripts exit with status 1.
 *
 * @example A read-only store names its file
 * ```ts
 * import { StoreFileError, StreamError } from "@rstream/rstream";
 * import assert from "node:assert/strict";
 * const error = new StoreFileError("Cannot write the embedded store file:x.db", {
 *   path: "x.db",
 *   problem: "read-only",
 * });
 * assert.ok(error instanceof StreamError);
 * assert.deepEqual([error.path, error.problem], ["x.db", "read-only"]);
 * ```
 */
export class StoreFileError extends StreamError {
  /** The error's name, for `instanceof`-free checks. */
  override name = "StoreFileError";
  /** The file's path. */
  readonly path: string;
  /** What is wrong with the file. */
  readonly problem: StoreFileProblem;
  /** Creates the error for the file at `options.path`. */
  constructor(message: string, options: StoreFileErrorOptions) {
    super(message, options);
    this.path = options.path;
    this.problem = options.problem;
  }
}

/**
 * Another process held the embedded store's write lock for longer than the
 * busy timeout (a backup, or a `sqlite3` shell inside `BEGIN IMMEDIATE`), so
 * the command was not run. It is temporary: retrying after the lock is
 * released succeeds. The producer script keeps its readings and retries.
 *
 * @example Tell a lock from a broken file
 * ```ts
 * import { StoreFileError, StoreLockedError } from "@rstream/rstream";
 * import assert from "node:assert/strict";
 * const error = new StoreLockedError("The embedded store file:x.db is locked", { path: "x.db" });
 * assert.equal(error.path, "x.db");
 * assert.ok(!(error instanceof StoreFileError));
 * ```
 */
export class StoreLockedError extends StreamError {
  /** The error's name, for `instanceof`-free checks. */
  override name = "StoreLockedError";
  /** The file's path. */
  readonly path: string;
  /** Creates the error for the file at `options.path`. */
  constructor(message: string, options: StreamErrorOptions & { path: string }) {
    super(message, options);
    this.path = options.path;
  }
}

/** Options of {@linkcode errorLine}. */
export interface ErrorLineOptions {
  /** The usage to append, as `(usage: …)`. */
  usage?: string;
  /** A secret (a password) to replace with `***` wherever it appears. */
  secret?: string;
}

/**
 * An error's message as one printable line: line breaks folded, any URL
 * without its credentials, and `options.secret` replaced with `***`.
 *
 * @example A password never reaches the text
 * ```ts
 * import { errorText } from "@rstream/rstream";
 * import assert from "node:assert/strict";
 * const text = errorText(new Error("Cannot reach redis://app:s3cret@db:6379\nretrying"));
 * assert.equal(text, "Cannot reach redis://db:6379 retrying");
 * ```
 */
export function errorText(error: unknown, options: { secret?: string } = {}): string {
  const text = error instanceof Error ? error.message : String(error);
  const scrubbed = options.secret ? text.split(options.secret).join("***") : text;
  return scrubbed.split(/(\s+|['"])/).map(redactUrl).join("").replace(/\s*\n\s*/g, " ").trim();
}

/**
 * The one line an error prints as, in the shell and the scripts alike:
 * `error: WHAT[ (usage: …)]`, with WHAT from {@linkcode errorText}.
 *
 * @example With the usage of the command that was given bad input
 * ```ts
 * import { errorLine, UsageError } from "@rstream/rstream";
 * import assert from "node:assert/strict";
 * const line = errorLine(new UsageError("missing SENSOR_ID"), { usage: "produce SENSOR_ID" });
 * assert.equal(line, "error: missing SENSOR_ID (usage: produce SENSOR_ID)");
 * ```
 */
export function errorLine(error: unknown, options: ErrorLineOptions = {}): string {
  return `error: ${errorText(error, options)}${options.usage ? ` (usage: ${options.usage})` : ""}`;
}

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENOTFOUND",
  "EPIPE",
  "EAI_AGAIN",
]);

/** The names of `Deno.errors` classes a socket throws when the network fails. */
const DENO_NETWORK_ERRORS = new Set([
  "ConnectionRefused",
  "ConnectionReset",
  "ConnectionAborted",
  "NotConnected",
  "BrokenPipe",
  "UnexpectedEof",
  "TimedOut",
  "AddrNotAvailable",
  "HostUnreachable",
  "NetworkUnreachable",
]);

/**
 * Turns a backend error into a named rstream error where one fits; other
 * errors are returned unchanged. The original is kept as `cause`, and the
 * context's values become the named error's fields.
 *
 * @example A WRONGTYPE reply becomes a WrongTypeError naming the key
 * ```ts
 * import { ReplyError, toStreamError, WrongTypeError } from "@rstream/rstream";
 * import assert from "node:assert/strict";
 * const reply = new ReplyError("WRONGTYPE Operation against a key holding the wrong kind of value");
 * const error = toStreamError(reply, { command: "XADD", stream: "app:event" });
 * assert.ok(error instanceof WrongTypeError);
 * assert.equal(error.stream, "app:event");
 * ```
 */
export function toStreamError(error: unknown, context: ErrorContext = {}): unknown {
  if (
    (error instanceof StreamError && !(error instanceof ReplyError)) ||
    error instanceof TypeError || error instanceof RangeError
  ) {
    return error;
  }
  const where = context.command ? ` (${context.command})` : "";
  const server = context.displayUrl ? redactUrl(context.displayUrl) : "the server";
  if (error instanceof ReplyError) {
    const text = error.message;
    switch (error.code) {
      case "WRONGTYPE":
        return new WrongTypeError(
          `Key${
            context.stream ? ` '${context.stream}'` : ""
          } is not a stream${where}; use another key or delete this one first`,
          { ...context, cause: error },
        );
      case "NOGROUP":
        return new NoGroupError(
          `No consumer group${context.group ? ` '${context.group}'` : ""} on stream${
            context.stream ? ` '${context.stream}'` : ""
          }${where}; create it first (group create, or createGroup() with mkStream)`,
          { ...context, cause: error },
        );
      case "BUSYGROUP":
        return new BusyGroupError(
          `Consumer group${context.group ? ` '${context.group}'` : ""} already exists on${
            context.stream ? ` '${context.stream}'` : " the stream"
          }`,
          { ...context, cause: error },
        );
      case "NOPERM":
        return new NoPermissionError(
          `Permission denied${
            context.command && context.stream
              ? ` (${context.command} on '${context.stream}')`
              : where
          }: ${text.slice(7)}; grant the user this command and key in its ACL, or use another user`,
          { ...context, cause: error },
        );
      case "WRONGPASS":
      case "NOAUTH":
        // A connect's AUTH is worded in lib/redis/_dial.ts, which knows what the URL gave; a
        // command's NOAUTH means its socket sent no AUTH: the URL gives no password.
        return new AuthenticationError(
          error.code === "NOAUTH"
            ? `Authentication failed for ${server}: the server requires a password and none was given; add it to the URL or REDIS_URL`
            : `Authentication failed for ${server}: the server refused the user or password given; check the user and password in the URL or REDIS_URL`,
          { ...context, cause: error },
        );
    }
    if (/invalid stream id/i.test(text)) {
      return new InvalidStreamIdError(`${text.replace(/^ERR /, "")}${where}`, {
        ...context,
        cause: error,
      });
    }
    return error;
  }
  if (error instanceof Error) {
    const code = (error as { code?: string }).code;
    const name = error.name ?? "";
    if (
      (code && NETWORK_CODES.has(code)) ||
      DENO_NETWORK_ERRORS.has(name) ||
      /ConnectionTimeout|SocketClosed|ClientClosed/.test(name) ||
      /ECONNREFUSED|ETIMEDOUT|Connection timeout|Socket closed/i.test(error.message)
    ) {
      const what = code === "ECONNREFUSED" || name === "ConnectionRefused" ||
          /ECONNREFUSED/.test(error.message)
        ? "connection refused"
        : code === "ETIMEDOUT" || /timeout|ETIMEDOUT|TimedOut/i.test(`${name} ${error.message}`)
        ? "connection timed out"
        : "connection lost";
      return new ConnectionError(
        `Cannot reach Redis at ${server}: ${what}; is the server running, and are the URL and port right?`,
        { ...context, cause: error },
      );
    }
    if (/certificate|self[- ]signed|hostname|altnames|SSL|TLS/i.test(error.message)) {
      return new ConnectionError(
        `TLS handshake with ${server} failed: ${error.message}; check the CA (RSTREAM_TLS_CA) and the host name`,
        { ...context, cause: error },
      );
    }
  }
  return error;
}
