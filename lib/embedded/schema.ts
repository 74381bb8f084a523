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
 * list (`pel`) keyed by their owner.
 *
 * @module
 */

import { DatabaseSync } from "node:sqlite";

/** The schema version this code writes (`PRAGMA user_version`). */
export const SCHEMA_VERSION = 1;

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

/** Options for {@linkcode openDatabase}. */
export interface OpenDatabaseOptions {
  /** How long a writer waits for another process's transaction (default 5000 ms). */
  busyTimeoutMs?: number;
}

/**
 * Opens (creating when needed) the store's database at `path` (a file path or
 * `:memory:`), applies the pragmas and brings the schema up to date.
 *
 * @throws {Error} when the file was written by a newer schema version
 */
export function openDatabase(path: string, options: OpenDatabaseOptions = {}): DatabaseSync {
  const db = new DatabaseSync(path);
  try {
    db.exec(`PRAGMA busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
    if (path !== ":memory:") {
      db.exec("PRAGMA journal_mode = WAL");
      db.exec("PRAGMA synchronous = NORMAL");
    }
    migrate(db);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

function userVersion(db: DatabaseSync): number {
  return Number((db.prepare("PRAGMA user_version").get() as { user_version: number }).user_version);
}

/** Creates or upgrades the tables in one immediate transaction. */
export function migrate(db: DatabaseSync): void {
  if (userVersion(db) === SCHEMA_VERSION) return;
  db.exec("BEGIN IMMEDIATE");
  try {
    const version = userVersion(db); // another process may have migrated meanwhile
    if (version > SCHEMA_VERSION) {
      throw new Error(
        `Cannot open the embedded store: its schema version ${version} is newer than ${SCHEMA_VERSION}; upgrade rstream`,
      );
    }
    if (version < 1) db.exec(SCHEMA_V1);
    db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
    db.exec("COMMIT");
  } catch (error) {
    db.exec("ROLLBACK");
    throw error;
  }
}
