/**
 * Pure rendering of results as text: entries and rows as plain tab-separated
 * lines or NDJSON, and the cells of tables (drawn by `table.ts`).
 *
 * Plain format: one line per entry, `ID<TAB>field=value<TAB>…`; one line per
 * row for other results, columns tab-separated, no header. Tabs, newlines,
 * carriage returns and backslashes inside names and values are written as
 * `\t`, `\n`, `\r` and `\\`, so a line is always one record.
 *
 * @module
 */

import type { Fields } from "../types.ts";
import { streamIdDate } from "../stream_id.ts";
import type { Style } from "./style.ts";

/** An entry as the shell prints it; `fields` is `null` for an entry deleted while pending. */
export interface PrintableEntry {
  /** `<ms>-<seq>`. */
  id: string;
  /** Its fields, or `null`. */
  fields: Fields | null;
}

/** At most this many distinct field names become table columns; more go in one FIELDS column. */
export const MAX_FIELD_COLUMNS = 6;

// deno-lint-ignore no-control-regex
const NEEDS_ESCAPE = /[\\\x00-\x1f\x7f]/;

/** Escapes tabs, newlines, carriage returns and backslashes for the plain format; other control characters as `\xHH`. */
export function escapePlain(text: string): string {
  return text.replace(
    // deno-lint-ignore no-control-regex
    /[\\\x00-\x1f\x7f]/g,
    (c) =>
      c === "\\"
        ? "\\\\"
        : c === "\t"
        ? "\\t"
        : c === "\n"
        ? "\\n"
        : c === "\r"
        ? "\\r"
        : `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`,
  );
}

/**
 * A name or message made safe for a terminal: control characters (ESC and
 * the rest of C0, DEL) written as `\xHH`, so a group called
 * `"\x1b[31mred"` cannot recolor or move the terminal.
 *
 * @example An escape sequence in a group name stays visible text
 * ```ts
 * import { escapeControls } from "./render.ts";
 * import assert from "node:assert/strict";
 * assert.equal(escapeControls("created group \x1b[31mred"), "created group \\x1b[31mred");
 * ```
 */
