import assert from "node:assert/strict";
import {
  AuthenticationError,
  BusyGroupError,
  ConnectionError,
  InvalidStreamIdError,
  NoGroupError,
  NoPermissionError,
  ReplyError,
  StreamError,
  StreamIdTooSmallError,
  toStreamError,
  WrongTypeError,
} from "./errors.ts";

/** An error shaped like a Node network error. */
function networkError(code: string, message: string, name = "Error"): Error {
  const error = Object.assign(new Error(message), { code });
  error.name = name;
  return error;
}

// ReplyError

Deno.test("ReplyError takes its code from the first word of the reply", () => {
  const error = new ReplyError("NOGROUP No such key 's' or consumer group 'g'");
  assert.equal(error.code, "NOGROUP");
  assert.equal(error.name, "ReplyError");
  assert.equal(error.message, "NOGROUP No such key 's' or consumer group 'g'");
});

Deno.test("ReplyError uses a one-word reply as its code", () => {
  assert.equal(new ReplyError("LOADING").code, "LOADING");
});

Deno.test("ReplyError keeps its cause", () => {
  const cause = new Error("raw");
  assert.equal(new ReplyError("ERR x", { cause }).cause, cause);
});

// The classes

Deno.test("StreamIdTooSmallError names the stream, the ID and the last ID", () => {
  const error = new StreamIdTooSmallError("app:event", "1-0", "5-0");
  assert.equal(
    error.message,
    "Cannot add to 'app:event': ID 1-0 is not greater than the stream's last ID 5-0; use '*' or an ID above 5-0",
  );
  assert.deepEqual([error.name, error.stream, error.id, error.lastId], [
    "StreamIdTooSmallError",
    "app:event",
    "1-0",
    "5-0",
  ]);
  assert.ok(error instanceof StreamError);
});

Deno.test("every named error is a StreamError with its own name", () => {
  const classes = [
    InvalidStreamIdError,
    WrongTypeError,
    NoGroupError,
    BusyGroupError,
    NoPermissionError,
    AuthenticationError,
    ConnectionError,
  ];
  for (const Class of classes) {
    const error = new Class("m");
    assert.ok(error instanceof StreamError && error instanceof Error);
    assert.equal(error.name, Class.name);
  }
  assert.equal(new StreamError("m").name, "StreamError");
});

// toStreamError: replies

Deno.test("toStreamError() maps WRONGTYPE to WrongTypeError naming the key", () => {
  const reply = new ReplyError("WRONGTYPE Operation against a key holding the wrong kind of value");
  const error = toStreamError(reply, { command: "XADD", stream: "k" });
  assert.ok(error instanceof WrongTypeError);
  assert.equal(
    error.message,
    "Key 'k' is not a stream (XADD); use another key or delete this one first",
  );
  assert.equal(error.cause, reply);
});

Deno.test("toStreamError() maps NOGROUP to NoGroupError naming group and stream", () => {
  const reply = new ReplyError(
    "NOGROUP No such key 's' or consumer group 'nog' in XREADGROUP with GROUP option",
  );
  const error = toStreamError(reply, { command: "XREADGROUP", stream: "s", group: "nog" });
  assert.ok(error instanceof NoGroupError);
  assert.equal(
    error.message,
    "No consumer group 'nog' on stream 's' (XREADGROUP); create it first (group create, or createGroup() with mkStream)",
  );
});

Deno.test("toStreamError() maps NOGROUP without context", () => {
  const error = toStreamError(new ReplyError("NOGROUP No such key"));
  assert.ok(error instanceof NoGroupError);
  assert.match(error.message, /^No consumer group on stream; create it first/);
});

Deno.test("toStreamError() maps BUSYGROUP to BusyGroupError naming group and stream", () => {
  const error = toStreamError(new ReplyError("BUSYGROUP Consumer Group name already exists"), {
    stream: "s",
    group: "g",
  });
  assert.ok(error instanceof BusyGroupError);
  assert.equal(error.message, "Consumer group 'g' already exists on 's'");
});

Deno.test("toStreamError() maps NOPERM to NoPermissionError with Redis's reason", () => {
  const error = toStreamError(
    new ReplyError("NOPERM this user has no permissions to run the 'xrange' command"),
    { command: "XRANGE" },
  );
  assert.ok(error instanceof NoPermissionError);
  assert.equal(
    error.message,
    "Permission denied (XRANGE): this user has no permissions to run the 'xrange' command; grant the user this command and key in its ACL, or use another user",
  );
});

Deno.test("toStreamError() names the stream a NOPERM was for, such as the dead-letter stream", () => {
  const error = toStreamError(
    new ReplyError("NOPERM No permissions to access a key"),
    { command: "XADD", stream: "app:event:dead-letter" },
  );
  assert.ok(error instanceof NoPermissionError);
  assert.equal(
    error.message,
    "Permission denied (XADD on 'app:event:dead-letter'): No permissions to access a key; grant the user this command and key in its ACL, or use another user",
  );
});

