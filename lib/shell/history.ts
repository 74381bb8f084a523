/**
 * The shell's persistent history: `~/.rstream_history`, or the file named by
 * `RSTREAM_HISTORY`. One line per command, oldest first. Lines that would
 * store a password (`AUTH …`, `raw AUTH …`) are never written.
 *
 * @module
 */

import { readEnv } from "../open_store.ts";

/** Lines kept in the history file. */
export const HISTORY_SIZE = 1000;

/** The history file's path, or `undefined` when neither RSTREAM_HISTORY nor HOME is known. */
export function historyPath(
  env: (name: string) => string | undefined = readEnv,
): string | undefined {
  const explicit = env("RSTREAM_HISTORY");
  if (explicit) return explicit;
  const home = env("HOME");
  return home ? `${home}/.rstream_history` : undefined;
}

/** Whether a line may be saved (it holds no password). */
export function savable(line: string): boolean {
  // AUTH, HELLO … AUTH, MIGRATE … AUTH/AUTH2, ACL SETUSER …>pass, CONFIG SET
  // requirepass/masterauth, and URLs with credentials all carry a password.
  return line.trim() !== "" &&
    !/\bauth2?\b|\brequirepass\b|\bmasterauth\b|\bacl\s+setuser\b/i.test(line) &&
    !/rediss?:\/*[^\s]*@/i.test(line);
}

/** Reads the history, newest first (node:readline's order); `[]` when missing or unreadable. */
export function loadHistory(path: string | undefined): string[] {
  if (!path) return [];
  try {
    return Deno.readTextFileSync(path).split("\n").filter((line) => line !== "").reverse()
      .slice(0, HISTORY_SIZE);
  } catch {
    return [];
  }
}

/** Writes the history (given newest first); failures (read-only home, no permission) are ignored. */
export function saveHistory(path: string | undefined, newestFirst: readonly string[]): void {
  if (!path) return;
  try {
    const lines = newestFirst.filter(savable).slice(0, HISTORY_SIZE).reverse();
    Deno.writeTextFileSync(path, lines.join("\n") + "\n", { mode: 0o600 });
    Deno.chmodSync(path, 0o600); // also for a file that existed before
  } catch {
    // History is a convenience: never fail a command over it.
  }
}
