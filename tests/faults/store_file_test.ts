/**
 * Permanent faults of the embedded store's file, met by the real scripts
 * with the binaries' permissions: a read-only file (a read-only bind mount,
 * which also holds as root), a read-only directory, another application's
 * database, a file that is not a database, a directory, a missing directory
 * and a path outside `.rstream/`. Each one makes the consumer and the producer
 * exit 1 with one line naming the file, and leaves the file as it was.
 *
 * @module
 */

import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { openStore } from "../../lib/open_store.ts";
import { runScript, type ScriptResult } from "../scripts/_scripts.ts";
import { BINARIES } from "../../scripts/_binaries.ts";
import { STREAM } from "./_faults.ts";

const DB = ".rstream/streams.db";
const ROOT = new URL("../../", import.meta.url).pathname;
/** The uid of `nobody`. */
const NOBODY = 65534;

async function withCwd(fn: (cwd: string) => Promise<void>) {
  const cwd = await Deno.makeTempDir({ prefix: "rstream-faults-file-" });
  try {
    await fn(cwd);
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
}

async function mount(args: string[]): Promise<void> {
  const out = await new Deno.Command("mount", { args, stderr: "piped" }).output();
  assert.ok(out.success, `mount ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
}

/** Makes `path` read-only by bind-mounting it over itself read-only; undone on dispose. */
async function readOnly(path: string): Promise<AsyncDisposable> {
  await mount(["--bind", path, path]);
  await mount(["-o", "remount,ro,bind", path]);
  return {
    async [Symbol.asyncDispose]() {
      await new Deno.Command("umount", { args: [path] }).output();
    },
  };
}

async function storeWithOneEntry(cwd: string): Promise<void> {
  await using store = await openStore(`file:${cwd}/${DB}`);
  await store.add(STREAM, { sensor_id: "sensor1", temp: "0.3" });
}

const consume = (cwd: string, env?: Record<string, string>) =>
  runScript("rstream-consume", ["workers", "c1", "--start-from", "0", "--block", "100"], {
    cwd,
    env,
    timeoutMs: 20_000,
  });
const produce = (cwd: string, env?: Record<string, string>) =>
  runScript("rstream-produce", ["sensor1"], { cwd, env, timeoutMs: 20_000 });

function assertOneLine(result: ScriptResult, line: string): void {
  assert.equal(result.code, 1, `exit code; stderr: ${result.stderr.join("\n")}`);
  assert.deepEqual(result.stderr, [line]);
  // A consumer whose store opened says so (the article's line) before its first write fails.
  assert.deepEqual(result.stdout.filter((out) => out !== "Reading stream..."), []);
}

const isRoot = Deno.uid() === 0;

Deno.test({
  name: "rstream-consume exits 1 with one line naming the file when the store is read-only",
  ignore: !isRoot, // the bind mount needs root, as CI has
  async fn() {
    await withCwd(async (cwd) => {
      await storeWithOneEntry(cwd);
      const readOnlyLine =
        `error: Cannot write the embedded store file:${DB}: the file or its directory is read-only (attempt to write a readonly database); make both writable by this user, or point RSTREAM_DB or --url file:PATH at a writable file`;
      {
        await using _ro = await readOnly(`${cwd}/${DB}`);
        const started = Date.now();
        assertOneLine(await consume(cwd, { RSTREAM_DB: DB }), readOnlyLine);
        assert.ok(Date.now() - started < 10_000, "it stops at once, not after retries");
        assertOneLine(await produce(cwd, { RSTREAM_DB: DB }), readOnlyLine);
        const reader = await runScript(
          "rstream-consume",
          ["--reader", "r1", "--start-from", "0", "--max", "1"],
          { cwd, env: { RSTREAM_DB: DB }, timeoutMs: 20_000 },
        );
        assert.equal(reader.stdout[0], "Starting from beginning");
        assert.equal(reader.stdout.length, 3, "the reader processed the entry");
        assert.equal(reader.code, 1);
        assert.deepEqual(reader.stderr, [readOnlyLine], "its checkpoint could not be written");
      }
      await using store = await openStore(`file:${cwd}/${DB}`);
      assert.equal(await store.len(STREAM), 1);
      assert.deepEqual(await store.groups(STREAM), [], "no group was created");
    });
  },
});

Deno.test({
  name: "rstream-consume exits 1 naming the file when its directory is on a read-only mount",
  ignore: !isRoot,
  async fn() {
    await withCwd(async (cwd) => {
      await storeWithOneEntry(cwd);
      await using _ro = await readOnly(`${cwd}/.rstream`);
      assertOneLine(
        await consume(cwd, { RSTREAM_DB: DB }),
        `error: Cannot open the embedded store file:${DB}: unable to open database file; SQLite must read and write ${DB} and create ${DB}-wal and ${DB}-shm beside it: make the file and its directory writable by this user, and check that the filesystem is not mounted read-only`,
      );
    });
  },
});

/**
 * Runs `rstream-consume` with the binaries' permissions as the unprivileged user `nobody` (root
 * ignores file modes), with a Deno cache of its own.
 */
async function consumeAsNobody(cwd: string): Promise<ScriptResult> {
  const denoDir = await Deno.makeTempDir({ prefix: "rstream-faults-denodir-" });
  try {
    await Deno.chown(denoDir, NOBODY, null);
    const spec = BINARIES.find((b) => b.name === "rstream-consume")!;
    const out = await new Deno.Command("runuser", {
      args: [
        "-u",
        "nobody",
        "--",
        "env",
        `DENO_DIR=${denoDir}`,
        "HOME=/tmp",
        "NO_COLOR=1",
        Deno.execPath(),
        "run",
        "--quiet",
        "--config",
        `${ROOT}deno.json`,
        ...spec.permissions,
        `${ROOT}${spec.entry}`,
        "workers",
        "c1",
        "--start-from",
        "0",
        "--block",
        "100",
      ],
      cwd,
      clearEnv: true,
      env: { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const lines = (bytes: Uint8Array) => {
      const text = new TextDecoder().decode(bytes);
      return text === "" ? [] : text.replace(/\n$/, "").split("\n");
    };
    return { code: out.code, stdout: lines(out.stdout), stderr: lines(out.stderr) };
  } finally {
    await Deno.remove(denoDir, { recursive: true });
  }
}

Deno.test({
  name: "rstream-consume run by a non-root user exits 1 naming a mode-444 store file",
  ignore: !isRoot, // runuser needs root
  async fn() {
    await withCwd(async (cwd) => {
      await storeWithOneEntry(cwd);
      for (const path of [cwd, `${cwd}/.rstream`, `${cwd}/${DB}`]) {
        await Deno.chown(path, NOBODY, null);
      }
      await Deno.chmod(`${cwd}/${DB}`, 0o444);
      assertOneLine(
        await consumeAsNobody(cwd),
        `error: Cannot write the embedded store file:./${DB}: the file or its directory is read-only (attempt to write a readonly database); make both writable by this user, or point RSTREAM_DB or --url file:PATH at a writable file`,
      );
    });
  },
});

Deno.test({
  name: "rstream-consume run by a non-root user exits 1 naming a store file it may not read",
  ignore: !isRoot,
  async fn() {
    await withCwd(async (cwd) => {
      await storeWithOneEntry(cwd);
      await Deno.chmod(cwd, 0o755);
      await Deno.chmod(`${cwd}/.rstream`, 0o700); // root's, as is the file
      assertOneLine(
        await consumeAsNobody(cwd),
        `error: Cannot open the embedded store file:./${DB}: permission denied; this user may not read or write ./${DB} or its directory: give it read and write access to both, or run as the user that owns them`,
      );
    });
  },
});

Deno.test("rstream-produce refuses another application's database and leaves it untouched", async () => {
  await withCwd(async (cwd) => {
    await Deno.mkdir(`${cwd}/.rstream`);
    const other = new DatabaseSync(`${cwd}/.rstream/app.db`);
    other.exec("CREATE TABLE readings (t REAL); INSERT INTO readings VALUES (0.5)");
    other.close();
    const before = await Deno.readFile(`${cwd}/.rstream/app.db`);
    const line =
      "error: Cannot open the embedded store file:.rstream/app.db: .rstream/app.db is another application's SQLite database (tables readings, application_id 0, user_version 0); rstream leaves it untouched — point RSTREAM_DB or --url file:PATH at a new file";
    assertOneLine(await produce(cwd, { RSTREAM_DB: ".rstream/app.db" }), line);
    assertOneLine(await consume(cwd, { RSTREAM_DB: ".rstream/app.db" }), line);
    assert.deepEqual(await Deno.readFile(`${cwd}/.rstream/app.db`), before);
    assert.deepEqual([...Deno.readDirSync(`${cwd}/.rstream`)].map((e) => e.name), ["app.db"]);
  });
});

Deno.test("rstream-consume exits 1 naming RSTREAM_DB's file when it is not a database", async () => {
  await withCwd(async (cwd) => {
    await Deno.mkdir(`${cwd}/.rstream`);
    await Deno.writeTextFile(`${cwd}/.rstream/notes.db`, "not a database\n".repeat(100));
    assertOneLine(
      await consume(cwd, { RSTREAM_DB: ".rstream/notes.db" }),
      "error: Cannot open the embedded store file:.rstream/notes.db: .rstream/notes.db is not an SQLite database (file is not a database); point RSTREAM_DB or --url file:PATH at an rstream store or at a new file",
    );
  });
});

Deno.test("rstream-produce says where the store may live when RSTREAM_DB is outside .rstream/", async () => {
  await withCwd(async (cwd) => {
    const outside = `${cwd}/elsewhere.db`;
    const result = await produce(cwd, { RSTREAM_DB: outside });
    assertOneLine(
      result,
      `error: Cannot use the embedded store file:${outside}: this program may not use that path (Requires read access to "${outside}"); the rstream binaries and the produce/consume tasks may read and write only .rstream/ under the working directory: set RSTREAM_DB (or --url file:PATH) to a file there such as .rstream/streams.db, or run from source with --allow-read and --allow-write for the store's directory`,
    );
    assert.doesNotMatch(result.stderr[0]!, /run again/);
    assert.deepEqual([...Deno.readDirSync(cwd)], []);
  });
});

Deno.test("rstream-produce refuses RSTREAM_DB naming a directory", async () => {
  await withCwd(async (cwd) => {
    await Deno.mkdir(`${cwd}/.rstream`);
    assertOneLine(
      await produce(cwd, { RSTREAM_DB: ".rstream" }),
      "error: Cannot open the embedded store file:.rstream: .rstream is a directory; give a file path such as .rstream/streams.db",
    );
  });
});

Deno.test("rstream-produce creates a missing .rstream/ but refuses a missing directory inside it", async () => {
  await withCwd(async (cwd) => {
    assertOneLine(
      await produce(cwd, { RSTREAM_DB: ".rstream/typo/streams.db" }),
      "error: Cannot open the embedded store file:.rstream/typo/streams.db: the directory .rstream/typo does not exist; create it first or fix the path (RSTREAM_DB or --url file:PATH) — only a missing .rstream/ is created",
    );
    assert.deepEqual([...Deno.readDirSync(cwd)], [], "nothing was created");
    const fresh = await produce(cwd);
    assert.equal(fresh.code, 0, fresh.stderr.join("\n"));
    assert.deepEqual([...Deno.readDirSync(`${cwd}/.rstream`)].map((e) => e.name).sort(), [
      "streams.db",
    ]);
  });
});