export function escapeControls(text: string): string {
  return text.replace(
    // deno-lint-ignore no-control-regex
    /[\x00-\x1f\x7f]/g,
    (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`,
  );
}

/**
 * One entry in the plain format.
 *
 * @example
 * ```ts
 * import { plainEntry } from "./render.ts";
 * import assert from "node:assert/strict";
 * assert.equal(
 *   plainEntry({ id: "1-0", fields: { temp: "0.4", note: "a\tb" } }),
 *   "1-0\ttemp=0.4\tnote=a\\tb",
 * );
 * ```
 */
export function plainEntry(entry: PrintableEntry): string {
  if (entry.fields === null) return `${entry.id}\t(deleted)`;
  let line = entry.id;
  for (const name in entry.fields) {
    const value = entry.fields[name];
    line += `\t${NEEDS_ESCAPE.test(name) ? escapePlain(name) : name}=${
      NEEDS_ESCAPE.test(value) ? escapePlain(value) : value
    }`;
  }
  return line;
}

/**
 * One CSV cell (RFC 4180): quoted, with `"` doubled, when it holds a comma,
 * a quote or a line break; as is otherwise.
 *
 * @example Quotes only where CSV needs them
 * ```ts
 * import { csvCell, csvEntry } from "./render.ts";
 * import assert from "node:assert/strict";
 * assert.equal(csvCell('say "hi", then go'), '"say ""hi"", then go"');
 * assert.equal(csvEntry({ id: "1-0", fields: { temp: "0.4", note: "a,b" } }), '1-0,temp,0.4,note,"a,b"');
 * ```
 */
export function csvCell(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * One CSV line of cells (no line end).
 *
 * @example Numbers and missing cells
 * ```ts
 * import { csvLine } from "./render.ts";
 * import assert from "node:assert/strict";
 * assert.equal(csvLine(["g", 2, null, "a,b"]), 'g,2,,"a,b"');
 * ```
 */
export function csvLine(cells: readonly (string | number | null | undefined)[]): string {
  return cells.map((cell) => csvCell(String(cell ?? ""))).join(",");
}

/**
 * One entry as a CSV line: `ID,field,value,field,value…` (`ID,` alone for a deleted one).
 *
 * @example A pending entry whose entry was deleted
 * ```ts
 * import { csvEntry } from "./render.ts";
 * import assert from "node:assert/strict";
 * assert.equal(csvEntry({ id: "1-0", fields: null }), "1-0,");
 * ```
 */
export function csvEntry(entry: PrintableEntry): string {
  if (entry.fields === null) return `${entry.id},`;
  return csvLine([entry.id, ...Object.entries(entry.fields).flat()]);
}

/**
 * Rows as CSV lines: one line each, the columns of the table, no header
 * (a column's `plain` cell when it has one: durations in ms).
 *
 * @example Idle time in milliseconds
 * ```ts
 * import { type Column, csvRows, duration } from "./render.ts";
 * import assert from "node:assert/strict";
 * const columns: Column<{ name: string; idleMs: number }>[] = [
 *   { head: "CONSUMER", cell: (c) => c.name },
 *   { head: "IDLE", cell: (c) => duration(c.idleMs), plain: (c) => c.idleMs },
 * ];
 * assert.equal(csvRows([{ name: "alice", idleMs: 25300 }], columns), "alice,25300\n");
 * ```
 */
export function csvRows<T>(rows: readonly T[], columns: Column<T>[]): string {
  return rows.map((row) =>
    csvLine(columns.map((column) => (column.plain ?? column.cell)(row))) + "\n"
  )
    .join("");
}

/** One entry as a JSON line: `{"stream":…,"id":…,"fields":{…}}`. */
export function jsonEntry(stream: string, entry: PrintableEntry): string {
  return JSON.stringify({ stream, id: entry.id, fields: entry.fields });
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, "0");
}

/** A time in local time, `YYYY-MM-DD HH:MM:SS.mmm`. */
export function localTime(ms: number): string {
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return "?";
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${
    pad(d.getMinutes())
  }:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/** The local time an ID's milliseconds stand for, or `?` when out of range. */
export function idTime(id: string): string {
  try {
    return localTime(streamIdDate(id).getTime());
  } catch {
    return "?";
  }
}

/** The head and cells of a table. */
export interface TableData {
  /** Column headers. */
  head: string[];
  /** Rows of cells. */
  rows: string[][];
}

/** A cell's text on one line, with no control character reaching the terminal. */
function cellText(text: string): string {
  return escapeControls(text.replace(/\n/g, "\\n").replace(/\t/g, "\\t"));
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function clip(text: string, max: number): string {
  return truncate(cellText(text), max);
}

/**
 * The table of some entries: ID, TIME, then one column per field when there
 * are at most {@linkcode MAX_FIELD_COLUMNS} distinct names, else one FIELDS
 * column of `name=value` pairs. Long values are clipped with `…`.
 */
export function entryTable(
  entries: readonly PrintableEntry[],
  options: { style: Style; maxWidth?: number },
): TableData {
  const { style } = options;
  const max = options.maxWidth ?? 60;
  const names: string[] = [];
  for (const entry of entries) {
    for (const name of Object.keys(entry.fields ?? {})) {
      if (!names.includes(name)) names.push(name);
    }
  }
  const spread = names.length <= MAX_FIELD_COLUMNS;
  const head = ["ID", "TIME", ...(spread ? names.map(cellText) : ["FIELDS"])].map(style.head);
  const rows = entries.map((entry) => {
    const cells = [style.id(entry.id), style.dim(idTime(entry.id))];
    if (entry.fields === null) return [...cells, ...(spread ? names.map(() => "") : [""])];
    if (spread) return [...cells, ...names.map((name) => clip(entry.fields![name] ?? "", max))];
    return [
      ...cells,
      truncate(
        Object.entries(entry.fields).map(([k, v]) => `${style.field(cellText(k))}=${cellText(v)}`)
          .join(" "),
        max * 2,
      ),
    ];
  });
  return { head, rows };
}

/** A column of a row table: its header, and how to get the cell from a row. */
export interface Column<T> {
  /** Header (and plain column) name. */
  head: string;
  /** The cell's text. */
  cell: (row: T) => string | number | null | undefined;
  /** The cell in plain and CSV output when it differs (durations: milliseconds, not `25.3s`). */
  plain?: (row: T) => string | number | null | undefined;
}

/** Rows as a table's data. */
export function rowTable<T>(rows: readonly T[], columns: Column<T>[], style: Style): TableData {
  return {
    head: columns.map((column) => style.head(column.head)),
    rows: rows.map((row) => columns.map((column) => clip(String(column.cell(row) ?? ""), 60))),
  };
}

/** Rows in the plain format: one line each, cells tab-separated, no header. */
export function plainRows<T>(rows: readonly T[], columns: Column<T>[]): string {
  return rows.map((row) =>
    columns.map((column) => escapePlain(String((column.plain ?? column.cell)(row) ?? ""))).join(
      "\t",
    ) + "\n"
  ).join("");
}

/** A duration in ms, short: `350ms`, `12.0s`, `5m3s`, `2h5m`, `3d4h`. */
export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "-";
  if (ms < 0) ms = 0;
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${Math.floor(s % 60)}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h${m % 60}m`;
  return `${Math.floor(h / 24)}d${h % 24}h`;
}
