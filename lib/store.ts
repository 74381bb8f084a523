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
import { type Command, runCommand, runPipeline } from "./commands/command.ts";
import { NotEnoughReplicasError, toStreamError } from "./errors.ts";
import { DEL, GET, SCAN_STREAMS, SET } from "./commands/keys.ts";
import {
  XACK,
  XGROUP_CREATE,
  XGROUP_CREATECONSUMER,
  XGROUP_DELCONSUMER,
  XGROUP_DESTROY,
  XGROUP_SETID,
  XREADGROUP,
} from "./commands/groups.ts";
import { XINFO_CONSUMERS, XINFO_GROUPS, XINFO_STREAM } from "./commands/info.ts";
import {
  XAUTOCLAIM,
  XCLAIM,
  XCLAIM_JUSTID,
  XPENDING,
  XPENDING_SUMMARY,
} from "./commands/pending.ts";
import {
  type SetLastIdOptions,
  XADD,
  XDEL,
  XLEN,
  XRANGE,
  XREAD,
  XSETID,
  XTRIM,
} from "./commands/streams.ts";
export type { SetLastIdOptions };
import type {
  AddOptions,
  AutoClaimOptions,
  AutoClaimResult,
  ClaimOptions,
  ConsumerInfo,
  CreateGroupOptions,
  Fields,
  GroupEntry,
  GroupInfo,
  ListStreamsOptions,
  PendingEntry,
  PendingOptions,
  PendingSummary,
  RangeOptions,
  ReadGroupOptions,
  ReadOptions,
  StreamEntry,
  StreamInfo,
  StreamRead,
  TrimOptions,
} from "./types.ts";
export type * from "./types.ts";

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

  /**
   * Adds an entry (XADD) and returns its ID; `null` with `noMkStream` on a missing stream.
   * With `replicas`, also waits (WAIT) until that many replicas have it, or throws
   * {@linkcode NotEnoughReplicasError} (the embedded store has no replicas).
   */
  add(stream: string, fields: Fields, options?: AddOptions): Promise<string | null>;
  /** Adds many entries in one round trip (pipelined) and returns their IDs in order; `replicas` as in `add()`. */
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
  /** Sets the stream's last ID, entries-added counter and largest deleted ID (XSETID). */
  setLastId(stream: string, options: SetLastIdOptions): Promise<void>;

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

/**
 * The one implementation of {@linkcode StreamStore}, over any
 * {@linkcode CommandConnection}: each method runs a command definition of
 * `lib/commands/`, so both backends share every argument check, reply parser
 * and error mapping. {@linkcode openStore} returns one; the store owns its
 * connection and closes it.
 *
 * @example A store over an embedded connection
 * ```ts
 * import { CommandStore } from "@rstream/rstream";
 * import { openEmbeddedConnection } from "@rstream/rstream/embedded";
 * import assert from "node:assert/strict";
 * await using store = new CommandStore(openEmbeddedConnection(":memory:"));
 * await store.add("app:event", { sensor_id: "sensor2", temp: "0.42" });
 * assert.equal(await store.len("app:event"), 1);
 * ```
 */
export class CommandStore implements StreamStore {
  /** The connection underneath. */
  readonly connection: CommandConnection;

  /** Wraps a connection; the store owns it and closes it. */
  constructor(connection: CommandConnection) {
    this.connection = connection;
  }

  /** `"redis"` or `"embedded"`. */
  get backend(): Backend {
    return this.connection.backend;
  }

  /** Where the store is, safe to print. */
  get displayUrl(): string {
    return this.connection.displayUrl;
  }

