/**
 * Opening one Redis socket: TCP (`Deno.connect`) or TLS (`Deno.connectTls`,
 * or `Deno.startTls` when the certificate is checked against another name
 * than the host), then the handshake — `AUTH`, `SELECT`, `CLIENT SETNAME` —
 * sent as one pipeline, all within `connectTimeoutMs`. Errors are the named
 * errors of lib/errors.ts, in one line, without the password.
 *
 * @module
 */

import { ConnectionError, ReplyError, StreamError, toStreamError } from "../errors.ts";
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

async function openConn(endpoint: _Endpoint): Promise<Deno.Conn> {
  const { hostname, port, tls } = endpoint;
  if (!tls) {
    const conn = await Deno.connect({ hostname, port });
    conn.setNoDelay(true); // commands go out as they are written: no Nagle wait for the next ones
    return conn;
  }
  const caCerts = tls.ca ? [tls.ca] : undefined;
  const bare = hostname.replace(/^\[|\]$/g, "");
  let conn: Deno.TlsConn;
  if (tls.servername === bare || tls.servername === hostname) {
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
  try {
    await conn.handshake(); // certificate errors surface here, before any byte of Redis
  } catch (error) {
    conn.close();
    throw error;
  }
  return conn;
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

/** The one error a failed connect reports. */
function connectError(error: unknown, endpoint: _Endpoint): unknown {
  const { displayUrl, secret } = endpoint;
  if (error instanceof ReplyError) {
    return toStreamError(error, { command: "CONNECT", displayUrl });
  }
  if (error instanceof StreamError || error instanceof TypeError) return error;
  const message = error instanceof Error ? error.message : String(error);
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

/**
 * Opens a socket and runs the handshake, within `connectTimeoutMs`.
 *
 * @example
 * ```ts ignore
 * const socket = await _dial({ hostname: "127.0.0.1", port: 6379, displayUrl: "redis://127.0.0.1:6379", handshake: [], connectTimeoutMs: 5000 });
 * ```
 */
export async function _dial(endpoint: _Endpoint): Promise<_RespSocket> {
  const { connectTimeoutMs, displayUrl } = endpoint;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let gaveUp = false;
  let socket: _RespSocket | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(_lostError(displayUrl, "connection timed out")),
      connectTimeoutMs,
    );
  });
  const connecting = openConn(endpoint).then((conn) => {
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
      for (const reply of replies) if (reply instanceof Error) throw reply;
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
