/**
 * Named errors callers can catch and act on. Each message is one line: what
 * happened, the values involved, and what to do. None ever contains a password.
 *
 * @module
 */

import { ReplyError } from "./reply_error.ts";

/** Base class of rstream's named errors. */
export class StreamError extends Error {
  /** The error's name, for `instanceof`-free checks. */
  override name = "StreamError";
}

/**
 * An explicit ID was not greater than the stream's last ID.
 *
 * @example
 * ```ts
 * import { StreamIdTooSmallError } from "@rstream/rstream";
 * const error = new StreamIdTooSmallError("app:event", "1-0", "5-0");
 * console.assert(error.message.includes("1-0") && error.message.includes("5-0"));
 * ```
 */
export class StreamIdTooSmallError extends StreamError {
  /** The error's name, for `instanceof`-free checks. */
  override name = "StreamIdTooSmallError";
  /** The stream added to. */
  readonly stream: string;
  /** The ID that was given. */
  readonly id: string;
  /** The stream's last ID at the time. */
  readonly lastId: string;
  /** Creates the error. */
  constructor(stream: string, id: string, lastId: string, options?: ErrorOptions) {
    super(
      `Cannot add to '${stream}': ID ${id} is not greater than the stream's last ID ${lastId}; use '*' or an ID above ${lastId}`,
      options,
    );
    this.stream = stream;
    this.id = id;
    this.lastId = lastId;
  }
}

/** The server rejected an ID (`ERR Invalid stream ID …`). */
export class InvalidStreamIdError extends StreamError {
  /** The error's name, for `instanceof`-free checks. */
  override name = "InvalidStreamIdError";
}

/** A key holds another type than a stream (WRONGTYPE). */
export class WrongTypeError extends StreamError {
  /** The error's name, for `instanceof`-free checks. */
  override name = "WrongTypeError";
}

/** The stream or consumer group does not exist (NOGROUP). */
export class NoGroupError extends StreamError {
  /** The error's name, for `instanceof`-free checks. */
  override name = "NoGroupError";
}

/** The consumer group already exists (BUSYGROUP). */
export class BusyGroupError extends StreamError {
  /** The error's name, for `instanceof`-free checks. */
  override name = "BusyGroupError";
}

/** The user is not allowed to run this command or touch this key (NOPERM). */
export class NoPermissionError extends StreamError {
  /** The error's name, for `instanceof`-free checks. */
  override name = "NoPermissionError";
}

/** Authentication failed (WRONGPASS, NOAUTH). */
export class AuthenticationError extends StreamError {
  /** The error's name, for `instanceof`-free checks. */
  override name = "AuthenticationError";
}

/** The server could not be reached: refused, timed out, closed or TLS failure. */
export class ConnectionError extends StreamError {
  /** The error's name, for `instanceof`-free checks. */
  override name = "ConnectionError";
}

/** Where an error happened, for the message. */
export interface ErrorContext {
  /** The command's name, e.g. `XREADGROUP`. */
  command?: string;
  /** The stream involved. */
  stream?: string;
  /** The consumer group involved. */
  group?: string;
  /** Where the connection goes, already redacted. */
  displayUrl?: string;
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

/**
 * Turns a backend error into a named rstream error where one fits; other
 * errors are returned unchanged. The original is kept as `cause`.
 */
export function toStreamError(error: unknown, context: ErrorContext = {}): unknown {
  if (error instanceof StreamError || error instanceof TypeError || error instanceof RangeError) {
    return error;
  }
  const where = context.command ? ` (${context.command})` : "";
  const server = context.displayUrl ?? "the server";
  if (error instanceof ReplyError) {
    const text = error.message;
    switch (error.code) {
      case "WRONGTYPE":
        return new WrongTypeError(
          `Key${
            context.stream ? ` '${context.stream}'` : ""
          } is not a stream${where}; use another key or delete this one first`,
          { cause: error },
        );
      case "NOGROUP":
        return new NoGroupError(
          `No consumer group${context.group ? ` '${context.group}'` : ""} on stream${
            context.stream ? ` '${context.stream}'` : ""
          }${where}; create it first (group create, or createGroup() with mkStream)`,
          { cause: error },
        );
      case "BUSYGROUP":
        return new BusyGroupError(
          `Consumer group${context.group ? ` '${context.group}'` : ""} already exists on${
            context.stream ? ` '${context.stream}'` : " the stream"
          }`,
          { cause: error },
        );
      case "NOPERM":
        return new NoPermissionError(
          `Permission denied${where}: ${
            text.slice(7)
          }; grant the user this command and key in its ACL, or use another user`,
          { cause: error },
        );
      case "WRONGPASS":
      case "NOAUTH":
        return new AuthenticationError(
          `Authentication failed for ${server}: ${
            error.code === "NOAUTH" ? "a password is required" : "wrong username or password"
          }; check the user and password in the URL or REDIS_URL`,
          { cause: error },
        );
    }
    if (/invalid stream id/i.test(text)) {
      return new InvalidStreamIdError(`${text.replace(/^ERR /, "")}${where}`, { cause: error });
    }
    return error;
  }
  if (error instanceof Error) {
    const code = (error as { code?: string }).code;
    const name = error.name ?? "";
    if (
      (code && NETWORK_CODES.has(code)) ||
      /ConnectionTimeout|SocketClosed|ClientClosed/.test(name) ||
      /ECONNREFUSED|ETIMEDOUT|Connection timeout|Socket closed/i.test(error.message)
    ) {
      const what = code === "ECONNREFUSED" || /ECONNREFUSED/.test(error.message)
        ? "connection refused"
        : code === "ETIMEDOUT" || /timeout|ETIMEDOUT/i.test(`${name} ${error.message}`)
        ? "connection timed out"
        : "connection lost";
      return new ConnectionError(
        `Cannot reach Redis at ${server}: ${what}; is the server running, and are the URL and port right?`,
        { cause: error },
      );
    }
    if (/certificate|self[- ]signed|hostname|altnames|SSL|TLS/i.test(error.message)) {
      return new ConnectionError(
        `TLS handshake with ${server} failed: ${error.message}; check the CA (RSTREAM_TLS_CA) and the host name`,
        { cause: error },
      );
    }
  }
  return error;
}
