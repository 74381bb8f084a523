/**
 * Drawing tables with cli-table3. Imported lazily (only TTY output draws
 * tables), which keeps the one-shot CLI's start-up light.
 *
 * @module
 */

import Table from "cli-table3";
import type { TableData } from "./render.ts";

/** Draws a table with box characters; cli-table3's own colors are off (cells come styled). */
export function drawTable(data: TableData): string {
  const table = new Table({ head: data.head, style: { head: [], border: [], compact: true } });
  table.push(...data.rows);
  return table.toString() + "\n";
}

/** Draws label/value pairs as a two-column table without a header. */
export function drawPairs(pairs: [string, string][]): string {
  const table = new Table({ style: { head: [], border: [], compact: true } });
  table.push(...pairs);
  return table.toString() + "\n";
}
