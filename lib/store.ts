/**
 * The typed store surface: the Redis Streams command family as one interface.
 *
 * {@linkcode openStore} returns a {@linkcode StreamStore} over Redis or over
 * the embedded store; the consumer worker, tail, the checkpointed reader, the
 * shell and the scripts use nothing else.
 *
 * @module
 */

import type { Backend, CommandConnection, RedisReply } from "./connection.ts";

/** An entry's fields: flat string field/value pairs, as redis-cli shows them. */
export type Fields = Record<string, string>;

/** A stream entry. */
export interface StreamEntry {
  /** `<ms>-<seq>`. */
  id: string;
  /** Its field/value pairs. */
  fields: Fields;
}

/** An entry read through a group: `fields` is `null` when it was deleted while pending. */
export interface GroupEntry {
  /** `<ms>-<seq>`. */
  id: string;
  /** Its fields, or `null` when the entry no longer exists. */
  fields: Fields | null;
}

/** Entries read from one stream. */
export interface StreamRead<E = StreamEntry> {
  /** The stream read. */
  stream: string;
  /** Entries in ID order. */
  entries: E[];
}

/** Trimming applied by {@linkcode StreamStore.add} or {@linkcode StreamStore.trim}. */
export interface TrimOptions {
  /** Keep at most this many entries (MAXLEN). */
  maxLen?: number;
  /** Evict entries with IDs below this one (MINID). */
  minId?: string;
  /** Trim approximately (`~`): cheaper, may keep a few more entries. */
  approximate?: boolean;
  /** At most this many entries evicted per call (LIMIT; needs `approximate`). */
  limit?: number;
}

/** Options of {@linkcode StreamStore.add}. */
export interface AddOptions extends TrimOptions {
  /** `*` (default), `<ms>-*` or an explicit `<ms>-<seq>` above the stream's last ID. */
  id?: string;
  /** Don't create the stream when it is missing (NOMKSTREAM): `add` returns `null`. */
  noMkStream?: boolean;
}

/** Options of {@linkcode StreamStore.range}. */
export interface RangeOptions {
  /** Low bound: `-` (default), an ID, an incomplete ID, or `(ID` for exclusive. */
  start?: string;
  /** High bound: `+` (default), an ID, an incomplete ID, or `(ID` for exclusive. */
  end?: string;
  /** At most this many entries. */
  count?: number;
  /** Newest first (XREVRANGE); `start`/`end` stay the low/high bounds. */
  reverse?: boolean;
}

/** Options of {@linkcode StreamStore.read}. */
export interface ReadOptions {
  /** With a single stream name: read after this ID (`$` = only new entries; default `$`). */
  id?: string;
  /** At most this many entries per stream. */
  count?: number;
  /** Wait up to this many ms for entries (0 = forever); absent = don't wait. */
  blockMs?: number;
  /** Cancels a blocking read; it then resolves with no entries. */
  signal?: AbortSignal;
}

/** Options of {@linkcode StreamStore.readGroup}. */
export interface ReadGroupOptions {
  /** The consumer reading (created on first read). */
  consumer: string;
  /** With a single stream name: `>` (new entries, default) or an ID (own pending after it). */
  id?: string;
  /** At most this many entries per stream. */
  count?: number;
  /** Wait up to this many ms for new entries (0 = forever); absent = don't wait. */
  blockMs?: number;
  /** Don't add the entries to the pending list (NOACK). */
  noAck?: boolean;
  /** Cancels a blocking read; it then resolves with no entries. */
  signal?: AbortSignal;
}

/** Options of {@linkcode StreamStore.createGroup}. */
export interface CreateGroupOptions {
  /** Where the group starts: `$` (new entries only, default), `0` (whole stream) or an ID. */
  start?: string;
  /** Create the stream when it is missing. */
  mkStream?: boolean;
  /** The group's entries-read counter (Redis 7 ENTRIESREAD). */
  entriesRead?: number;
}

/** A consumer group, as XINFO GROUPS reports it. */
export interface GroupInfo {
  /** The group's name. */
  name: string;
  /** How many consumers it has. */
  consumers: number;
  /** Entries delivered and not yet acknowledged. */
  pending: number;
  /** The last ID delivered to the group. */
  lastDeliveredId: string;
  /** Entries read by the group (Redis 7), `null` when unknown. */
  entriesRead: number | null;
  /** Entries not yet delivered (Redis 7), `null` when it cannot be computed. */
  lag: number | null;
}

