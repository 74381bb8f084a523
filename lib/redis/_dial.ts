/**
 * Opening one Redis socket: TCP (`Deno.connect`) or TLS (`Deno.connectTls`,
 * or `Deno.startTls` when the certificate is checked against another name
 * than the host), then the handshake — `AUTH`, `SELECT`, `CLIENT SETNAME` —
 * sent as one pipeline, all within `connectTimeoutMs`; the TLS handshake also
 * within a limit of its own, so that a plaintext port (which waits for a
 * command and never answers the ClientHello) fails fast, saying so. Errors
 * are the named errors of lib/errors.ts, in one line, without the password,
 * and say how far the connect got (TCP, TLS, the handshake's commands).
 *
 * @module
 */

import {
  AuthenticationError,
  ConnectionError,
  ReplyError,
  StreamError,
  toStreamError,
} from "../errors.ts";
import { scrubSecret } from "../redact_url.ts";
import { _lostError, _RespSocket } from "./_socket.ts";

/** Everything needed to open one more socket to the same server. */
export interface _Endpoint {
  /** As in the URL (an IPv6 address keeps its brackets). */
  hostname: string;
  port: number;
  displayUrl: string;
  /** The password, scrubbed from every message. */
  secret?: string | undefined;
  /** Commands sent first, in one write; any error reply fails the connect. */
  handshake: string[][];
  /** TLS: trust `ca` (else the system roots) and check the certificate against `servername`. */
  tls?: { ca?: string; cert?: string; key?: string; servername: string } | undefined;
  connectTimeoutMs: number;
  maxReplyBytes?: number | undefined;
}

/** Whether `host` is an IPv4 or IPv6 literal (brackets allowed). */
export function _isIpLiteral(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, "");
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(bare) ||
    (bare.includes(":") && /^[0-9a-f:.]+$/i.test(bare));
}

/** How far a connect got: what a timeout or an error is reported as. */
interface _Progress {
  /** `tcp` until the socket is connected, `tls` during the TLS handshake, then `redis`. */
  phase: "tcp" | "tls" | "redis";
}

/**
 * The TLS handshake's own limit: a server that answers TLS does so within a
 * few round trips, while a plaintext port waits for a command and never
 * answers the ClientHello. At least 2 s, or 10 times the TCP connect;
 * `undefined` when what is left of connectTimeoutMs ends first.
 */
function tlsHandshakeMs(tcpMs: number, leftMs: number): number | undefined {
  const ms = Math.round(Math.max(2000, 10 * tcpMs));
  return ms < leftMs ? ms : undefined;
}

/** The TLS handshake did not finish within {@linkcode tlsHandshakeMs}. */
class TlsSilence extends Error {
  constructor(readonly ms: number) {
    super(`no TLS answer within ${ms} ms`);
  }
}

async function openConn(endpoint: _Endpoint, progress: _Progress): Promise<Deno.Conn> {
  const { hostname, port, tls } = endpoint;
  const started = performance.now();
  if (!tls) {
    const conn = await Deno.connect({ hostname, port });
    conn.setNoDelay(true); // commands go out as they are written: no Nagle wait for the next ones
    progress.phase = "redis";
    return conn;
  }
  const caCerts = tls.ca ? [tls.ca] : undefined;
  const bare = hostname.replace(/^\[|\]$/g, "");
  let conn: Deno.TlsConn;
  if (tls.servername === bare || tls.servername === hostname) {
    // Resolves once TCP is connected: the TLS handshake runs on the first read, write or handshake().
    conn = await Deno.connectTls({
      hostname,
      port,
      ...(caCerts ? { caCerts } : {}),
      ...(tls.cert && tls.key ? { cert: tls.cert, key: tls.key } : {}),
    });
  } else {
    // Connect to the host, check the certificate against another name.
    const tcp = await Deno.connect({ hostname, port });
    tcp.setNoDelay(true);
    try {
      conn = await Deno.startTls(tcp, {
        hostname: tls.servername,
        ...(caCerts ? { caCerts } : {}),
      });
    } catch (error) {
      tcp.close();
      throw error;
    }
  }
  progress.phase = "tls";
  const tcpMs = performance.now() - started;
  const limitMs = tlsHandshakeMs(tcpMs, endpoint.connectTimeoutMs - tcpMs);
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    // Certificate errors surface here, before any byte of Redis.
    await Promise.race([
      conn.handshake(),
      ...(limitMs === undefined ? [] : [
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new TlsSilence(limitMs)), limitMs);
        }),
      ]),
    ]);
  } catch (error) {
    conn.close();
    throw error;
  } finally {
    clearTimeout(timer);
  }
  progress.phase = "redis";
  return conn;
}