  #run<P extends readonly unknown[], R>(
    command: Command<P, R>,
    params: P,
    signal?: AbortSignal,
  ): Promise<R> {
    return runCommand(this.connection, command, { params, signal });
  }

  async add(stream: string, fields: Fields, options: AddOptions = {}): Promise<string | null> {
    if (!options.replicas) return await this.#run(XADD, [stream, fields, options]);
    const [id] = await this.#addDurably(stream, [[stream, fields, options]], options);
    return id ?? null;
  }

  /** XADDs then WAIT in one round trip (one node: WAIT goes where the XADDs went). */
  async #addDurably(
    stream: string,
    params: [string, Fields, AddOptions][],
    options: AddOptions,
  ): Promise<(string | null)[]> {
    const replicas = options.replicas!;
    const timeoutMs = options.replicaTimeoutMs ?? 1000;
    if (!Number.isInteger(replicas) || replicas < 0) {
      throw new RangeError(`replicas must be a whole number >= 0, got ${replicas}`);
    }
    if (!Number.isInteger(timeoutMs) || timeoutMs < 0) {
      throw new RangeError(`replicaTimeoutMs must be a whole number >= 0, got ${timeoutMs}`);
    }
    const batch = params.map((p) => XADD.args(...p));
    const context = { command: "XADD", stream, displayUrl: this.displayUrl };
    if (this.backend === "embedded") {
      const ids = await runPipeline(this.connection, XADD, { params });
      throw new NotEnoughReplicasError(stream, ids.filter((id) => id !== null), {
        acknowledged: 0,
        replicas,
        timeoutMs,
      }, { displayUrl: this.displayUrl });
    }
    const replies = await this.connection.pipeline([
      ...batch,
      ["WAIT", String(replicas), String(timeoutMs)],
    ]);
    const waited = replies.pop();
    const ids = replies.map((reply) => {
      if (reply instanceof Error) throw toStreamError(reply, context);
      return XADD.parse(reply);
    });
    if (waited instanceof Error) throw toStreamError(waited, { ...context, command: "WAIT" });
    if (Number(waited) < replicas) {
      throw new NotEnoughReplicasError(stream, ids.filter((id) => id !== null), {
        acknowledged: Number(waited),
        replicas,
        timeoutMs,
      }, { displayUrl: this.displayUrl });
    }
    return ids;
  }

  async addMany(
    stream: string,
    entries: Fields[],
    options: Omit<AddOptions, "id"> = {},
  ): Promise<string[]> {
    if (!Array.isArray(entries)) throw new TypeError("addMany() takes an array of field objects");
    const params = entries.map((fields): [string, Fields, AddOptions] => [stream, fields, {
      ...options,
      id: "*",
    }]);
    const ids = options.replicas && params.length > 0
      ? await this.#addDurably(stream, params, options)
      : await runPipeline(this.connection, XADD, { params });
    return ids.filter((id): id is string => id !== null);
  }

  range(stream: string, options: RangeOptions = {}): Promise<StreamEntry[]> {
    return this.#run(XRANGE, [stream, options]);
  }

  read(streams: string | Record<string, string>, options: ReadOptions = {}): Promise<StreamRead[]> {
    return this.#run(XREAD, [streams, options], options.signal);
  }

  len(stream: string): Promise<number> {
    return this.#run(XLEN, [stream]);
  }

  del(stream: string, ids: readonly string[]): Promise<number> {
    return this.#run(XDEL, [stream, ids]);
  }

  trim(stream: string, options: TrimOptions): Promise<number> {
    return this.#run(XTRIM, [stream, options]);
  }

  setLastId(stream: string, options: SetLastIdOptions): Promise<void> {
    return this.#run(XSETID, [stream, options]);
  }

  async info(stream: string): Promise<StreamInfo> {
    const summary = await this.#run(XINFO_STREAM, [stream]);
    const groups = await this.groups(stream);
    const consumerLists = await Promise.all(groups.map((g) => this.consumers(stream, g.name)));
    return {
      ...summary,
      groups: groups.map((group, i) => ({ ...group, consumerList: consumerLists[i]! })),
    };
  }

  async streams(options: ListStreamsOptions = {}): Promise<string[]> {
    const found = new Set<string>();
    let cursor = "0";
    do {
      const page = await this.#run(SCAN_STREAMS, [cursor, options]);
      cursor = page.cursor;
      for (const key of page.keys) found.add(key);
    } while (cursor !== "0");
    return [...found].sort();
  }

  deleteStream(stream: string): Promise<boolean> {
    return this.#run(DEL, [stream]);
  }

  createGroup(stream: string, group: string, options: CreateGroupOptions = {}): Promise<boolean> {
    return this.#run(XGROUP_CREATE, [stream, group, options]);
  }

  setGroupId(
    stream: string,
    group: string,
    options: { id: string; entriesRead?: number },
  ): Promise<void> {
    return this.#run(XGROUP_SETID, [stream, group, options]);
  }

  destroyGroup(stream: string, group: string): Promise<boolean> {
    return this.#run(XGROUP_DESTROY, [stream, group]);
  }

  createConsumer(stream: string, group: string, options: { consumer: string }): Promise<boolean> {
    return this.#run(XGROUP_CREATECONSUMER, [stream, group, options]);
  }

  deleteConsumer(stream: string, group: string, options: { consumer: string }): Promise<number> {
    return this.#run(XGROUP_DELCONSUMER, [stream, group, options]);
  }

  groups(stream: string): Promise<GroupInfo[]> {
    return this.#run(XINFO_GROUPS, [stream]);
  }

  consumers(stream: string, group: string): Promise<ConsumerInfo[]> {
    return this.#run(XINFO_CONSUMERS, [stream, group]);
  }

  readGroup(
    streams: string | Record<string, string>,
    group: string,
    options: ReadGroupOptions,
  ): Promise<StreamRead<GroupEntry>[]> {
    return this.#run(XREADGROUP, [streams, group, options], options?.signal);
  }

  async ack(stream: string, group: string, options: { ids: readonly string[] }): Promise<number> {
    // Nothing to acknowledge is not an error (XACK needs at least one ID).
    if (Array.isArray(options?.ids) && options.ids.length === 0) return 0;
    return await this.#run(XACK, [stream, group, options]);
  }

  pendingSummary(stream: string, group: string): Promise<PendingSummary> {
    return this.#run(XPENDING_SUMMARY, [stream, group]);
  }

  pending(stream: string, group: string, options: PendingOptions = {}): Promise<PendingEntry[]> {
    return this.#run(XPENDING, [stream, group, options]);
  }

  claim(stream: string, group: string, options: ClaimOptions): Promise<StreamEntry[]> {
    return this.#run(XCLAIM, [stream, group, options]);
  }

  claimIds(stream: string, group: string, options: ClaimOptions): Promise<string[]> {
    return this.#run(XCLAIM_JUSTID, [stream, group, options]);
  }

  autoClaim(stream: string, group: string, options: AutoClaimOptions): Promise<AutoClaimResult> {
    return this.#run(XAUTOCLAIM, [stream, group, options]);
  }

  get(key: string): Promise<string | null> {
    return this.#run(GET, [key]);
  }

  set(key: string, value: string): Promise<void> {
    return this.#run(SET, [key, value]);
  }

  command(args: readonly string[]): Promise<RedisReply> {
    if (!Array.isArray(args) || args.length === 0 || args.some((a) => typeof a !== "string")) {
      return Promise.reject(new TypeError("command() takes a non-empty array of strings"));
    }
    return this.#run(RAW, [args]);
  }

  close(): Promise<void> {
    return this.connection.close();
  }

  /** Closes the store, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** Any command as given, its reply as it comes (the shell's raw commands). */
const RAW: Command<readonly [readonly string[]], RedisReply> = {
  name: "command",
  args: (args) => [...args],
  parse: (reply) => reply,
  context: (args) => ({ command: args[0]!.toUpperCase() }),
};
