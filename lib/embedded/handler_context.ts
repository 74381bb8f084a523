/**
 * What every embedded command handler works with: the database, a cache of
 * prepared statements, the command's clock reading, and key lookups that
 * answer WRONGTYPE like Redis.
 *
 * @module
 */

import type { DatabaseSync, StatementSync } from "node:sqlite";
import type { RedisReply } from "../connection.ts";
import { wrongTypeError } from "./replies.ts";
import { formatId, fromSqlPart, type IdPart, type IdParts, toSqlPart } from "./ids.ts";
import { type CachedNode, flushNodeCache } from "./nodes.ts";

/** A stream's row in `keys`. */
export interface StreamRow {
  id: number;
  last_ms: IdPart;
  last_seq: IdPart;
  entries_added: number;
  max_del_ms: IdPart;
  max_del_seq: IdPart;
  length: number;
}

/** A key's row in `keys` (type and, for strings, value). */
export interface KeyRow extends StreamRow {
  type: "string" | "stream" | "list" | "set";
  value: string | null;
}

/** An entry row. */
export interface EntryRow {
  ms: IdPart;
  seq: IdPart;
  fields: string;
}

/** Formats an entry row as Redis replies it: `[id, [field, value, ...]]`. */
export function entryReply(row: EntryRow): RedisReply {
  return [formatId(row.ms, row.seq), JSON.parse(row.fields) as string[]];
}

/** A value bound to a statement: an ID part may be a bigint (stored as a BLOB, see ids.ts). */
export type QueryValue = null | number | bigint | string | Uint8Array;

/** The columns that hold ID parts. */
const PART_COLUMNS = ["ms", "seq", "last_ms", "last_seq", "max_del_ms", "max_del_seq"] as const;

function bindable(values: QueryValue[]): QueryValue[] {
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (typeof value === "bigint") values[i] = toSqlPart(value);
  }
  return values;
}

function decodeRow<T>(row: T): T {
  const r = row as Record<string, unknown>;
  for (const column of PART_COLUMNS) {
    const value = r[column];
    if (value instanceof Uint8Array) r[column] = fromSqlPart(value);
  }
  return row;
}

/**
 * A prepared statement that stores ID parts as ids.ts says: a bigint argument
 * is bound as its 8-byte BLOB, and BLOBs in the ID columns of a result row
 * are read back as bigints. Every embedded handler goes through it.
 */
export class Query {
  readonly #statement: StatementSync;

  constructor(statement: StatementSync) {
    this.#statement = statement;
  }

  /** The first row, or undefined. */
  get(...values: QueryValue[]): Record<string, unknown> | undefined {
    const row = this.#statement.get(...bindable(values)) as Record<string, unknown> | undefined;
    return row === undefined ? undefined : decodeRow(row);
  }

  /** Every row. */
  all(...values: QueryValue[]): Record<string, unknown>[] {
    const rows = this.#statement.all(...bindable(values)) as Record<string, unknown>[];
    for (const row of rows) decodeRow(row);
    return rows;
  }

  /** Runs the statement. */
  run(...values: QueryValue[]): { changes: number | bigint; lastInsertRowid: number | bigint } {
    return this.#statement.run(...bindable(values));
  }
}

/** The execution context of embedded commands. */
export class HandlerContext {
  readonly db: DatabaseSync;
  readonly #clock: () => number;
  readonly #statements = new Map<string, Query>();
  /** The clock reading of the running command (Redis's command time snapshot). */
  now = 0;
  /** Set by handlers that changed data, so blocked readers get woken. */
  wrote = false;
  /** `stream-node-max-entries` of this connection (CONFIG SET), as Redis's default 100. */
  nodeMaxEntries = 100;
  /** `stream-node-max-bytes` of this connection (CONFIG SET), as Redis's default 4096. */
  nodeMaxBytes = 4096;
  /** Each stream's last node appended to in this transaction (see nodes.ts). */
  readonly nodeCache = new Map<number, CachedNode>();
  /**
   * Key rows read in the current transaction. Stream counters changed by
   * {@linkcode saveStream} are written once, by {@linkcode flush}, before
   * COMMIT: a pipeline of adds to one stream reads and writes its row once.
   */
  readonly #rows = new Map<string, KeyRow>();
  readonly #dirty = new Set<StreamRow>();

