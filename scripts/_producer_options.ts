/**
 * The producer's command line, parsed and checked without side effects.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { checkAddId } from "../mod.ts";
import { intOption, numberOption, UsageError, usageErrorFrom } from "./_cli.ts";

/** The producer's usage text. */
export const PRODUCER_USAGE =
  `Usage: deno task produce SENSOR_ID [options]   (compiled: rstream-produce SENSOR_ID [options])
Publishes readings {sensor_id, temp, humidity} and prints "message <id> sent".
  --stream NAME      stream to add to (default app:event)
  --count N          readings to send; 0 = until stopped (default 1)
  --interval MS      pause between readings (default 0; 1000 with --count 0)
  --rate N           readings per second instead of --interval; sent in batches when high
  --maxlen N         trim the stream to about N entries (MAXLEN ~ N)
  --id ID            explicit entry ID instead of * (only with --count 1)
  --url URL          redis://…, rediss://…, file:PATH or memory:
                     (default: $REDIS_URL, else file:$RSTREAM_DB, else file:./.rstream/streams.db)
  --json             print one JSON object per reading: {"id","stream","fields"}
  --spool PATH       commit each reading to an embedded spool at PATH first and forward
                     it to Redis in the background (edge devices with a flaky link)
  --spool-max N      keep at most N readings in the spool; the oldest are dropped (default 100000)
  --spool-device ID  device name carried as spool_device (default: SENSOR_ID)
  --drain-ms MS      with a finite --count, wait up to MS for the spool to drain (default 10000)
  --partitions N     publish to the topic --stream's N partitions (<stream>#0…), by sensor_id
  --force-partitions record N even when the topic has another partition count
  --wait-replicas N  after each add, wait until N replicas have it (Redis WAIT, 1 s); fewer is an error
  -h, --help         this help`;

/** The producer's settings. */
export interface ProducerOptions {
  /** `sensor_id` of every reading. */
  sensorId: string;
  /** Target stream. */
  stream: string;
  /** Readings to send; 0 = until stopped. */
  count: number;
  /** Pause between readings in ms. */
  intervalMs: number;
  /** Readings per second (instead of `intervalMs`). */
  rate?: number;
  /** Approximate MAXLEN. */
  maxLen?: number;
  /** Explicit ID. */
  id?: string;
  /** Store URL. */
  url?: string;
  /** NDJSON output. */
  json: boolean;
  /** Spool path. */
  spool?: string;
  /** Spool bound. */
  spoolMax: number;
  /** Device name in the spool. */
  spoolDevice: string;
  /** How long a finite run waits for the spool to drain. */
  drainMs: number;
  /** Replicas each add must reach (WAIT), when given. */
  waitReplicas?: number;
  /** Partitions of the topic `stream`, when given. */
  partitions?: number;
  /** Record `partitions` even when the topic has another count. */
  forcePartitions?: boolean;
}

/**
 * Parses the producer's arguments; `"help"` for `-h/--help`.
 *
 * @throws {UsageError} with one line saying what is wrong.
 */
export function parseProducerArgs(args: string[]): ProducerOptions | "help" {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      strict: true,
      allowPositionals: true,
      options: {
        stream: { type: "string" },
        count: { type: "string" },
        interval: { type: "string" },
        rate: { type: "string" },
        maxlen: { type: "string" },
        id: { type: "string" },
        url: { type: "string" },
        json: { type: "boolean" },
        spool: { type: "string" },
        "spool-max": { type: "string" },
        "spool-device": { type: "string" },
        "drain-ms": { type: "string" },
        "wait-replicas": { type: "string" },
        partitions: { type: "string" },
        "force-partitions": { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    throw usageErrorFrom(error);
  }
  const { values, positionals } = parsed;
  if (values.help) return "help";
  if (positionals.length === 0) throw new UsageError("missing SENSOR_ID");
  if (positionals.length > 1) {
    throw new UsageError(
      `expected one SENSOR_ID, got ${positionals.length}: ${positionals.join(" ")}`,
    );
  }
  const sensorId = positionals[0]!;
  if (sensorId === "") throw new UsageError("SENSOR_ID must not be empty");
  const stream = values.stream ?? "app:event";
  if (stream === "") throw new UsageError("--stream must not be empty");
  const count = intOption(values.count, "count") ?? 1;
  const interval = intOption(values.interval, "interval");
  const rate = numberOption(values.rate, "rate", { positive: true });
  if (interval !== undefined && rate !== undefined) {
    throw new UsageError("give either --interval or --rate, not both");
  }
  const maxLen = intOption(values.maxlen, "maxlen", { min: 1 });
  let id: string | undefined;
  if (values.id !== undefined) {
    if (count !== 1) throw new UsageError("--id needs --count 1: each entry needs its own ID");
    if (values.spool !== undefined) {
      throw new UsageError(
        "--id cannot be used with --spool: forwarded readings get IDs from Redis",
      );
    }
    try {
      id = checkAddId(values.id);
    } catch (error) {
      throw new UsageError(`--id: ${(error as Error).message}`);
    }
  }
  if (values.url === "") throw new UsageError("--url must not be empty");
  if (values.spool === "") throw new UsageError("--spool needs a path");
  for (const name of ["spool-max", "spool-device", "drain-ms"] as const) {
    if (values[name] !== undefined && values.spool === undefined) {
      throw new UsageError(`--${name} needs --spool PATH`);
    }
  }
  const waitReplicas = intOption(values["wait-replicas"], "wait-replicas");
  if (waitReplicas !== undefined && values.spool !== undefined) {
    throw new UsageError("--wait-replicas cannot be used with --spool: the spool forwards later");
  }
  const partitions = intOption(values.partitions, "partitions", { min: 1 });
  if (partitions !== undefined && values.spool !== undefined) {
    throw new UsageError("--partitions cannot be used with --spool yet: spool to one stream");
  }
  if (values["force-partitions"] && partitions === undefined) {
    throw new UsageError("--force-partitions needs --partitions N");
  }
  const spoolDevice = values["spool-device"] ?? sensorId;
  if (spoolDevice === "") throw new UsageError("--spool-device must not be empty");
  return {
    sensorId,
    stream,
    count,
    intervalMs: interval ?? (count === 0 && rate === undefined ? 1000 : 0),
    ...(rate !== undefined ? { rate } : {}),
    ...(maxLen !== undefined ? { maxLen } : {}),
    ...(waitReplicas !== undefined ? { waitReplicas } : {}),
    ...(partitions !== undefined ? { partitions } : {}),
    ...(values["force-partitions"] ? { forcePartitions: true } : {}),
    ...(id !== undefined ? { id } : {}),
    ...(values.url !== undefined ? { url: values.url } : {}),
    json: values.json ?? false,
    ...(values.spool !== undefined ? { spool: values.spool } : {}),
    spoolMax: intOption(values["spool-max"], "spool-max", { min: 1 }) ?? 100_000,
    spoolDevice,
    drainMs: intOption(values["drain-ms"], "drain-ms") ?? 10_000,
  };
}

/** A reading as the article makes it: random temp and humidity in [0, 1), as strings. */
export function makeReading(sensorId: string): Record<string, string> {
  return {
    sensor_id: sensorId,
    temp: String(Math.random()),
    humidity: String(Math.random()),
  };
}
