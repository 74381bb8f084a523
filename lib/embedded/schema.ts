/**
 * The embedded store's SQLite file: pragmas, tables and migrations.
 *
 * Several processes may open one file at once. WAL mode lets readers run
 * beside one writer; `busy_timeout` makes a writer wait for another instead of
 * failing; writes use `BEGIN IMMEDIATE` so two writers never deadlock on a
 * read-to-write upgrade. `synchronous=NORMAL` in WAL mode means a commit is in
 * the WAL file before `COMMIT` returns: killing the process (even `kill -9`)
 * loses no committed command; only a power loss or OS crash may lose the last
 * commits (the file stays consistent either way).
 *
 * Layout: one row per key in `keys` (the stream's counters live in the same
 * row), entries keyed by `(key_id, ms, seq)` in a WITHOUT ROWID table so a
 * range read is one B-tree walk, and groups, consumers and the pending entries
 * list (`pel`) keyed by their owner; `stream_nodes` holds where each of
 * Redis's radix-tree nodes would start (for approximate trimming, see
 * nodes.ts). An ID part is an INTEGER up to 2^53 - 1 and an 8-byte
 * big-endian BLOB above (see ids.ts).
 *
 * Versions: 1 kept parts as INTEGERs only, at most 2^53 - 2, and 2^64 - 1 as
 * 2^53 - 1 (rstream before full 64-bit IDs); 2 adds `stream_nodes` (which
 * late version-1 files have already) and stores 2^64 - 1 as its BLOB.
 *
 * @module
 */

import { DatabaseSync } from "node:sqlite";
import { StoreFileError } from "../errors.ts";

/** The schema version this code writes (`PRAGMA user_version`). */
export const SCHEMA_VERSION = 2;

const SCHEMA_V1 = `
CREATE TABLE keys (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  type TEXT NOT NULL,            -- 'string' or 'stream'
  value TEXT,                    -- string keys only
  last_ms INTEGER NOT NULL DEFAULT 0,
  last_seq INTEGER NOT NULL DEFAULT 0,
  entries_added INTEGER NOT NULL DEFAULT 0,
  max_del_ms INTEGER NOT NULL DEFAULT 0,
  max_del_seq INTEGER NOT NULL DEFAULT 0,
  length INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE entries (
  key_id INTEGER NOT NULL,
  ms INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  fields TEXT NOT NULL,          -- JSON array [field, value, ...]
  PRIMARY KEY (key_id, ms, seq)
) WITHOUT ROWID;
CREATE TABLE groups (
  key_id INTEGER NOT NULL,
  name TEXT NOT NULL,
  last_ms INTEGER NOT NULL,
  last_seq INTEGER NOT NULL,
  entries_read INTEGER NOT NULL, -- -1 when unknown, as in Redis
  PRIMARY KEY (key_id, name)
) WITHOUT ROWID;
CREATE TABLE consumers (
  key_id INTEGER NOT NULL,
  grp TEXT NOT NULL,
  name TEXT NOT NULL,
  seen_time INTEGER NOT NULL,
  PRIMARY KEY (key_id, grp, name)
) WITHOUT ROWID;
CREATE TABLE pel (
  key_id INTEGER NOT NULL,
  grp TEXT NOT NULL,
  ms INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  consumer TEXT NOT NULL,
  delivery_time INTEGER NOT NULL,
  delivery_count INTEGER NOT NULL,
  PRIMARY KEY (key_id, grp, ms, seq)
) WITHOUT ROWID;
CREATE INDEX pel_by_consumer ON pel (key_id, grp, consumer, ms, seq);
`;

const STREAM_NODES = `
CREATE TABLE IF NOT EXISTS stream_nodes (
  key_id INTEGER NOT NULL,
  ms INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  total INTEGER NOT NULL,   -- entries added to the node, deleted ones included
  live INTEGER NOT NULL,    -- entries not deleted
  bytes INTEGER NOT NULL,   -- estimated listpack size
  PRIMARY KEY (key_id, ms, seq)
) WITHOUT ROWID;
`;

/** Version 1 kept the part 2^64 - 1 as the INTEGER 2^53 - 1; version 2 as its BLOB. */
const TOP_PART_TO_BLOB = [
  ["keys", "last_ms"],
  ["keys", "last_seq"],
  ["keys", "max_del_ms"],
  ["keys", "max_del_seq"],
  ["entries", "ms"],
  ["entries", "seq"],
  ["groups", "last_ms"],
  ["groups", "last_seq"],
  ["pel", "ms"],
  ["pel", "seq"],
  ["stream_nodes", "ms"],
  ["stream_nodes", "seq"],
].map(([table, column]) =>
  `UPDATE ${table} SET ${column} = x'ffffffffffffffff' WHERE ${column} = ${Number.MAX_SAFE_INTEGER};`
).join("\n");

/**
 * The `PRAGMA application_id` that marks a file as an rstream store (the
 * bytes `rstr`). A non-empty database without it is another application's
 * and is refused, so rstream never writes its tables into someone else's file.
 *
 * @example The mark is the ASCII bytes "rstr"
 * ```ts
 * import { APPLICATION_ID } from "./schema.ts";
 * import assert from "node:assert/strict";
 * assert.equal(APPLICATION_ID, 0x72737472);
 * ```
 */
export const APPLICATION_ID = 0x72737472;

/** The tables (and index) of schema version 1, to recognize a store made before the mark. */
const V1_OBJECTS = ["consumers", "entries", "groups", "keys", "pel", "pel_by_consumer"];

