/**
 * Printing results in the session's format: tables on a terminal, plain
 * lines when piped (or `--raw`), CSV with `--csv`, NDJSON with `--json`. Commands call these, never
 * `console.log`.
 *
 * @module
 */

import type { Session } from "./context.ts";
import {
  type Column,
  csvEntry,
  csvLine,
  csvRows,
  entryTable,
  escapeControls,
  escapePlain,
  jsonEntry,
  plainEntry,
  plainRows,
  type PrintableEntry,
  rowTable,
} from "./render.ts";
import { styleFor } from "./style.ts";

/** Prints a page of entries of `stream` (range, readgroup, claim, tail). */
export async function printEntries(
  session: Session,
  stream: string,
  entries: readonly PrintableEntry[],
): Promise<void> {
  if (entries.length === 0) return;
  if (session.format === "json") {
    session.out.write(entries.map((entry) => jsonEntry(stream, entry) + "\n").join(""));
  } else if (session.format === "plain") {
    session.out.write(entries.map((entry) => plainEntry(entry) + "\n").join(""));
  } else if (session.format === "csv") {
    session.out.write(entries.map((entry) => csvEntry(entry) + "\n").join(""));
  } else {
    const { drawTable } = await import("./table.ts");
    session.out.write(drawTable(entryTable(entries, { style: styleFor(session.color) })));
  }
}

/** Prints one followed entry as one line (tail): colored `ID  TIME  field=value …` on a TTY. */
export function printFollowed(session: Session, stream: string, entry: PrintableEntry): void {
  if (session.format === "json") return session.out.write(jsonEntry(stream, entry) + "\n");
  if (session.format === "plain") return session.out.write(plainEntry(entry) + "\n");
  if (session.format === "csv") return session.out.write(csvEntry(entry) + "\n");
  const style = styleFor(session.color);
  const [row] = entryTable([entry], { style, maxWidth: 200 }).rows;
  const fields = Object.entries(entry.fields ?? {}).map(([k, v]) =>
    `${style.field(escapeControls(k))}=${escapeControls(v)}`
  );
  session.out.write(`${row[0]}  ${row[1]}  ${fields.join(" ")}\n`);
}

/** Prints rows: a table, plain lines, or one JSON object per row per line. */
export async function printRows<T>(
  session: Session,
  rows: readonly T[],
  columns: Column<T>[],
): Promise<void> {
  if (session.format === "json") {
    session.out.write(rows.map((row) => JSON.stringify(row) + "\n").join(""));
  } else if (session.format === "plain") {
    session.out.write(plainRows(rows, columns));
  } else if (session.format === "csv") {
    session.out.write(csvRows(rows, columns));
  } else if (rows.length === 0) {
    session.out.write(styleFor(session.color).dim("(none)") + "\n");
  } else {
    const { drawTable } = await import("./table.ts");
    session.out.write(drawTable(rowTable(rows, columns, styleFor(session.color))));
  }
}

/**
 * Prints a single result: `json` as one JSON line with `--json`, else `text`
 * (one line, as is).
 */
export function printResult(session: Session, text: string, json: unknown): void {
  session.out.write(
    session.format === "json"
      ? JSON.stringify(json) + "\n"
      : session.format === "csv"
      ? csvLine([text]) + "\n"
      : escapeControls(text) + "\n",
  );
}

/** Prints label/value pairs: a two-column table, or `label<TAB>value` lines. */
export async function printPairs(session: Session, pairs: [string, string][]): Promise<void> {
  if (session.format === "table") {
    const { drawPairs } = await import("./table.ts");
    const style = styleFor(session.color);
    session.out.write(
      drawPairs(pairs.map(([k, v]) => [style.head(escapeControls(k)), escapeControls(v)])),
    );
  } else if (session.format === "csv") {
    session.out.write(pairs.map((pair) => csvLine(pair) + "\n").join(""));
  } else {
    session.out.write(pairs.map(([k, v]) => `${escapePlain(k)}\t${escapePlain(v)}\n`).join(""));
  }
}
