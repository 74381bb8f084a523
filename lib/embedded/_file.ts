/**
 * The embedded store's file as the user sees it: the checks made before
 * SQLite opens it (a directory, a missing parent, a path this program may not
 * use) and the translation of SQLite's and Deno's errors into errors that name
 * the file and say what to do.
 *
 * @module
 */

import { parentDir } from "../_parent_dir.ts";
import { StoreFileError, type StoreFileProblem, StoreLockedError, StreamError } from "../errors.ts";

/** The one directory the store creates by itself (the default `./.rstream/`). */
const OWN_DIRECTORY = ".rstream";

/** Where the scripts and binaries may keep a store, and how to change it. */
const WHERE =
  "the rstream binaries and the produce/consume tasks may read and write only .rstream/ under the working directory: set RSTREAM_DB (or --url file:PATH) to a file there such as .rstream/streams.db, or run from source with --allow-read and --allow-write for the store's directory";

function fail(
  problem: StoreFileProblem,
  path: string,
  displayUrl: string,
  message: string,
  cause?: unknown,
): StoreFileError {
  return new StoreFileError(message, { path, problem, displayUrl, cause });
}

/** Deno's permission text without its advice to re-run, which a binary's user cannot follow. */
function permissionText(error: Error): string {
  return error.message.replace(/, run again with the --allow-\w+ flag$/, "");
}

/**
 * Checks `path` before SQLite opens it: it is not a directory, and its
 * directory exists. A missing `.rstream` directory is created (only that one,
 * and only when its own parent exists), so a typo elsewhere is refused instead
 * of silently making a new, empty store.
 *
 * @example A typo in the directory is refused, and nothing is created
 * ```ts
 * import { prepareStorePath } from "./_file.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * assert.throws(() => prepareStorePath(`${dir}/typo/streams.db`, "file:x"), /does not exist/);
 * prepareStorePath(`${dir}/.rstream/streams.db`, "file:x"); // creates .rstream/
 * assert.ok(Deno.statSync(`${dir}/.rstream`).isDirectory);
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @throws {StoreFileError} naming the file and what to do
 */
export function prepareStorePath(path: string, displayUrl: string): void {
  const stat = statOrNull(path, path, displayUrl);
  if (stat?.isDirectory) {
    throw fail(
      "is-a-directory",
      path,
      displayUrl,
      `Cannot open the embedded store ${displayUrl}: ${path} is a directory; give a file path such as ${`${
        path.replace(/[\\/]+$/, "")
      }/streams.db`}`,
    );
  }
  if (stat) return;
  const dir = parentDir(path);
  const dirStat = statOrNull(dir, path, displayUrl);
  if (dirStat?.isDirectory) return;
  if (dirStat) {
    throw fail(
      "missing-directory",
      path,
      displayUrl,
      `Cannot open the embedded store ${displayUrl}: ${dir} is not a directory; fix the path (RSTREAM_DB or --url file:PATH)`,
    );
  }
  if (dir.split(/[\\/]/).pop() === OWN_DIRECTORY) {
    try {
      Deno.mkdirSync(dir);
      return;
    } catch (error) {
      if (error instanceof Deno.errors.AlreadyExists) return;
      if (!(error instanceof Deno.errors.NotFound)) throw storeError(error, path, displayUrl);
    }
  }
  throw fail(
    "missing-directory",
    path,
    displayUrl,
    `Cannot open the embedded store ${displayUrl}: the directory ${dir} does not exist; create it first or fix the path (RSTREAM_DB or --url file:PATH) — only a missing ${OWN_DIRECTORY}/ is created`,
  );
}

function statOrNull(at: string, path: string, displayUrl: string): Deno.FileInfo | null {
  try {
    return Deno.statSync(at);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw storeError(error, path, displayUrl);
  }
}

/**
 * The error to throw for a failure on the store's file: SQLite's and Deno's
 * errors become a {@linkcode StoreLockedError} (temporary) or a
 * {@linkcode StoreFileError} (permanent) naming the file; errors rstream
 * already named, and anything unknown, are returned unchanged.
 *
 * @example SQLite's bare texts become errors that name the file
 * ```ts
 * import { storeError } from "./_file.ts";
 * import { StoreFileError, StoreLockedError } from "../errors.ts";
 * import assert from "node:assert/strict";
 * const locked = storeError(new Error("database is locked"), "s.db", "file:s.db");
 * assert.ok(locked instanceof StoreLockedError && locked.message.includes("file:s.db"));
 * const full = storeError(new Error("database or disk is full"), "s.db", "file:s.db");
 * assert.ok(full instanceof StoreFileError && full.problem === "disk-full");
 * ```
 */
export function storeError(
  error: unknown,
  path: string,
  displayUrl: string,
  busyTimeoutMs = 5000,
): unknown {
  if (error instanceof StreamError || !(error instanceof Error)) return error;
  const text = error.message;
  if (error instanceof Deno.errors.NotCapable) {
    return fail(
      "not-permitted",
      path,
      displayUrl,
      `Cannot use the embedded store ${displayUrl}: this program may not use that path (${
        permissionText(error)
      }); ${WHERE}`,
      error,
    );
  }
  if (/database (table )?is locked|database is busy/i.test(text)) {
    return new StoreLockedError(
      `The embedded store ${displayUrl} is locked: another process has held its write lock for more than ${busyTimeoutMs} ms (a backup, or a sqlite3 shell inside BEGIN); the command was not run — retry when that process has committed`,
      { path, displayUrl, cause: error },
    );
  }
  if (/readonly database|read-only file system/i.test(text)) {
    return fail(
      "read-only",
      path,
      displayUrl,
      `Cannot write the embedded store ${displayUrl}: the file or its directory is read-only (${text}); make both writable by this user, or point RSTREAM_DB or --url file:PATH at a writable file`,
      error,
    );
  }
  if (/file is not a database|database disk image is malformed/i.test(text)) {
    return fail(
      "not-a-database",
      path,
      displayUrl,
      `Cannot open the embedded store ${displayUrl}: ${path} is not an SQLite database (${text}); point RSTREAM_DB or --url file:PATH at an rstream store or at a new file`,
      error,
    );
  }
  if (/database or disk is full|no space left/i.test(text)) {
    return fail(
      "disk-full",
      path,
      displayUrl,
      `Cannot write the embedded store ${displayUrl}: the disk is full (${text}); the command was not stored — free space on the filesystem of ${
        parentDir(path)
      }`,
      error,
    );
  }
  if (error instanceof Deno.errors.PermissionDenied || /permission denied/i.test(text)) {
    return fail(
      "permission-denied",
      path,
      displayUrl,
      `Cannot open the embedded store ${displayUrl}: permission denied; this user may not read or write ${path} or its directory: give it read and write access to both, or run as the user that owns them`,
      error,
    );
  }
  if (/unable to open database file/i.test(text)) {
    return fail(
      "cannot-open",
      path,
      displayUrl,
      `Cannot open the embedded store ${displayUrl}: unable to open database file; SQLite must read and write ${path} and create ${path}-wal and ${path}-shm beside it: make the file and its directory writable by this user, and check that the filesystem is not mounted read-only`,
      error,
    );
  }
  return error;
}