/** Bytes that are not TLS where a TLS record was expected (rustls' words). */
const NOT_TLS =
  /InvalidContentType|corrupt message|InvalidMessage|wrong version number|record overflow/i;

/** The one line for a port that does not speak TLS: which URL to try instead, never a fallback. */
function notTlsError(endpoint: _Endpoint, what: string, cause: unknown): ConnectionError {
  const { displayUrl } = endpoint;
  const plain = displayUrl.replace(/^rediss:/i, "redis:");
  return new ConnectionError(
    `TLS handshake with ${displayUrl} failed: the server ${what} (is it a plaintext port? then use ${plain})`,
    { displayUrl, cause },
  );
}

/** Node's wording of a name mismatch, which rstream's messages have always used. */
function tlsDetail(message: string, name: string): string {
  const line = message.replace(/\s*\n\s*/g, " ");
  if (/NotValidForName|not valid for name/i.test(line)) {
    const valid = /only valid for (.*)$/i.exec(line)?.[1];
    const what = _isIpLiteral(name)
      ? `IP: ${name.replace(/^\[|\]$/g, "")} is not in the cert's list`
      : `Host: ${name}. is not in the cert's altnames`;
    return `Hostname/IP does not match certificate's altnames: ${what}${
      valid ? ` (the certificate is valid for ${valid})` : ""
    }`;
  }
  return line;
}

/**
 * The handshake's AUTH was refused: what was refused and what to do, in one
 * line. `reconnecting`: a new socket of a connection whose earlier socket
 * authenticated with the same credentials, so the server changed.
 */
function authError(
  reply: ReplyError,
  endpoint: _Endpoint,
  reconnecting: boolean,
): AuthenticationError {
  const { displayUrl } = endpoint;
  const withUser = endpoint.handshake.find((command) => command[0] === "AUTH")?.length === 3;
  const failed = `Authentication failed for ${displayUrl}${reconnecting ? " on reconnecting" : ""}`;
  const options = { displayUrl, command: "AUTH", cause: reply, reconnecting };
  if (/without any password configured|no password is set/i.test(reply.message)) {
    return new AuthenticationError(
      reconnecting
        ? `${failed}: the URL gives a password but the server now has none set (restarted without requirepass?); set requirepass again, or remove the password from the URL or REDIS_URL`
        : `${failed}: the URL gives a password but the server has none set; remove it from the URL or REDIS_URL, or set requirepass on the server`,
      options,
    );
  }
  const given = withUser ? "the user and password given" : "the password given";
  const check = withUser ? "the user and password" : "the password";
  return new AuthenticationError(
    reconnecting
      ? `${failed}: the server refused ${given}, which it accepted before (${
        withUser ? "restarted, or the user's ACL changed?" : "restarted with another password?"
      }); check the server's ${
        withUser ? "ACL" : "requirepass"
      } and ${check} in the URL or REDIS_URL`
      : `${failed}: the server refused ${given} (${
        withUser ? "wrong password, or no such user, or the user is disabled" : "wrong password"
      }); check ${check} in the URL or REDIS_URL`,
    options,
  );
}

