/**
 * {@linkcode StreamStore} over any {@linkcode CommandConnection}: builds the
 * command, sends it, parses the reply and names the error. Both backends share
 * this one implementation.
 *
 * @module
 */

import type { CommandConnection, RedisReply } from "./connection.ts";
import {
  checkGroupStart,
  checkIds,
  checkInteger,
  checkName,
  trimArgs,
  xaddArgs,
  xautoclaimArgs,
  xclaimArgs,
  xpendingArgs,
  xrangeArgs,
  xreadArgs,
  xreadgroupArgs,
} from "./commands/args.ts";
import { type ErrorContext, ReplyError, StreamIdTooSmallError, toStreamError } from "./errors.ts";
import {
  parseAutoClaim,
  parseConsumerInfo,
  parseEntries,
  parseGroupEntry,
  parseGroupInfo,
  parsePairs,
  parsePendingEntries,
  parsePendingSummary,
  parseReadReply,
} from "./commands/replies.ts";
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
  StreamStore,
  TrimOptions,
} from "./store.ts";

const TOP_ITEM = /equal or smaller than the target stream top item/;

/** The one implementation of {@linkcode StreamStore}, over a command connection. */
export class CommandStore implements StreamStore {
  /** The connection underneath. */
  readonly connection: CommandConnection;

  /** Wraps a connection; the store owns it and closes it. */
  constructor(connection: CommandConnection) {
    this.connection = connection;
  }

  /** `"redis"` or `"embedded"`. */
  get backend(): CommandConnection["backend"] {
    return this.connection.backend;
  }

  /** Where the store is, safe to print. */
  get displayUrl(): string {
    return this.connection.displayUrl;
  }

