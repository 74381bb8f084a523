/**
 * The embedded backend: Redis 7.0's stream commands, with Redis's replies and
 * error texts, on a SQLite file (Deno's built-in `node:sqlite`), so a machine
 * needs no server. {@linkcode openStore} loads this module only when it
 * opens a `file:` or `memory:` store.
 *
 * @example Run Redis commands on an in-memory store
 * ```ts
 * import { openEmbeddedConnection } from "@rstream/rstream/embedded";
 * import assert from "node:assert/strict";
 * await using connection = openEmbeddedConnection(":memory:");
 * const id = await connection.send(["XADD", "app:event", "1-1", "temp", "0.42"]);
 * assert.equal(id, "1-1");
 * assert.equal(await connection.send(["XLEN", "app:event"]), 1);
 * ```
 *
 * @module
 */

export { openEmbeddedConnection } from "./connection.ts";
export type { EmbeddedConnectionOptions } from "./connection.ts";
