/**
 * `add STREAM -`: one JSON object per stdin line, kcat-style.
 *
 * Each line is one entry, added whole or not at all. String values are kept,
 * numbers and booleans become their text, objects and arrays their JSON.
 * A bad line (not JSON, not an object, no fields, a null value) prints one
 * `error: line N: …` line and is skipped; the other lines are still added,
 * and the command then fails (non-zero exit) saying how many were skipped.
 *
 * @module
 */

import type { AddOptions, Fields, StreamStore } from "../../mod.ts";
import type { Session } from "./context.ts";
import { printResult } from "./print.ts";

/** Entries sent per pipelined round trip. */
const BATCH = 100;

/** A JSON line as fields; throws a message naming the problem. */
export function jsonLineFields(line: string): Fields {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    throw new Error(`not JSON (${(error as Error).message})`);
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
  const flush = async () => {
    if (batch.length === 0) return;
    const ids = await store.addMany(stream, batch, options.options);
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
    throw new Error(
      `${skipped} bad line${skipped === 1 ? "" : "s"} skipped; the others were added`,
    );
  }
}
