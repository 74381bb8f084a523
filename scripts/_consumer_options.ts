/**
 * The consumer's command line, parsed and checked without side effects.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { checkReadId } from "../mod.ts";
import { intOption, numberOption, UsageError, usageErrorFrom } from "./_cli.ts";

/** The consumer's usage text. */
export const CONSUMER_USAGE =
  `Usage: deno task consume GROUP CONSUMER [options]      a consumer of a consumer group
       deno task consume --reader CONSUMER [options]     a plain reader resuming from <CONSUMER>:lastid
(compiled: rstream-consume …). Prints "processing <id> <fields>" and "finished processing <id>".
  --start-from $|0|ID  where a new group (or a reader without checkpoint) starts (default $)
  --stream NAME        stream to read (default app:event)
  --count N            entries per read (default 1, as in the article)
  --block MS           BLOCK per read (default 5000)
  --work-ms MS[-MAX]   simulated work per entry, fixed or random in MS..MAX (default 0)
  --fail-above T       treat a reading with temp > T as a failure: it stays pending
  --claim-idle MS      claim entries pending longer than MS in the group (default 60000)
  --max-deliveries N   after N deliveries move an entry to the dead-letter stream
  --dead-letter NAME   dead-letter stream (default <stream>:dead-letter)
  --remove-idle-consumers MS
                       remove other consumers of the group idle MS with nothing pending
  --concurrency N      entries processed at once (default 1)
  --partitions N       read the topic --stream's N partitions (<stream>#0…) with the group
  --force-partitions   record N even when the topic has another partition count
  --max N              exit after N entries handled (succeeded or failed)
  --url URL            redis://…, rediss://…, file:PATH or memory:
                       (default: $REDIS_URL, else file:$RSTREAM_DB, else file:./.rstream/streams.db)
  --json               print one JSON object per event instead of text
  -h, --help           this help
SIGINT/SIGTERM stop reading; entries in progress are finished and acknowledged.`;

/** The consumer's settings. */
export interface ConsumerOptions {
  /** `group`: a consumer group member; `reader`: the checkpointed plain reader. */
  mode: "group" | "reader";
  /** The group (group mode). */
  group?: string;
  /** The consumer's (or reader's) name. */
  consumer: string;
  /** Where to start. */
  startFrom: string;
  /** Stream to read. */
  stream: string;
  /** Entries per read. */
  count: number;
  /** BLOCK per read. */
  blockMs: number;
  /** Simulated work: fixed or a random duration in `[min, max]`. */
  work: { min: number; max: number };
  /** Failure threshold on `temp`. */
  failAbove?: number;
  /** XAUTOCLAIM idle threshold. */
  claimIdleMs?: number;
  /** Dead-letter after this many deliveries. */
  maxDeliveries?: number;
  /** Dead-letter stream. */
  deadLetter?: string;
  /** Remove other consumers idle this long with nothing pending. */
  removeIdleConsumersMs?: number;
  /** Handlers at once. */
  concurrency: number;
  /** Exit after this many entries. */
  max?: number;
  /** Store URL. */
  url?: string;
  /** NDJSON output. */
  json: boolean;
  /** Partitions of the topic `stream` (group mode). */
  partitions?: number;
  /** Record `partitions` even when the topic has another count. */
  forcePartitions?: boolean;
}

function parseWork(value: string | undefined): { min: number; max: number } {
  if (value === undefined) return { min: 0, max: 0 };
  const match = /^(\d+)(?:-(\d+))?$/.exec(value);
  if (!match || (match[2] !== undefined && Number(match[2]) < Number(match[1]))) {
    throw new UsageError(`--work-ms must be MS or MIN-MAX (like 1000-3000), got '${value}'`);
  }
  return { min: Number(match[1]), max: Number(match[2] ?? match[1]) };
}

function checkStart(value: string, reader: boolean): string {
  if (value === "$" || value === "0") return value;
  if (!reader) {
    try {
      return checkReadId(value);
    } catch { /* reported below */ }
  }
  throw new UsageError(`--start-from must be $ or 0${reader ? "" : " or an ID"}, got '${value}'`);
}

/**
 * Parses the consumer's arguments; `"help"` for `-h/--help`.
 *
 * @throws {UsageError} with one line saying what is wrong.
 */
