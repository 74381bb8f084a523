/**
 * The embedded store's file: rstream marks its own (`application_id`),
 * refuses another application's database and anything that is not a
 * database, and creates only a missing `.rstream/` directory. Each test makes
 * the file a real process would meet, and checks the file afterwards.
 */

import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { openEmbeddedConnection } from "../../lib/embedded/connection.ts";
import { APPLICATION_ID, SCHEMA_VERSION } from "../../lib/embedded/schema.ts";
import { StoreFileError } from "../../lib/errors.ts";
import { openStore } from "../../lib/open_store.ts";

async function withTempDir(fn: (dir: string) => Promise<void> | void) {
  const dir = await Deno.makeTempDir({ prefix: "rstream-file-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function inspect(path: string) {
  const db = new DatabaseSync(path);
  try {
    const one = (sql: string) => Object.values(db.prepare(sql).get() as Record<string, unknown>)[0];
    return {
      applicationId: one("PRAGMA application_id"),
      userVersion: one("PRAGMA user_version"),
      journalMode: one("PRAGMA journal_mode"),
      tables: (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .all() as { name: string }[]).map((row) => row.name),
    };
  } finally {
    db.close();
  }
}

function refusal(fn: () => unknown, problem: string): StoreFileError {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof StoreFileError, `expected a StoreFileError, got ${caught}`);
  assert.equal(caught.problem, problem);
  return caught;
}

Deno.test("openEmbeddedConnection() marks a new file with rstream's application_id", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/streams.db`;
    {
      await using connection = openEmbeddedConnection(path);
      await connection.send(["XADD", "s", "1-1", "a", "1"]);
    }
    const file = inspect(path);
    assert.equal(file.applicationId, APPLICATION_ID);
    assert.equal(file.userVersion, SCHEMA_VERSION);
    assert.equal(file.journalMode, "wal");
  });
});

Deno.test("openEmbeddedConnection() refuses another application's database and leaves it untouched", async () => {
  await withTempDir((dir) => {
    const path = `${dir}/app.db`;
    const other = new DatabaseSync(path);
    other.exec("CREATE TABLE readings (t REAL); INSERT INTO readings VALUES (0.5)");
    other.close();
    const error = refusal(() => openEmbeddedConnection(path), "foreign-database");
    assert.equal(
      error.message,
      `Cannot open the embedded store file:${path}: ${path} is another application's SQLite database (tables readings, application_id 0, user_version 0); rstream leaves it untouched — point RSTREAM_DB or --url file:PATH at a new file`,
    );
    assert.equal(error.path, path);
    assert.deepEqual(inspect(path), {
      applicationId: 0,
      userVersion: 0,
      journalMode: "delete",
      tables: ["readings"],
    });
  });
});

Deno.test("openEmbeddedConnection() calls a foreign user_version foreign, not newer", async () => {
  await withTempDir((dir) => {
    const path = `${dir}/app.db`;
    const other = new DatabaseSync(path);
    other.exec("PRAGMA user_version = 7");
    other.close();
    const error = refusal(() => openEmbeddedConnection(path), "foreign-database");
    assert.match(
      error.message,
      /another application's SQLite database \(no tables, application_id 0, user_version 7\)/,
    );
    assert.doesNotMatch(error.message, /newer|upgrade/);
  });
});

