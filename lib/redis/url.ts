/**
 * Redis URLs: `redis://[user:password@]host[:port][/db][?addr=host:port…]` and
 * `rediss://…` (TLS), checked before connecting (`?addr=` names more seed
 * nodes, tried in turn when the URL's host does not answer), with errors that never show the password.
 *
 * @module
 */

import { redactUrl } from "../redact_url.ts";

/**
 * Checks a `redis://`/`rediss://` URL, throwing a `TypeError` that never
 * shows the password.
 *
 * @example A database index must be a number
 * ```ts
 * import { checkRedisUrl } from "@rstream/rstream/redis";
 * import assert from "node:assert/strict";
 * assert.equal(checkRedisUrl("redis://app:pw@127.0.0.1:6379/2").pathname, "/2");
 * assert.throws(() => checkRedisUrl("redis://app:pw@127.0.0.1:6379/x"), /Invalid database index 'x'/);
 * assert.throws(() => checkRedisUrl("redis://127.0.0.1:7001?addr=7002"), /expected \?addr=host:port/);
 * ```
 */
export function checkRedisUrl(url: string): URL {
  // A password holding a raw `/`, `?` or `#` (base64 passwords often do) ends the
  // authority early (and `redis:u:pw@host` has none), so messages print the URL
  // without everything up to its last `@`.
  const shown = redactUrl(url);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // No `@` in the hint: every line printed redacts what stands before an `@`.
    throw new TypeError(
      `Invalid Redis URL '${shown}': expected one like redis://127.0.0.1:6379/0, with a user and password (percent-encoded) before the host`,
    );
  }
  if (parsed.protocol !== "redis:" && parsed.protocol !== "rediss:") {
    throw new TypeError(
      `Unsupported URL scheme '${parsed.protocol}' in '${shown}': use redis:// or rediss://`,
    );
  }
  if (parsed.hostname === "") {
    throw new TypeError(
      `Invalid Redis URL '${shown}': no host; give one, as in redis://127.0.0.1:6379`,
    );
  }
  try {
    decodeURIComponent(parsed.username);
    decodeURIComponent(parsed.password);
  } catch {
    throw new TypeError(
      `Invalid Redis URL '${shown}': a '%' in the user or password is not followed by two hex digits; write a literal % as %25`,
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
  for (const addr of parsed.searchParams.getAll("addr")) {
    if (!/^(\[[0-9a-fA-F:.]+\]|[^:/\s\[\]]+):\d{1,5}$/.test(addr)) {
      throw new TypeError(
        `Invalid seed '?addr=${addr}' in '${shown}': expected ?addr=host:port (repeat it for more seeds)`,
      );
    }
  }
  return parsed;
}