/** A consumer of a group, as XINFO CONSUMERS reports it. */
export interface ConsumerInfo {
  /** The consumer's name. */
  name: string;
  /** Entries delivered to it and not yet acknowledged. */
  pending: number;
  /** Milliseconds since it last interacted (read, claimed). */
  idleMs: number;
  /** Milliseconds since its last successful read (Redis 7.2+), when reported. */
  inactiveMs?: number;
}

/** What XINFO STREAM tells, with each group's consumers. */
export interface StreamInfo {
  /** Number of entries. */
  length: number;
  /** The last ID ever generated. */
  lastGeneratedId: string;
  /** The largest ID deleted (Redis 7). */
  maxDeletedEntryId: string | null;
  /** Entries ever added (Redis 7). */
  entriesAdded: number | null;
  /** The first entry, `null` when empty. */
  firstEntry: StreamEntry | null;
  /** The last entry, `null` when empty. */
  lastEntry: StreamEntry | null;
  /** Its consumer groups, each with its consumers. */
  groups: (GroupInfo & { consumerList: ConsumerInfo[] })[];
}

/** The XPENDING summary of a group. */
export interface PendingSummary {
  /** Entries pending in the group. */
  count: number;
  /** Smallest pending ID, `null` when none. */
  smallestId: string | null;
  /** Largest pending ID, `null` when none. */
  greatestId: string | null;
  /** Pending count per consumer. */
  consumers: { name: string; pending: number }[];
}

/** One entry of the extended XPENDING form. */
export interface PendingEntry {
  /** The entry's ID. */
  id: string;
  /** The consumer that owns it. */
  consumer: string;
  /** Milliseconds since it was last delivered. */
  idleMs: number;
  /** How many times it was delivered. */
  deliveries: number;
}

/** Options of {@linkcode StreamStore.pending}. */
export interface PendingOptions {
  /** Low bound (default `-`). */
  start?: string;
  /** High bound (default `+`). */
  end?: string;
  /** At most this many (default 100). */
  count?: number;
  /** Only this consumer's entries. */
  consumer?: string;
  /** Only entries idle at least this long (IDLE). */
  minIdleMs?: number;
}

/** Options of {@linkcode StreamStore.claim}. */
export interface ClaimOptions {
  /** The consumer that takes the entries. */
  consumer: string;
  /** Only entries idle at least this long. */
  minIdleMs: number;
  /** The entries to claim. */
  ids: string[];
  /** Set the idle time to this (IDLE). */
  idleMs?: number;
  /** Set the last delivery time to this Unix time in ms (TIME). */
  timeMs?: number;
  /** Set the delivery count to this (RETRYCOUNT). */
  retryCount?: number;
  /** Create pending entries for IDs not pending yet (FORCE). */
  force?: boolean;
}

/** Options of {@linkcode StreamStore.autoClaim}. */
export interface AutoClaimOptions {
  /** The consumer that takes the entries. */
  consumer: string;
  /** Only entries idle at least this long. */
  minIdleMs: number;
  /** Scan pending entries from this ID (default `0-0`). */
  start?: string;
  /** At most this many entries scanned (default 100). */
  count?: number;
}

/** What {@linkcode StreamStore.autoClaim} returns. */
export interface AutoClaimResult {
  /** Where the next scan starts; `0-0` when the scan completed. */
  nextStart: string;
  /** The entries now owned by the consumer. */
  entries: StreamEntry[];
  /** Pending IDs whose entries no longer exist; Redis removed them from the pending list. */
  deletedIds: string[];
}

/** Options of {@linkcode StreamStore.streams}. */
export interface ListStreamsOptions {
  /** Glob-style pattern, as in SCAN MATCH (default `*`). */
  pattern?: string;
}

/**
 * The operations of the Redis Streams command family, typed. Both backends
 * implement it (see {@linkcode openStore}); everything rstream does goes
 * through it.
 */
export interface StreamStore extends AsyncDisposable {
  /** `"redis"` or `"embedded"`. */
  readonly backend: Backend;
  /** Where the store is, safe to print (passwords redacted). */
  readonly displayUrl: string;
  /** The command connection underneath, for raw commands and pipelines. */
  readonly connection: CommandConnection;

