/**
 * `add STREAM -`: one JSON object (or FIELD=VALUE words) per stdin line, kcat-style.
 *
 * Each line is one entry, added whole or not at all: a JSON object, or
 * `field=value` words split as the shell splits them. String values are kept,
 * numbers and booleans become their text, objects and arrays their JSON.
 * A bad line (not JSON, not an object, no fields, a null value) prints one
 * `error: line N: …` line and is skipped; the other lines are still added,
 * and the command then fails (non-zero exit) saying how many were skipped.
 *
 * @module
 */

import type { AddOptions, Fields } from "../types.ts";
import type { StreamStore } from "../store.ts";
import { parseFieldWords } from "./_input.ts";
import type { Session } from "./context.ts";
import { printResult } from "./print.ts";
import { splitArgs } from "./tokenize.ts";

/** Entries sent per pipelined round trip. */
const BATCH = 100;

/** FIELD=VALUE words (`sensor_id=s1 temp=0.4`, quoted like the shell's), or `undefined`. */
function fieldWords(line: string): Fields | undefined {
  try {
    const words = splitArgs(line);
    return words.length > 0 && words.every((w) => w.indexOf("=") > 0)
      ? parseFieldWords(words)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A line as fields: a JSON object, or FIELD=VALUE words (as `add` takes
 * them); throws a message naming the problem.
 */
export function jsonLineFields(line: string): Fields {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    const fields = fieldWords(line);
    if (fields) return fields;
    throw new Error(
      `not JSON (${(error as Error).message}) nor FIELD=VALUE words like sensor_id=s1 temp=0.4`,
    );
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new Error(`expected a JSON object like {"temp":"0.4"}, got ${line.slice(0, 40)}`);
  }
  const fields: Fields = {};
  for (const [key, v] of Object.entries(value)) {
    if (v === null) throw new Error(`field '${key}' is null`);
    fields[key] = typeof v === "string" ? v : typeof v === "object" ? JSON.stringify(v) : String(v);
  }
  if (Object.keys(fields).length === 0) throw new Error("the object has no fields");
  return fields;
}

/** Adds the JSON lines of stdin to `stream`, printing each new ID. */
export async function addFromLines(
  session: Session,
  store: StreamStore,
  options: { stream: string; options: AddOptions; signal: AbortSignal },
): Promise<void> {
  const { stream, signal } = options;
  let batch: Fields[] = [];
  let lineNo = 0;
  let skipped = 0;
  let added = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    const ids = await store.addMany(stream, batch, options.options);
    added += ids.length;
    for (const id of ids) printResult(session, id, { stream, id });
    batch = [];
  };
  for await (const line of session.stdinLines!()) {
    lineNo++;
    if (signal.aborted) break;
    if (line.trim() === "") continue;
    try {
      batch.push(jsonLineFields(line));
    } catch (error) {
      skipped++;
      session.err.write(`error: line ${lineNo}: ${(error as Error).message}\n`);
      continue;
    }
    if (batch.length >= BATCH) await flush();
  }
  await flush();
  if (skipped > 0) {
    const rest = added === 0
      ? "nothing was added"
      : added === 1
      ? "the other line was added"
      : `the other ${added} lines were added`;
    throw new Error(`${skipped} bad ${skipped === 1 ? "line" : "lines"} skipped; ${rest}`);
  }
}