/**
 * Checkpoint policy for small partitions: the WAL is copied back into the
 * database after about 1 MiB of changes (256 pages of 4 KiB; SQLite's default
 * is 4 MiB), and truncated back to at most 1 MiB afterwards (SQLite keeps it
 * at its largest size by default).
 *
 * @example The WAL is checkpointed every 256 pages and kept under 1 MiB
 * ```ts
 * import { WAL_POLICY } from "./schema.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(WAL_POLICY, { autocheckpointPages: 256, journalSizeLimitBytes: 1048576 });
 * ```
 */
export const WAL_POLICY = { autocheckpointPages: 256, journalSizeLimitBytes: 1024 * 1024 } as const;

/** Options for {@linkcode openDatabase}. */
export interface OpenDatabaseOptions {
  /** How long a writer waits for another process's transaction (default 5000 ms). */
  busyTimeoutMs?: number;
  /** How errors name the file (default `file:<path>`). */
  displayUrl?: string;
}

/**
 * Opens (creating when needed) the store's database at `path` (a file path or
 * `:memory:`), checks it is an rstream store (or empty), applies the pragmas
 * and brings the schema up to date.
 *
 * @throws {StoreFileError} when the file is another application's database,
 *   or was written by a newer schema version
 */
export function openDatabase(path: string, options: OpenDatabaseOptions = {}): DatabaseSync {
  const db = new DatabaseSync(path);
  const where = { path, displayUrl: options.displayUrl ?? `file:${path}` };
  try {
    db.exec(`PRAGMA busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
    checkOwner(identify(db), where); // before anything writes: a foreign file stays untouched
    if (path !== ":memory:") {
      db.exec("PRAGMA journal_mode = WAL");
      db.exec("PRAGMA synchronous = NORMAL");
      db.exec(`PRAGMA wal_autocheckpoint = ${WAL_POLICY.autocheckpointPages}`);
      db.exec(`PRAGMA journal_size_limit = ${WAL_POLICY.journalSizeLimitBytes}`);
    }
    migrate(db, where);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

function pragma(db: DatabaseSync, name: string): number {
  return Number(Object.values(db.prepare(`PRAGMA ${name}`).get() as Record<string, number>)[0]);
}

/** What a database file is: rstream's (marked), empty, rstream's from before the mark, or another's. */
type Identity =
  | { kind: "rstream"; version: number }
  | { kind: "empty" }
  | { kind: "unmarked-rstream" }
  | { kind: "foreign"; applicationId: number; userVersion: number; objects: string[] };

function identify(db: DatabaseSync): Identity {
  const applicationId = pragma(db, "application_id");
  const userVersion = pragma(db, "user_version");
  if (applicationId === APPLICATION_ID) return { kind: "rstream", version: userVersion };
  const objects = (db.prepare(
    "SELECT name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name",
  ).all() as { name: string }[]).map((row) => row.name);
  if (applicationId === 0 && userVersion === 0 && objects.length === 0) return { kind: "empty" };
  // Late version-1 files have stream_nodes too (it was created when missing).
  const v1 = objects.filter((name) => name !== "stream_nodes");
  if (applicationId === 0 && userVersion === 1 && v1.join() === V1_OBJECTS.join()) {
    return { kind: "unmarked-rstream" };
  }
  return { kind: "foreign", applicationId, userVersion, objects };
}

function checkOwner(
  identity: Identity,
  where: { path: string; displayUrl: string },
): void {
  if (identity.kind === "foreign") {
    const shown = identity.objects.slice(0, 5).join(", ") +
      (identity.objects.length > 5 ? `, … (${identity.objects.length} in all)` : "");
    throw new StoreFileError(
      `Cannot open the embedded store ${where.displayUrl}: ${where.path} is another application's SQLite database (${
        identity.objects.length ? `tables ${shown}` : "no tables"
      }, application_id ${identity.applicationId}, user_version ${identity.userVersion}); rstream leaves it untouched — point RSTREAM_DB or --url file:PATH at a new file`,
      { ...where, problem: "foreign-database" },
    );
  }
  if (identity.kind === "rstream" && identity.version > SCHEMA_VERSION) {
    throw new StoreFileError(
      `Cannot open the embedded store ${where.displayUrl}: its schema version ${identity.version} is newer than ${SCHEMA_VERSION}, which this rstream writes; upgrade rstream`,
      { ...where, problem: "newer-schema" },
    );
  }
}

/**
 * Creates or upgrades the tables, and marks the file as rstream's, in one
 * immediate transaction.
 *
 * @throws {StoreFileError} when another process made the file foreign or newer meanwhile
 */
export function migrate(
  db: DatabaseSync,
  where: { path: string; displayUrl: string } = { path: ":memory:", displayUrl: "memory:" },
): void {
  const seen = identify(db);
  if (seen.kind === "rstream" && seen.version === SCHEMA_VERSION) return;
  db.exec("BEGIN IMMEDIATE");
  try {
    const identity = identify(db); // another process may have migrated meanwhile
    checkOwner(identity, where);
    const version = identity.kind === "rstream"
      ? identity.version
      : identity.kind === "empty"
      ? 0
      : 1;
    if (version < 1) db.exec(SCHEMA_V1);
    if (version < 2) {
      db.exec(STREAM_NODES);
      if (version === 1) db.exec(TOP_PART_TO_BLOB);
    }
    db.exec(`PRAGMA application_id = ${APPLICATION_ID}`);
    db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
    db.exec("COMMIT");
  } catch (error) {
    db.exec("ROLLBACK");
    throw error;
  }
}