/** The one error a failed connect reports. */
function connectError(error: unknown, endpoint: _Endpoint): unknown {
  const { displayUrl, secret } = endpoint;
  if (error instanceof ReplyError) {
    return toStreamError(error, { command: "CONNECT", displayUrl });
  }
  if (error instanceof StreamError || error instanceof TypeError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (endpoint.tls && error instanceof TlsSilence) {
    return notTlsError(endpoint, `did not answer TLS within ${error.ms} ms`, error);
  }
  if (endpoint.tls && NOT_TLS.test(message)) {
    return notTlsError(endpoint, "did not answer in TLS", error);
  }
  if (
    endpoint.tls &&
    /certificate|tls|handshake|peer|alert|UnknownIssuer|BadCertificate/i.test(message)
  ) {
    return new ConnectionError(
      `TLS handshake with ${displayUrl} failed: ${
        scrubSecret(tlsDetail(message, endpoint.tls.servername), secret)
      }; check the CA (RSTREAM_TLS_CA) and the host name`,
      { displayUrl, cause: error },
    );
  }
  const mapped = toStreamError(error, { command: "CONNECT", displayUrl });
  if (mapped instanceof StreamError) return mapped;
  return new ConnectionError(
    `Cannot connect to ${displayUrl}: ${scrubSecret(message.replace(/\s*\n\s*/g, " "), secret)}`,
    { displayUrl, cause: error },
  );
}

/** What a connect that ran out of time reports, by how far it got. */
function timeoutError(endpoint: _Endpoint, progress: _Progress): Error {
  const { connectTimeoutMs, displayUrl } = endpoint;
  if (progress.phase === "tls") {
    return notTlsError(endpoint, `did not answer TLS within ${connectTimeoutMs} ms`, undefined);
  }
  if (progress.phase === "redis") {
    const names = [...new Set(endpoint.handshake.map((command) => command[0]))].join(", ");
    return _lostError(
      displayUrl,
      `connected, but no answer to ${names} within ${connectTimeoutMs} ms`,
    );
  }
  return _lostError(displayUrl, "connection timed out");
}

/**
 * Opens a socket and runs the handshake, within `connectTimeoutMs`.
 *
 * @example
 * ```ts ignore
 * const socket = await _dial({ hostname: "127.0.0.1", port: 6379, displayUrl: "redis://127.0.0.1:6379", handshake: [], connectTimeoutMs: 5000 });
 * ```
 */
export async function _dial(
  endpoint: _Endpoint,
  options: { reconnecting?: boolean } = {},
): Promise<_RespSocket> {
  const { connectTimeoutMs, displayUrl } = endpoint;
  const progress: _Progress = { phase: "tcp" };
  let timer: ReturnType<typeof setTimeout> | undefined;
  let gaveUp = false;
  let socket: _RespSocket | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timeoutError(endpoint, progress)), connectTimeoutMs);
  });
  const connecting = openConn(endpoint, progress).then((conn) => {
    if (gaveUp) {
      conn.close();
      throw _lostError(displayUrl, "connection timed out");
    }
    return conn;
  });
  connecting.catch(() => {}); // raced: its error may come after the timeout's
  try {
    const conn = await Promise.race([connecting, timeout]);
    socket = new _RespSocket(conn, {
      displayUrl,
      secret: endpoint.secret,
      maxReplyBytes: endpoint.maxReplyBytes,
    });
    if (endpoint.handshake.length > 0) {
      const replies = await Promise.race([socket.pipeline(endpoint.handshake), timeout]);
      replies.forEach((reply, i) => {
        if (!(reply instanceof Error)) return;
        // A refused AUTH fails the commands after it (NOAUTH): report the AUTH.
        if (endpoint.handshake[i]![0] === "AUTH" && reply instanceof ReplyError) {
          throw authError(reply, endpoint, options.reconnecting ?? false);
        }
        throw reply;
      });
    }
    return socket;
  } catch (error) {
    gaveUp = true;
    const mapped = connectError(error, endpoint);
    socket?.fail(mapped instanceof Error ? mapped : new Error(String(mapped)));
    throw mapped;
  } finally {
    clearTimeout(timer);
  }
}