export function parseConsumerArgs(args: string[]): ConsumerOptions | "help" {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      strict: true,
      allowPositionals: true,
      options: {
        reader: { type: "boolean" },
        "start-from": { type: "string" },
        stream: { type: "string" },
        count: { type: "string" },
        block: { type: "string" },
        "work-ms": { type: "string" },
        "fail-above": { type: "string" },
        "claim-idle": { type: "string" },
        "max-deliveries": { type: "string" },
        "dead-letter": { type: "string" },
        "remove-idle-consumers": { type: "string" },
        concurrency: { type: "string" },
        partitions: { type: "string" },
        "force-partitions": { type: "boolean" },
        max: { type: "string" },
        url: { type: "string" },
        json: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    throw usageErrorFrom(error);
  }
  const { values, positionals } = parsed;
  if (values.help) return "help";
  const reader = values.reader ?? false;
  const expected = reader ? 1 : 2;
  if (positionals.length < expected) {
    throw new UsageError(
      reader
        ? "missing CONSUMER"
        : `missing ${positionals.length ? "CONSUMER" : "GROUP and CONSUMER"}`,
    );
  }
  if (positionals.length > expected) {
    throw new UsageError(`unexpected argument ${positionals[expected]}`);
  }
  if (positionals.some((p) => p === "")) throw new UsageError("names must not be empty");
  if (reader) {
    for (
      const name of [
        "claim-idle",
        "max-deliveries",
        "dead-letter",
        "concurrency",
        "remove-idle-consumers",
        "partitions",
      ] as const
    ) {
      if (values[name] !== undefined) {
        throw new UsageError(`--${name} is for consumer groups, not --reader`);
      }
    }
  }
  const startFrom = checkStart(values["start-from"] ?? "$", reader);
  const stream = values.stream ?? "app:event";
  if (stream === "") throw new UsageError("--stream must not be empty");
  if (values.url === "") throw new UsageError("--url must not be empty");
  if (values["dead-letter"] === "") throw new UsageError("--dead-letter must not be empty");
  const optional = <K extends string, V>(key: K, value: V | undefined) =>
    value === undefined ? {} : { [key]: value } as Record<K, V>;
  const options: ConsumerOptions = {
    mode: reader ? "reader" : "group",
    ...(reader ? {} : { group: positionals[0]! }),
    consumer: positionals[expected - 1]!,
    startFrom,
    stream,
    count: intOption(values.count, "count", { min: 1 }) ?? 1,
    blockMs: intOption(values.block, "block") ?? 5000,
    work: parseWork(values["work-ms"]),
    ...optional("failAbove", numberOption(values["fail-above"], "fail-above")),
    ...optional("claimIdleMs", intOption(values["claim-idle"], "claim-idle", { min: 1 })),
    ...optional("maxDeliveries", intOption(values["max-deliveries"], "max-deliveries", { min: 1 })),
    ...optional("deadLetter", values["dead-letter"]),
    ...optional(
      "removeIdleConsumersMs",
      intOption(values["remove-idle-consumers"], "remove-idle-consumers", { min: 1 }),
    ),
    concurrency: intOption(values.concurrency, "concurrency", { min: 1 }) ?? 1,
    ...optional("max", intOption(values.max, "max", { min: 1 })),
    ...optional("partitions", intOption(values.partitions, "partitions", { min: 1 })),
    ...(values["force-partitions"] ? { forcePartitions: true } : {}),
    ...optional("url", values.url),
    json: values.json ?? false,
  };
  if (
    options.removeIdleConsumersMs !== undefined &&
    options.removeIdleConsumersMs <= options.blockMs
  ) {
    throw new UsageError(
      `--remove-idle-consumers (${options.removeIdleConsumersMs}) must exceed --block (${options.blockMs}): a consumer blocked in a read looks idle that long`,
    );
  }
  if (options.partitions !== undefined && options.deadLetter !== undefined) {
    throw new UsageError(
      "--dead-letter cannot be used with --partitions: each partition dead-letters to <partition>:dead-letter",
    );
  }
  if (options.forcePartitions && options.partitions === undefined) {
    throw new UsageError("--force-partitions needs --partitions N");
  }
  return options;
}
