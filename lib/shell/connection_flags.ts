/**
 * redis-cli's connection flags (`-u URL`, `-h HOST`, `-p PORT`, `-a PASSWORD`,
 * `--user`, `-n DB`, `--tls`, `--cacert`, and `REDISCLI_AUTH`) turned into the
 * one store URL the CLI opens. Pure: the password is percent-encoded into the
 * URL and only ever printed through `redactUrl()`.
 *
 * @module
 */

import { UsageError } from "../errors.ts";

/**
 * The connection flags as given on the command line (all optional).
 *
 * @example `-h db -p 6380 -n 1`
 * ```ts
 * import { type ConnectionFlags, connectionUrl } from "./connection_flags.ts";
 * import assert from "node:assert/strict";
 * const flags: ConnectionFlags = { host: "db", port: 6380, db: 1 };
 * assert.equal(connectionUrl(flags), "redis://db:6380/1");
 * ```
 */
export interface ConnectionFlags {
  /** `-u`/`--url`: a whole store URL. */
  url?: string;
  /** `-h HOST`. */
  host?: string;
  /** `-p PORT`. */
  port?: number;
  /** `-a PASSWORD` (else `REDISCLI_AUTH`). */
  password?: string;
  /** `--user USER` (an ACL user). */
  user?: string;
  /** `-n DB`. */
  db?: number;
  /** `--tls`: `rediss://`. */
  tls?: boolean;
}

/** Whether any flag that builds a Redis URL (not `-u` alone) was given. */
function buildsUrl(flags: ConnectionFlags): boolean {
  return flags.host !== undefined || flags.port !== undefined || flags.password !== undefined ||
    flags.user !== undefined || flags.db !== undefined || flags.tls === true;
}

/**
 * The store URL the flags select, or `undefined` when none was given (the
 * environment then decides). `-h`/`-p`/`-a`/`--user`/`-n`/`--tls` build a
 * `redis://` (or `rediss://`) URL, defaulting to `127.0.0.1:6379`, or override
 * those parts of a `-u` Redis URL; `authEnv` (`REDISCLI_AUTH`) is the
 * password when the flags select Redis and none is given otherwise.
 *
 * @example redis-cli's flags become one URL, the password percent-encoded
 * ```ts
 * import { connectionUrl } from "./connection_flags.ts";
 * import assert from "node:assert/strict";
 * assert.equal(connectionUrl({ host: "db", port: 6380, password: "p@ss/w", db: 2 }),
 *   "redis://:p%40ss%2Fw@db:6380/2");
 * assert.equal(connectionUrl({ tls: true, user: "app" }, "s3cret"), "rediss://app:s3cret@127.0.0.1:6379");
 * assert.equal(connectionUrl({ url: "memory:" }), "memory:");
 * assert.equal(connectionUrl({}), undefined);
 * ```
 *
 * @throws {UsageError} when Redis flags are combined with an embedded store URL.
 */
export function connectionUrl(flags: ConnectionFlags, authEnv?: string): string | undefined {
  const builds = buildsUrl(flags);
  const base = flags.url !== undefined && flags.url !== "" ? flags.url : undefined;
  const redisBase = base !== undefined && /^rediss?:\/\//i.test(base);
  if (base !== undefined && !redisBase) {
    if (builds) {
      throw new UsageError(
        "-h/-p/-a/--user/-n/--tls connect to Redis; they cannot be used with a file: or memory: URL",
      );
    }
    return base;
  }
  if (!builds && base === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(base ?? "redis://127.0.0.1:6379");
  } catch {
    return base; // openStore() reports the malformed URL (redacted)
  }
  if (flags.tls) url.protocol = "rediss:";
  if (flags.host !== undefined) {
    url.hostname = flags.host.includes(":") ? `[${flags.host}]` : flags.host;
  }
  if (flags.port !== undefined) url.port = String(flags.port);
  else if (url.port === "" && base === undefined) url.port = "6379";
  if (flags.user !== undefined) url.username = encodeURIComponent(flags.user);
  const password = flags.password ?? (url.password === "" ? authEnv : undefined);
  if (password !== undefined && password !== "") url.password = encodeURIComponent(password);
  if (flags.db !== undefined) url.pathname = `/${flags.db}`;
  return url.href.replace(/\/$/, "");
}
