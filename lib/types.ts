/**
 * The data types of the stream commands: entries, reads, options, and what
 * XINFO and XPENDING report. Shared by the commands, the store and every
 * layer above.
 *
 * @module
 */

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
  /**
   * Wait until this many replicas have the entry (Redis `WAIT`, sent in the
   * same round trip); fewer within `replicaTimeoutMs` is a
   * {@linkcode NotEnoughReplicasError}. Default 0: don't wait.
   */
  replicas?: number;
  /** How long to wait for `replicas`, in ms (default 1000). */
  replicaTimeoutMs?: number;
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