  /** Adds an entry (XADD) and returns its ID; `null` with `noMkStream` on a missing stream. */
  add(stream: string, fields: Fields, options?: AddOptions): Promise<string | null>;
  /** Adds many entries in one round trip (pipelined) and returns their IDs in order. */
  addMany(stream: string, entries: Fields[], options?: Omit<AddOptions, "id">): Promise<string[]>;
  /** Entries between two bounds (XRANGE, or XREVRANGE with `reverse`). */
  range(stream: string, options?: RangeOptions): Promise<StreamEntry[]>;
  /** Reads entries after the given IDs (XREAD), optionally blocking. */
  read(streams: string | Record<string, string>, options?: ReadOptions): Promise<StreamRead[]>;
  /** Number of entries (XLEN); 0 for a missing stream. */
  len(stream: string): Promise<number>;
  /** Deletes entries by ID (XDEL) and returns how many existed. */
  del(stream: string, ids: readonly string[]): Promise<number>;
  /** Trims by MAXLEN or MINID (XTRIM) and returns how many entries were evicted. */
  trim(stream: string, options: TrimOptions): Promise<number>;
  /** Length, first/last entry, groups and their consumers (XINFO STREAM/GROUPS/CONSUMERS). */
  info(stream: string): Promise<StreamInfo>;
  /** The names of the stream keys in the database (SCAN … TYPE stream), sorted. */
  streams(options?: ListStreamsOptions): Promise<string[]>;
  /** Deletes a whole stream key (DEL) and returns whether it existed. */
  deleteStream(stream: string): Promise<boolean>;

  /** Creates a group; returns `false` when it already existed (not an error). */
  createGroup(stream: string, group: string, options?: CreateGroupOptions): Promise<boolean>;
  /** Moves a group's last-delivered ID (XGROUP SETID). */
  setGroupId(
    stream: string,
    group: string,
    options: { id: string; entriesRead?: number },
  ): Promise<void>;
  /** Destroys a group and its pending list; returns whether it existed. */
  destroyGroup(stream: string, group: string): Promise<boolean>;
  /** Creates a consumer; returns `false` when it already existed. */
  createConsumer(stream: string, group: string, options: { consumer: string }): Promise<boolean>;
  /** Deletes a consumer and returns how many pending entries it had (they are dropped). */
  deleteConsumer(stream: string, group: string, options: { consumer: string }): Promise<number>;
  /** The stream's groups (XINFO GROUPS). */
  groups(stream: string): Promise<GroupInfo[]>;
  /** A group's consumers (XINFO CONSUMERS). */
  consumers(stream: string, group: string): Promise<ConsumerInfo[]>;

  /** Reads through a group (XREADGROUP), optionally blocking. */
  readGroup(
    streams: string | Record<string, string>,
    group: string,
    options: ReadGroupOptions,
  ): Promise<StreamRead<GroupEntry>[]>;
  /** Acknowledges entries (XACK) and returns how many were pending. */
  ack(stream: string, group: string, options: { ids: readonly string[] }): Promise<number>;
  /** The group's pending summary (XPENDING). */
  pendingSummary(stream: string, group: string): Promise<PendingSummary>;
  /** Pending entries with owner, idle time and delivery count (extended XPENDING). */
  pending(stream: string, group: string, options?: PendingOptions): Promise<PendingEntry[]>;
  /** Takes pending entries over (XCLAIM); deleted entries are left out. */
  claim(stream: string, group: string, options: ClaimOptions): Promise<StreamEntry[]>;
  /** Like {@linkcode StreamStore.claim} with JUSTID: returns IDs, keeps delivery counts. */
  claimIds(stream: string, group: string, options: ClaimOptions): Promise<string[]>;
  /** Scans and takes over idle pending entries (XAUTOCLAIM). */
  autoClaim(stream: string, group: string, options: AutoClaimOptions): Promise<AutoClaimResult>;

  /** Reads a string key (GET), e.g. a checkpoint; `null` when missing. */
  get(key: string): Promise<string | null>;
  /** Writes a string key (SET). */
  set(key: string, value: string): Promise<void>;
  /** Sends any command as an argument array and returns the raw reply. */
  command(args: readonly string[]): Promise<RedisReply>;
  /** Closes the store's connections. */
  close(): Promise<void>;
}