  constructor(db: DatabaseSync, clock: () => number) {
    this.db = db;
    this.#clock = clock;
  }

  /** Reads the clock once for the command about to run. */
  tick(): void {
    this.now = Math.floor(this.#clock());
  }

  /** A prepared statement for `sql`, prepared once per connection. */
  q(sql: string): Query {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = new Query(this.db.prepare(sql));
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  /** Looks a key up. */
  key(name: string): KeyRow | undefined {
    let row = this.#rows.get(name);
    if (row === undefined) {
      row = this.q("SELECT * FROM keys WHERE name = ?").get(name) as KeyRow | undefined;
      if (row !== undefined) this.#rows.set(name, row);
    }
    return row;
  }

  /** Forgets the cached row of `name` (after SQL that changed it directly). */
  forget(name?: string): void {
    if (name === undefined) {
      this.#rows.clear();
      this.#dirty.clear();
      this.nodeCache.clear();
      return;
    }
    const row = this.#rows.get(name);
    if (row !== undefined) this.#dirty.delete(row);
    this.#rows.delete(name);
  }

  /** Writes changed stream counters; call before COMMIT. */
  flush(): void {
    flushNodeCache(this);
    for (const s of this.#dirty) {
      this.q(
        `UPDATE keys SET last_ms = ?, last_seq = ?, entries_added = ?, max_del_ms = ?,
         max_del_seq = ?, length = ? WHERE id = ?`,
      ).run(s.last_ms, s.last_seq, s.entries_added, s.max_del_ms, s.max_del_seq, s.length, s.id);
    }
    this.#dirty.clear();
    this.#rows.clear();
  }

  /** Drops the cache without writing (after ROLLBACK). */
  discard(): void {
    this.nodeCache.clear();
    this.#dirty.clear();
    this.#rows.clear();
  }

  /** Looks a stream up; undefined when missing, WRONGTYPE when another type. */
  stream(name: string): StreamRow | undefined {
    const row = this.key(name);
    if (row !== undefined && row.type !== "stream") throw wrongTypeError();
    return row;
  }

  /** Creates an empty stream key. */
  createStream(name: string): StreamRow {
    this.wrote = true;
    const row = this.q(
      "INSERT INTO keys (name, type) VALUES (?, 'stream') RETURNING *",
    ).get(name) as unknown as KeyRow;
    this.#rows.set(name, row);
    return row;
  }

  /** Marks a stream row's counters as changed (written by {@linkcode flush}). */
  saveStream(s: StreamRow): void {
    this.wrote = true;
    this.#dirty.add(s);
  }

  /** Deletes a key and everything that belongs to it. */
  deleteKey(id: number): void {
    this.wrote = true;
    for (const [name, row] of this.#rows) {
      if (row.id === id) this.forget(name);
    }
    this.q("DELETE FROM entries WHERE key_id = ?").run(id);
    this.nodeCache.delete(id);
    this.q("DELETE FROM stream_nodes WHERE key_id = ?").run(id);
    this.q("DELETE FROM pel WHERE key_id = ?").run(id);
    this.q("DELETE FROM consumers WHERE key_id = ?").run(id);
    this.q("DELETE FROM groups WHERE key_id = ?").run(id);
    this.q("DELETE FROM keys WHERE id = ?").run(id);
  }

  /** The first entry's ID, or undefined when the stream is empty. */
  firstId(keyId: number): IdParts | undefined {
    return this.q(
      "SELECT ms, seq FROM entries WHERE key_id = ? ORDER BY ms, seq LIMIT 1",
    ).get(keyId) as IdParts | undefined;
  }

  /** Whether the entry exists. */
  entryExists(keyId: number, id: IdParts): boolean {
    return this.q("SELECT 1 FROM entries WHERE key_id = ? AND ms = ? AND seq = ?")
      .get(keyId, id.ms, id.seq) !== undefined;
  }

  /** One entry, or undefined. */
  entry(keyId: number, id: IdParts): EntryRow | undefined {
    return this.q("SELECT ms, seq, fields FROM entries WHERE key_id = ? AND ms = ? AND seq = ?")
      .get(keyId, id.ms, id.seq) as EntryRow | undefined;
  }
}
