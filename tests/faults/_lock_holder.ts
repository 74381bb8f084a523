/**
 * A second process that holds an SQLite file's write lock, as a backup or a
 * person in the sqlite3 shell would: `deno run --allow-read --allow-write
 * _lock_holder.ts PATH HOLD_MS` runs `BEGIN IMMEDIATE`, prints `locked`,
 * waits HOLD_MS, commits, prints `released` and exits.
 *
 * @module
 */

import { DatabaseSync } from "node:sqlite";

const [path, holdMs] = Deno.args;
const db = new DatabaseSync(path!);
db.exec("PRAGMA busy_timeout = 10000");
db.exec("BEGIN IMMEDIATE");
console.log("locked");
await new Promise((resolve) => setTimeout(resolve, Number(holdMs)));
db.exec("COMMIT");
db.close();
console.log("released");
