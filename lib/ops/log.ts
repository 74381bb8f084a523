/**
 * JSON logs: one object per line with `time`, `level`, `event`, and the
 * `stream`, `group`, `consumer`, `id` and `error` that apply, so log
 * shippers need no parsing rules. Errors go through `errorText()`: no
 * password reaches a log.
 *
 * @module
 */

import { errorText } from "../errors.ts";

/** A log level. */
export type LogLevel = "debug" | "info" | "warn" | "error";

/** The fields of one log line besides `time` and `level`. */
export interface LogRecord {
  /** What happened, e.g. `finished`, `failed`, `unhealthy`. */
  event: string;
  /** The stream. */
  stream?: string;
  /** The consumer group. */
  group?: string;
  /** The consumer. */
  consumer?: string;
  /** The entry's ID. */
  id?: string;
  /** The error: an `Error` or text, printed through `errorText()` (redacted). */
  error?: unknown;
  /** Anything else worth a field (numbers, IDs, names). */
  [field: string]: unknown;
}

/**
 * One log line: `{"time","level","event",…}` with the error redacted and
 * `undefined` fields left out.
 *
 * @example A failure with a URL holding a password
 * ```ts
 * import { jsonLogLine } from "@rstream/rstream/ops";
 * import assert from "node:assert/strict";
 * const line = jsonLogLine("warn", {
 *   event: "error",
 *   stream: "app:event",
 *   group: "workers",
 *   consumer: "c1",
 *   error: new Error("Cannot reach redis://app:s3cret@db:6379"),
 * }, new Date("2026-01-02T03:04:05.678Z"));
 * assert.equal(
 *   line,
 *   '{"time":"2026-01-02T03:04:05.678Z","level":"warn","event":"error","stream":"app:event",' +
 *     '"group":"workers","consumer":"c1","error":"Cannot reach redis://db:6379"}',
 * );
 * ```
 */
export function jsonLogLine(level: LogLevel, record: LogRecord, time: Date = new Date()): string {
  const { event, error, ...rest } = record;
  const line: Record<string, unknown> = { time: time.toISOString(), level, event };
  for (const key of ["stream", "group", "consumer", "id"]) {
    if (rest[key] !== undefined) line[key] = rest[key];
  }
  for (const [key, value] of Object.entries(rest)) {
    if (value !== undefined && !(key in line)) line[key] = value;
  }
  if (error !== undefined) line.error = errorText(error);
  return JSON.stringify(line);
}

/** Writes log lines; what {@linkcode jsonLogger} returns. */
export type Logger = (level: LogLevel, record: LogRecord) => void;

/**
 * A logger that writes {@linkcode jsonLogLine}s to `write` (default: stdout),
 * each with the fields of `base` (e.g. the stream, group and consumer).
 *
 * @example Every line carries the consumer's names
 * ```ts
 * import { jsonLogger } from "@rstream/rstream/ops";
 * import assert from "node:assert/strict";
 * const lines: string[] = [];
 * const log = jsonLogger({ stream: "app:event", group: "workers" }, (line) => lines.push(line));
 * log("info", { event: "finished", id: "1-0" });
 * const parsed = JSON.parse(lines[0]!);
 * assert.deepEqual([parsed.level, parsed.event, parsed.group, parsed.id], ["info", "finished", "workers", "1-0"]);
 * ```
 */
export function jsonLogger(
  base: Omit<LogRecord, "event"> = {},
  write: (line: string) => void = (line) => console.log(line),
): Logger {
  return (level, record) => write(jsonLogLine(level, { ...base, ...record }));
}