Deno.test("toStreamError() maps WRONGPASS to AuthenticationError naming the server", () => {
  const error = toStreamError(
    new ReplyError("WRONGPASS invalid username-password pair or user is disabled."),
    { displayUrl: "redis://localhost:6379" },
  );
  assert.ok(error instanceof AuthenticationError);
  assert.equal(
    error.message,
    "Authentication failed for redis://localhost:6379: the server refused the user or password given; check the user and password in the URL or REDIS_URL",
  );
  assert.equal(error.reconnecting, false);
});

Deno.test("toStreamError() maps NOAUTH to AuthenticationError saying none was given", () => {
  const error = toStreamError(new ReplyError("NOAUTH Authentication required."));
  assert.ok(error instanceof AuthenticationError);
  assert.equal(
    error.message,
    "Authentication failed for the server: the server requires a password and none was given; add it to the URL or REDIS_URL",
  );
});

Deno.test("toStreamError() maps an invalid stream ID reply to InvalidStreamIdError", () => {
  const error = toStreamError(
    new ReplyError("ERR Invalid stream ID specified as stream command argument"),
    { command: "XRANGE" },
  );
  assert.ok(error instanceof InvalidStreamIdError);
  assert.equal(error.message, "Invalid stream ID specified as stream command argument (XRANGE)");
});

Deno.test("toStreamError() returns other replies unchanged", () => {
  const reply = new ReplyError("ERR The ID specified in XADD must be greater than 0-0");
  assert.equal(toStreamError(reply), reply);
});

// toStreamError: pass-through

Deno.test("toStreamError() returns StreamError, TypeError and RangeError unchanged", () => {
  for (const error of [new NoGroupError("x"), new TypeError("t"), new RangeError("r")]) {
    assert.equal(toStreamError(error), error);
  }
});

Deno.test("toStreamError() returns non-errors and unknown errors unchanged", () => {
  const plain = new Error("something else");
  assert.equal(toStreamError(plain), plain);
  assert.equal(toStreamError("text"), "text");
  assert.equal(toStreamError(undefined), undefined);
});

// toStreamError: network and TLS

Deno.test("toStreamError() maps ECONNREFUSED to ConnectionError saying refused", () => {
  const cause = networkError("ECONNREFUSED", "connect ECONNREFUSED 127.0.0.1:6390");
  const error = toStreamError(cause, { displayUrl: "redis://127.0.0.1:6390" });
  assert.ok(error instanceof ConnectionError);
  assert.equal(
    error.message,
    "Cannot reach Redis at redis://127.0.0.1:6390: connection refused; is the server running, and are the URL and port right?",
  );
  assert.equal(error.cause, cause);
});

Deno.test("toStreamError() maps ECONNREFUSED in the message alone", () => {
  const error = toStreamError(new Error("connect ECONNREFUSED 127.0.0.1:6390"));
  assert.ok(error instanceof ConnectionError);
  assert.match(error.message, /^Cannot reach Redis at the server: connection refused;/);
});

Deno.test("toStreamError() maps the ETIMEDOUT code to timed out", () => {
  const error = toStreamError(networkError("ETIMEDOUT", "connect failed"));
  assert.ok(error instanceof ConnectionError);
  assert.match(error.message, /: connection timed out;/);
});

Deno.test("toStreamError() maps node-redis's ConnectionTimeoutError to timed out", () => {
  const cause = new Error("Connection timeout");
  cause.name = "ConnectionTimeoutError";
  const error = toStreamError(cause);
  assert.ok(error instanceof ConnectionError);
  assert.match(error.message, /: connection timed out;/);
});

Deno.test("toStreamError() maps ECONNRESET and SocketClosed to connection lost", () => {
  const reset = toStreamError(networkError("ECONNRESET", "read ECONNRESET"));
  assert.ok(reset instanceof ConnectionError);
  assert.match(reset.message, /: connection lost;/);
  const closed = new Error("Socket closed unexpectedly");
  closed.name = "SocketClosedUnexpectedlyError";
  const lost = toStreamError(closed);
  assert.ok(lost instanceof ConnectionError);
  assert.match(lost.message, /: connection lost;/);
});

Deno.test("toStreamError() maps a certificate failure to a TLS ConnectionError", () => {
  const error = toStreamError(new Error("self-signed certificate in certificate chain"), {
    displayUrl: "rediss://db.example:6380",
  });
  assert.ok(error instanceof ConnectionError);
  assert.equal(
    error.message,
    "TLS handshake with rediss://db.example:6380 failed: self-signed certificate in certificate chain; check the CA (RSTREAM_TLS_CA) and the host name",
  );
});