  async #send(args: readonly string[], context: ErrorContext = {}): Promise<RedisReply> {
    try {
      return await this.connection.send(args);
    } catch (error) {
      throw toStreamError(error, { command: args[0], displayUrl: this.displayUrl, ...context });
    }
  }

  /** Sends XREAD/XREADGROUP, on a blocking connection when it blocks. */
  async #read(
    args: readonly string[],
    options: { blockMs?: number; signal?: AbortSignal },
    context: ErrorContext,
  ): Promise<RedisReply> {
    try {
      return options.blockMs === undefined
        ? await this.connection.send(args)
        : await this.connection.sendBlocking(args, { signal: options.signal });
    } catch (error) {
      throw toStreamError(error, { command: args[0], displayUrl: this.displayUrl, ...context });
    }
  }

  async #lastId(stream: string): Promise<string> {
    try {
      return String(
        parsePairs(await this.connection.send(["XINFO", "STREAM", stream])).get(
          "last-generated-id",
        ),
      );
    } catch {
      return "unknown";
    }
  }

  async add(stream: string, fields: Fields, options: AddOptions = {}): Promise<string | null> {
    const args = xaddArgs(stream, fields, options);
    try {
      const id = await this.connection.send(args);
      return id === null ? null : String(id);
    } catch (error) {
      if (error instanceof ReplyError && TOP_ITEM.test(error.message)) {
        throw new StreamIdTooSmallError(stream, options.id!, await this.#lastId(stream), {
          cause: error,
        });
      }
      throw toStreamError(error, { command: "XADD", stream, displayUrl: this.displayUrl });
    }
  }

  async addMany(
    stream: string,
    entries: Fields[],
    options: Omit<AddOptions, "id"> = {},
  ): Promise<string[]> {
    if (!Array.isArray(entries)) throw new TypeError("addMany() takes an array of field objects");
    if (entries.length === 0) return [];
    const batch = entries.map((fields) => xaddArgs(stream, fields, { ...options, id: "*" }));
    const replies = await this.connection.pipeline(batch);
    const ids: string[] = [];
    for (const reply of replies) {
      if (reply instanceof Error) {
        throw toStreamError(reply, { command: "XADD", stream, displayUrl: this.displayUrl });
      }
      if (reply !== null) ids.push(String(reply));
    }
    return ids;
  }

  async range(stream: string, options: RangeOptions = {}): Promise<StreamEntry[]> {
    return parseEntries(await this.#send(xrangeArgs(stream, options), { stream }));
  }

  async read(
    streams: string | Record<string, string>,
    options: ReadOptions = {},
  ): Promise<StreamRead[]> {
    const stream = typeof streams === "string" ? streams : undefined;
    return parseReadReply(
      await this.#read(xreadArgs(streams, options), options, { stream }),
    ) as StreamRead[];
  }

  async len(stream: string): Promise<number> {
    return Number(await this.#send(["XLEN", checkName(stream, "Stream name")], { stream }));
  }

  async del(stream: string, ids: readonly string[]): Promise<number> {
    if (checkIds(ids, "del()").length === 0) throw new RangeError("Delete at least one ID");
    return Number(await this.#send(["XDEL", checkName(stream, "Stream name"), ...ids], { stream }));
  }

  async trim(stream: string, options: TrimOptions): Promise<number> {
    const args = ["XTRIM", checkName(stream, "Stream name"), ...trimArgs(options, true)];
    return Number(await this.#send(args, { stream }));
  }

  async info(stream: string): Promise<StreamInfo> {
    const map = parsePairs(
      await this.#send(["XINFO", "STREAM", checkName(stream, "Stream name")], { stream }),
    );
    const entry = (reply: RedisReply | undefined) =>
      reply === null || reply === undefined ? null : parseGroupEntry(reply) as StreamEntry;
    const groups = await this.groups(stream);
    return {
      length: Number(map.get("length")),
      lastGeneratedId: String(map.get("last-generated-id")),
      maxDeletedEntryId: map.has("max-deleted-entry-id")
        ? String(map.get("max-deleted-entry-id"))
        : null,
      entriesAdded: map.has("entries-added") ? Number(map.get("entries-added")) : null,
      firstEntry: entry(map.get("first-entry")),
      lastEntry: entry(map.get("last-entry")),
      groups: await Promise.all(
        groups.map(async (group) => ({
          ...group,
          consumerList: await this.consumers(stream, group.name),
        })),
      ),
    };
  }

  async streams(options: ListStreamsOptions = {}): Promise<string[]> {
    const found = new Set<string>();
    let cursor = "0";
    do {
      const reply = await this.#send([
        "SCAN",
        cursor,
        "MATCH",
        options.pattern ?? "*",
        "COUNT",
        "1000",
        "TYPE",
        "stream",
      ]);
      const [next, keys] = reply as [string, string[]];
      cursor = String(next);
      for (const key of keys) found.add(String(key));
    } while (cursor !== "0");
    return [...found].sort();
  }

  async deleteStream(stream: string): Promise<boolean> {
    return Number(await this.#send(["DEL", checkName(stream, "Stream name")], { stream })) > 0;
  }

  async createGroup(
    stream: string,
    group: string,
    options: CreateGroupOptions = {},
  ): Promise<boolean> {
    const args = [
      "XGROUP",
      "CREATE",
      checkName(stream, "Stream name"),
      checkName(group, "Group name"),
      checkGroupStart(options.start ?? "$"),
      ...(options.mkStream ? ["MKSTREAM"] : []),
      ...(options.entriesRead === undefined
        ? []
        : ["ENTRIESREAD", String(checkInteger(options.entriesRead, "entriesRead"))]),
    ];
    try {
      await this.connection.send(args);
      return true;
    } catch (error) {
      if (error instanceof ReplyError && error.code === "BUSYGROUP") return false;
      if (error instanceof ReplyError && /requires the key to exist/.test(error.message)) {
        throw toStreamError(
          new ReplyError(`NOGROUP stream '${stream}' does not exist; pass mkStream to create it`, {
            cause: error,
          }),
          { command: "XGROUP CREATE", stream, group },
        );
      }
      throw toStreamError(error, {
        command: "XGROUP CREATE",
        stream,
        group,
        displayUrl: this.displayUrl,
      });
    }
  }

  async setGroupId(
    stream: string,
    group: string,
    options: { id: string; entriesRead?: number },
  ): Promise<void> {
    await this.#send([
      "XGROUP",
      "SETID",
      checkName(stream, "Stream name"),
      checkName(group, "Group name"),
      checkGroupStart(options.id),
      ...(options.entriesRead === undefined
        ? []
        : ["ENTRIESREAD", String(checkInteger(options.entriesRead, "entriesRead"))]),
    ], { stream, group });
  }

  async destroyGroup(stream: string, group: string): Promise<boolean> {
    const args = [
      "XGROUP",
      "DESTROY",
      checkName(stream, "Stream name"),
      checkName(group, "Group name"),
    ];
    return Number(await this.#send(args, { stream, group })) > 0;
  }

  async createConsumer(
    stream: string,
    group: string,
    options: { consumer: string },
  ): Promise<boolean> {
    const args = [
      "XGROUP",
      "CREATECONSUMER",
      checkName(stream, "Stream name"),
      checkName(group, "Group name"),
      checkName(options.consumer, "Consumer name"),
    ];
    return Number(await this.#send(args, { stream, group })) > 0;
  }

  async deleteConsumer(
    stream: string,
    group: string,
    options: { consumer: string },
  ): Promise<number> {
    const args = [
      "XGROUP",
      "DELCONSUMER",
      checkName(stream, "Stream name"),
      checkName(group, "Group name"),
      checkName(options.consumer, "Consumer name"),
    ];
    return Number(await this.#send(args, { stream, group }));
  }

  async groups(stream: string): Promise<GroupInfo[]> {
    const reply = await this.#send(["XINFO", "GROUPS", checkName(stream, "Stream name")], {
      stream,
    });
    return (reply as RedisReply[]).map(parseGroupInfo);
  }

  async consumers(stream: string, group: string): Promise<ConsumerInfo[]> {
    const reply = await this.#send([
      "XINFO",
      "CONSUMERS",
      checkName(stream, "Stream name"),
      checkName(group, "Group name"),
    ], {
      stream,
      group,
    });
    return (reply as RedisReply[]).map(parseConsumerInfo);
  }

  async readGroup(
    streams: string | Record<string, string>,
    group: string,
    options: ReadGroupOptions,
  ): Promise<StreamRead<GroupEntry>[]> {
    const stream = typeof streams === "string" ? streams : undefined;
    const args = xreadgroupArgs(streams, group, options);
    return parseReadReply(await this.#read(args, options, { stream, group }));
  }

  async ack(
    stream: string,
    group: string,
    options: { ids: readonly string[] },
  ): Promise<number> {
    const ids = checkIds(options?.ids, "ack()");
    if (ids.length === 0) return 0;
    const args = ["XACK", checkName(stream, "Stream name"), checkName(group, "Group name"), ...ids];
    return Number(await this.#send(args, { stream, group }));
  }

  async pendingSummary(stream: string, group: string): Promise<PendingSummary> {
    return parsePendingSummary(await this.#send(xpendingArgs(stream, group), { stream, group }));
  }

  async pending(
    stream: string,
    group: string,
    options: PendingOptions = {},
  ): Promise<PendingEntry[]> {
    return parsePendingEntries(
      await this.#send(xpendingArgs(stream, group, options), { stream, group }),
    );
  }

  async claim(stream: string, group: string, options: ClaimOptions): Promise<StreamEntry[]> {
    return parseEntries(await this.#send(xclaimArgs(stream, group, options), { stream, group }));
  }

  async claimIds(stream: string, group: string, options: ClaimOptions): Promise<string[]> {
    const reply = await this.#send(xclaimArgs(stream, group, { ...options, justId: true }), {
      stream,
      group,
    });
    return (reply as RedisReply[]).map(String);
  }

  async autoClaim(
    stream: string,
    group: string,
    options: AutoClaimOptions,
  ): Promise<AutoClaimResult> {
    return parseAutoClaim(
      await this.#send(xautoclaimArgs(stream, group, options), { stream, group }),
    );
  }

  async get(key: string): Promise<string | null> {
    const reply = await this.#send(["GET", checkName(key, "Key")]);
    return reply === null ? null : String(reply);
  }

  async set(key: string, value: string): Promise<void> {
    await this.#send(["SET", checkName(key, "Key"), value]);
  }

  async command(args: readonly string[]): Promise<RedisReply> {
    if (!Array.isArray(args) || args.length === 0 || args.some((a) => typeof a !== "string")) {
      throw new TypeError("command() takes a non-empty array of strings");
    }
    return await this.#send(args);
  }

  close(): Promise<void> {
    return this.connection.close();
  }

  /** Closes the store, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