Deno.test("openEmbeddedConnection() says upgrade only for its own file with a newer schema", async () => {
  await withTempDir((dir) => {
    const path = `${dir}/streams.db`;
    openEmbeddedConnection(path).close();
    const db = new DatabaseSync(path);
    db.exec(`PRAGMA user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    const error = refusal(() => openEmbeddedConnection(path), "newer-schema");
    assert.equal(
      error.message,
      `Cannot open the embedded store file:${path}: its schema version ${
        SCHEMA_VERSION + 1
      } is newer than ${SCHEMA_VERSION}, which this rstream writes; upgrade rstream`,
    );
  });
});

Deno.test("openEmbeddedConnection() upgrades a version-1 file: the top part 2^53 - 1 becomes 2^64 - 1", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/streams.db`;
    {
      await using connection = openEmbeddedConnection(path);
      await connection.send(["XADD", "s", "1-1", "a", "1"]);
      await connection.send(["XGROUP", "CREATE", "s", "g", "0"]);
    }
    // What rstream before full 64-bit IDs wrote for `XADD s 18446744073709551615-18446744073709551615`
    // and a read of it: 2^64 - 1 kept as 2^53 - 1, and no stream_nodes table yet.
    const top = Number.MAX_SAFE_INTEGER;
    const db = new DatabaseSync(path);
    db.exec(`
      PRAGMA user_version = 1;
      DELETE FROM stream_nodes WHERE ms != 1;
      INSERT INTO stream_nodes VALUES (1, ${top}, ${top}, 1, 1, 20);
      INSERT INTO entries (key_id, ms, seq, fields) VALUES (1, ${top}, ${top}, '["a","2"]');
      UPDATE keys SET last_ms = ${top}, last_seq = ${top}, length = 2, entries_added = 3,
        max_del_ms = ${top}, max_del_seq = 7;
      UPDATE groups SET last_ms = ${top}, last_seq = ${top}, entries_read = 2;
      INSERT INTO consumers VALUES (1, 'g', 'c', 0);
      INSERT INTO pel VALUES (1, 'g', ${top}, ${top}, 'c', 0, 1);`);
    db.close();
    {
      await using connection = openEmbeddedConnection(path);
      const max = "18446744073709551615-18446744073709551615";
      assert.deepEqual(await connection.send(["XRANGE", "s", "-", "+"]), [
        ["1-1", ["a", "1"]],
        [max, ["a", "2"]],
      ]);
      assert.deepEqual(await connection.send(["XRANGE", "s", "(1-1", "+"]), [[max, ["a", "2"]]]);
      assert.deepEqual(await connection.send(["XPENDING", "s", "g"]), [1, max, max, [["c", "1"]]]);
      const info = await connection.send(["XINFO", "STREAM", "s"]) as unknown[];
      const field = (name: string) => info[info.indexOf(name) + 1];
      assert.equal(field("last-generated-id"), max);
      assert.equal(field("max-deleted-entry-id"), "18446744073709551615-7");
      const [group] = await connection.send(["XINFO", "GROUPS", "s"]) as unknown[][];
      assert.equal(group![group!.indexOf("last-delivered-id") + 1], max);
      await assert.rejects(
        connection.send(["XADD", "s", "*", "a", "3"]),
        /exhausted the last possible ID/,
      );
    }
    const file = inspect(path);
    assert.equal(file.userVersion, SCHEMA_VERSION);
    const db2 = new DatabaseSync(path);
    try {
      // The top node's start is the BLOB of 2^64 - 1 now (approximate trimming finds it by ID).
      assert.deepEqual(
        db2.prepare(
          "SELECT typeof(ms) AS ms, typeof(seq) AS seq FROM stream_nodes ORDER BY stream_nodes.ms",
        )
          .all().map((row) => ({ ...row })),
        [{ ms: "integer", seq: "integer" }, { ms: "blob", seq: "blob" }],
      );
    } finally {
      db2.close();
    }
  });
});

Deno.test("openEmbeddedConnection() adopts and marks a store made before the mark", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/streams.db`;
    {
      await using connection = openEmbeddedConnection(path);
      await connection.send(["XADD", "s", "1-1", "a", "1"]);
    }
    const db = new DatabaseSync(path);
    db.exec("PRAGMA application_id = 0; PRAGMA user_version = 1"); // as rstream 0.1.0 left its files
    db.close();
    {
      await using connection = openEmbeddedConnection(path);
      assert.equal(await connection.send(["XLEN", "s"]), 1);
    }
    assert.equal(inspect(path).applicationId, APPLICATION_ID);
  });
});

Deno.test("openStore() names the file that is not a database", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/notes.db`;
    await Deno.writeTextFile(path, "these are my notes, not a database\n".repeat(40));
    await assert.rejects(() => openStore(`file:${path}`), (error: unknown) => {
      assert.ok(error instanceof StoreFileError);
      assert.equal(error.problem, "not-a-database");
      assert.equal(
        error.message,
        `Cannot open the embedded store file:${path}: ${path} is not an SQLite database (file is not a database); point RSTREAM_DB or --url file:PATH at an rstream store or at a new file`,
      );
      return true;
    });
    assert.equal(await Deno.readTextFile(path), "these are my notes, not a database\n".repeat(40));
  });
});

Deno.test("openStore() refuses a missing directory other than .rstream and creates nothing", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/typo/streams.db`;
    await assert.rejects(() => openStore(`file:${path}`), (error: unknown) => {
      assert.ok(error instanceof StoreFileError);
      assert.equal(error.problem, "missing-directory");
      assert.equal(
        error.message,
        `Cannot open the embedded store file:${path}: the directory ${dir}/typo does not exist; create it first or fix the path (RSTREAM_DB or --url file:PATH) — only a missing .rstream/ is created`,
      );
      return true;
    });
    assert.deepEqual([...Deno.readDirSync(dir)], []);
  });
});

Deno.test("openStore() refuses a directory given as the store's file", async () => {
  await withTempDir(async (dir) => {
    await Deno.mkdir(`${dir}/.rstream`);
    await assert.rejects(() => openStore(`file:${dir}/.rstream`), (error: unknown) => {
      assert.ok(error instanceof StoreFileError);
      assert.equal(
        error.message,
        `Cannot open the embedded store file:${dir}/.rstream: ${dir}/.rstream is a directory; give a file path such as ${dir}/.rstream/streams.db`,
      );
      return true;
    });
    assert.deepEqual([...Deno.readDirSync(`${dir}/.rstream`)], []);
  });
});
