/**
 * The proof of `deno task package`: the host's package, unpacked into an
 * empty directory and run with a PATH that has no `deno`, produces, consumes
 * through a group and counts on the embedded store and on a real
 * redis-server; its launchers refuse what their permissions forbid. The
 * arm64 package, which cannot run here, is checked by its contents. Both are
 * built once for this file, by the task itself with its own permissions.
 */

import assert from "node:assert/strict";
import { BINARIES, DATA_DIR, type Target } from "../../scripts/_binaries.ts";
import { launcherFlags, packageName, RUN_FLAGS, RUNTIME_PACKAGES } from "../../scripts/_package.ts";
import { openStore } from "../../lib/open_store.ts";
import { ignoreRedis, startRedis } from "../_redis_server.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const config = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`));
const HOST: Target = "x86_64-unknown-linux-gnu";
const ARM: Target = "aarch64-unknown-linux-gnu";
const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const lines = (text: string) => text === "" ? [] : text.replace(/\n$/, "").split("\n");

/** The package task's words after `deno`, as deno.json has them. */
function taskArgs(): string[] {
  const words = (config.tasks.package as string).split(/\s+/);
  assert.deepEqual(words.slice(0, 2), ["deno", "run"]);
  return words.slice(1);
}

interface Built {
  /** Temporary directory holding the unpacked packages, PATH and working directories. */
  dir: string;
  /** Unpacked package roots by target. */
  roots: Record<string, string>;
  /** What the task printed on stdout. */
  stdout: string[];
}

let built: Promise<Built> | undefined;

/** Builds both packages once (with the task's own permissions) and unpacks them with tar. */
function build(): Promise<Built> {
  built ??= (async () => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: [...taskArgs(), "--target", HOST, "--target", ARM],
      cwd: ROOT,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 0, decode(out.stderr));
    const dir = await Deno.makeTempDir({ prefix: "rstream-package-" });
    const roots: Record<string, string> = {};
    for (const target of [HOST, ARM]) {
      const into = `${dir}/${target}`;
      await Deno.mkdir(into);
      const tar = await new Deno.Command("tar", {
        args: ["-xzf", `${ROOT}dist/${packageName(config.version, target)}.tar.gz`, "-C", into],
        stderr: "piped",
      }).output();
      assert.equal(tar.code, 0, decode(tar.stderr));
      roots[target] = `${into}/${packageName(config.version, target)}`;
    }
    // A PATH with sh and readlink only: no deno. The launchers need nothing else.
    await Deno.mkdir(`${dir}/path`);
    for (const tool of ["sh", "readlink"]) {
      await Deno.symlink(`/bin/${tool}`, `${dir}/path/${tool}`);
    }
    return { dir, roots, stdout: lines(decode(out.stdout)) };
  })();
  return built;
}

/** Runs a launcher of the host package as a person would, with a clean environment. */
async function launch(
  name: string,
  args: string[],
  options: { cwd: string; env?: Record<string, string> },
): Promise<{ code: number; stdout: string[]; stderr: string[] }> {
  const { dir, roots } = await build();
  const out = await new Deno.Command(`${roots[HOST]}/bin/${name}`, {
    args,
    cwd: options.cwd,
    clearEnv: true,
    env: { PATH: `${dir}/path`, HOME: options.cwd, DENO_DIR: `${dir}/deno-dir`, ...options.env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, stdout: lines(decode(out.stdout)), stderr: lines(decode(out.stderr)) };
}

/** A fresh, empty working directory under the test's temp dir. */
async function workDir(): Promise<string> {
  return await Deno.makeTempDir({ dir: (await build()).dir, prefix: "cwd-" });
}

Deno.test({
  name: "package task builds one .tar.gz per target, named by version and target",
  sanitizeResources: false,
  fn: async () => {
    const { stdout } = await build();
    assert.equal(stdout.length, 2);
    for (const [i, target] of [HOST, ARM].entries()) {
      const npm = `${RUNTIME_PACKAGES[target]}@${Deno.version.deno}`;
      assert.match(
        stdout[i]!,
        new RegExp(
          `^dist/${packageName(config.version, target)}\\.tar\\.gz \\d+\\.\\d MB \\(${npm}\\)$`,
        ),
      );
    }
  },
});

Deno.test("deno.json package task runs with --allow-run=deno,npm and files only under dist", () => {
  assert.deepEqual(taskArgs(), [
    "run",
    "--no-prompt",
    "--allow-run=deno,npm",
    "--allow-read=dist",
    "--allow-write=dist",
    "scripts/package.ts",
  ]);
});

Deno.test("package task refuses a Windows target with the reason and exit 2", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [...taskArgs(), "--target", "x86_64-pc-windows-msvc"],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 2);
  assert.equal(
    lines(decode(out.stderr))[0],
    "error: no package for 'x86_64-pc-windows-msvc': the launchers are POSIX sh; use deno task compile --target x86_64-pc-windows-msvc",
  );
});

Deno.test({
  name: "the test PATH finds no deno",
  sanitizeResources: false,
  fn: async () => {
    const { dir } = await build();
    const out = await new Deno.Command("/bin/sh", {
      args: ["-c", "command -v deno"],
      clearEnv: true,
      env: { PATH: `${dir}/path` },
      stdout: "piped",
    }).output();
    assert.notEqual(out.code, 0); // dash says 127, bash 1: not found either way
    assert.equal(decode(out.stdout), "");
  },
});

Deno.test({
  name: "package launchers run exactly the compiled binaries' permissions on the packaged runtime",
  sanitizeResources: false,
  fn: async () => {
    const { roots } = await build();
    for (const binary of BINARIES) {
      const text = await Deno.readTextFile(`${roots[HOST]}/bin/${binary.name}`);
      assert.deepEqual(
        launcherFlags(text),
        [...RUN_FLAGS, ...binary.runtimeFlags, ...binary.permissions],
        binary.name,
      );
      assert.ok(text.includes(`exec "$root/runtime/deno" run `));
      assert.ok(text.trimEnd().endsWith(`"$root/lib/${binary.name}.js" "$@"`));
      assert.equal((await Deno.stat(`${roots[HOST]}/bin/${binary.name}`)).mode! & 0o777, 0o755);
    }
  },
});

Deno.test({
  name: "package files all match SHA256SUMS and VERSION records the runtime's npm integrity",
  sanitizeResources: false,
  fn: async () => {
    const { roots } = await build();
    for (const target of [HOST, ARM]) {
      const check = await new Deno.Command("sha256sum", {
        args: ["--check", "--strict", "SHA256SUMS"],
        cwd: roots[target],
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.equal(check.code, 0, decode(check.stdout) + decode(check.stderr));
      const checked = lines(decode(check.stdout)).map((line) => line.replace(/: OK$/, ""));
      assert.deepEqual(checked, [
        "README.md",
        "VERSION",
        "bin/rstream",
        "bin/rstream-consume",
        "bin/rstream-produce",
        "lib/rstream-consume.js",
        "lib/rstream-produce.js",
        "lib/rstream.js",
        "runtime/deno",
        "systemd/rstream-consume@.service",
        "systemd/rstream-produce@.service",
      ]);
      const version = lines(await Deno.readTextFile(`${roots[target]}/VERSION`));
      assert.deepEqual(version.slice(0, 3), [
        `rstream ${config.version}`,
        `target ${target}`,
        `runtime ${RUNTIME_PACKAGES[target]}@${Deno.version.deno}`,
      ]);
      assert.match(version[3]!, /^runtime-integrity sha512-[A-Za-z0-9+/]{86}==$/);
      const sums = await Deno.readTextFile(`${roots[target]}/SHA256SUMS`);
      const runtimeSum = /^([0-9a-f]{64}) {2}runtime\/deno$/m.exec(sums)![1];
      assert.equal(version[4], `runtime-sha256 ${runtimeSum}`);
      assert.equal(version[5], `bundled-by deno ${Deno.version.deno}`);
    }
  },
});

/** ELF class, byte order and machine of a runtime binary. */
async function elfHeader(path: string): Promise<{ magic: string; machine: number }> {
  using file = await Deno.open(path);
  const head = new Uint8Array(20);
  assert.equal(await file.read(head), 20);
  const magic = `${decode(head.subarray(1, 4))} class ${head[4]} data ${head[5]}`;
  return { magic, machine: head[18]! | head[19]! << 8 };
}

Deno.test({
  name:
    "arm64 package holds an aarch64 ELF runtime and the host package's bundles, launchers and units",
  sanitizeResources: false,
  fn: async () => {
    const { roots } = await build();
    assert.deepEqual(await elfHeader(`${roots[ARM]}/runtime/deno`), {
      magic: "ELF class 2 data 1", // 64-bit, little-endian
      machine: 183, // EM_AARCH64
    });
    assert.deepEqual(await elfHeader(`${roots[HOST]}/runtime/deno`), {
      magic: "ELF class 2 data 1",
      machine: 62, // EM_X86_64
    });
    const same = [
      ...BINARIES.flatMap((b) => [`lib/${b.name}.js`, `bin/${b.name}`]),
      "systemd/rstream-produce@.service",
      "systemd/rstream-consume@.service",
    ];
    for (const path of same) {
      assert.deepEqual(
        await Deno.readFile(`${roots[ARM]}/${path}`),
        await Deno.readFile(`${roots[HOST]}/${path}`),
        path,
      );
    }
  },
});

Deno.test({
  name:
    "package units run the launcher from their state directory, restart always and read REDIS_URL from an env file",
  sanitizeResources: false,
  fn: async () => {
    const { roots } = await build();
    for (const kind of ["produce", "consume"]) {
      const unit = await Deno.readTextFile(`${roots[HOST]}/systemd/rstream-${kind}@.service`);
      const values = (key: string) =>
        lines(unit).filter((l) => l.startsWith(`${key}=`)).map((l) => l.slice(key.length + 1));
      assert.deepEqual(values("DynamicUser"), ["yes"]);
      assert.deepEqual(values("StateDirectory"), [`rstream-${kind}/%i`]);
      assert.deepEqual(values("WorkingDirectory"), [`%S/rstream-${kind}/%i`]);
      assert.deepEqual(values("Restart"), ["always"]);
      assert.equal(values("EnvironmentFile").length, 1);
      assert.match(values("ExecStart")[0]!, new RegExp(`^/opt/rstream/bin/rstream-${kind} `));
    }
    const produce = await Deno.readTextFile(`${roots[HOST]}/systemd/rstream-produce@.service`);
    assert.match(produce, new RegExp(`--spool ${DATA_DIR}/spool\\.db `));
  },
});

/** Whether a command runs here (`systemd-analyze`, `unshare -n`), else why not. */
async function unavailable(command: string, args: string[]): Promise<string | undefined> {
  try {
    const out = await new Deno.Command(command, { args, stdout: "null", stderr: "null" }).output();
    return out.success ? undefined : `${command} ${args.join(" ")} fails here`;
  } catch {
    return `${command} is not on PATH`;
  }
}

const noSystemdAnalyze = await unavailable("systemd-analyze", ["--version"]);
const noNetns = await unavailable("unshare", ["-n", "true"]);
if (noSystemdAnalyze) {
  console.error(`ignoring the units' systemd-analyze test: ${noSystemdAnalyze}`);
}
if (noNetns) console.error(`ignoring the offline build test: ${noNetns}`);

Deno.test({
  name: "package units pass systemd-analyze verify with ExecStart in the unpacked package",
  ignore: noSystemdAnalyze !== undefined,
  sanitizeResources: false,
  fn: async () => {
    const { roots, dir } = await build();
    for (const kind of ["produce", "consume"]) {
      const unit = await Deno.readTextFile(`${roots[HOST]}/systemd/rstream-${kind}@.service`);
      const path = `${dir}/rstream-${kind}@sensor2.service`;
      await Deno.writeTextFile(path, unit.replaceAll("/opt/rstream/", `${roots[HOST]}/`));
      const out = await new Deno.Command("systemd-analyze", {
        args: ["verify", path],
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.deepEqual([out.code, decode(out.stdout), decode(out.stderr)], [0, "", ""], kind);
    }
  },
});

Deno.test({
  name: "package task builds with no network at all once the npm and deno caches are warm",
  ignore: noNetns !== undefined,
  sanitizeResources: false,
  fn: async () => {
    await build(); // warms both caches, as the documented first run does
    const out = await new Deno.Command("unshare", {
      args: ["-n", Deno.execPath(), ...taskArgs(), "--target", HOST, "--offline"],
      cwd: ROOT,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 0, decode(out.stderr));
    assert.match(
      decode(out.stdout),
      new RegExp(
        `^dist/${packageName(config.version, HOST)}\\.tar\\.gz \\d+\\.\\d MB \\(${
          RUNTIME_PACKAGES[HOST]
        }@${Deno.version.deno}\\)\n$`,
      ),
    );
    assert.deepEqual(lines(decode(out.stderr)), [
      "bundling cli.ts",
      "bundling scripts/producer.ts",
      "bundling scripts/consumer.ts",
      `fetching ${RUNTIME_PACKAGES[HOST]}@${Deno.version.deno} from npm's cache`,
    ]);
  },
});

const message = /^message (\d+-\d+) sent$/;

for (const backend of ["embedded", "redis"] as const) {
  Deno.test({
    name:
      `package bin/rstream-produce, bin/rstream-consume and bin/rstream len work with no deno on PATH [${backend}]`,
    ignore: backend === "redis" && ignoreRedis,
    sanitizeResources: false,
    fn: async () => {
      await using redis = backend === "redis" ? await startRedis() : undefined;
      const cwd = await workDir();
      const env: Record<string, string> = redis ? { REDIS_URL: redis.url } : {};
      // Through a symlink, as /usr/local/bin/rstream-produce would be.
      const { roots, dir } = await build();
      const link = `${dir}/rstream-produce-link-${backend}`;
      await Deno.symlink(`${roots[HOST]}/bin/rstream-produce`, link);
      const produced = await new Deno.Command(link, {
        args: ["sensor2", "--count", "3"],
        cwd,
        clearEnv: true,
        env: { PATH: `${dir}/path`, HOME: cwd, DENO_DIR: `${dir}/deno-dir`, ...env },
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.equal(produced.code, 0, decode(produced.stderr));
      const sent = lines(decode(produced.stdout));
      assert.equal(sent.length, 3);
      const ids = sent.map((line) => message.exec(line)?.[1]);
      assert.ok(ids.every((id) => id !== undefined), sent.join("\n"));

      await using store = await openStore(redis?.url ?? `file:${cwd}/${DATA_DIR}/streams.db`);
      const entries = await store.range("app:event");
      assert.deepEqual(entries.map((e) => e.id), ids);
      for (const entry of entries) {
        assert.deepEqual(Object.keys(entry.fields), ["sensor_id", "temp", "humidity"]);
        assert.equal(entry.fields.sensor_id, "sensor2");
      }

      const consumed = await launch(
        "rstream-consume",
        ["workers", "c1", "--start-from", "0", "--max", "3", "--block", "100"],
        { cwd, env },
      );
      assert.equal(consumed.code, 0, consumed.stderr.join("\n"));
      assert.deepEqual(
        consumed.stdout,
        [
          "Reading stream...",
          ...entries.flatMap((e) => [
            `processing ${e.id} ${JSON.stringify(e.fields)}`,
            `finished processing ${e.id}`,
          ]),
        ],
      );
      assert.deepEqual(consumed.stderr, ["created group workers on app:event starting at 0"]);
      assert.equal((await store.pendingSummary("app:event", "workers")).count, 0);

      const len = await launch("rstream", ["len", "app:event"], { cwd, env });
      assert.deepEqual([len.code, len.stdout, len.stderr], [0, ["3"], []]);
      if (backend === "embedded") {
        assert.deepEqual([...Deno.readDirSync(cwd)].map((e) => e.name), [DATA_DIR]);
      }
    },
  });
}

/** What the store's permission error advises, for a program limited to .rstream/. */
const ADVICE =
  "the rstream binaries and the produce/consume tasks may read and write only .rstream/ under the working directory: set RSTREAM_DB (or --url file:PATH) to a file there such as .rstream/streams.db, or run from source with --allow-read and --allow-write for the store's directory";

Deno.test({
  name: "package bin/rstream-produce refuses a store file outside .rstream/ with one error line",
  sanitizeResources: false,
  fn: async () => {
    const cwd = await workDir();
    const outside = `${cwd}-outside`;
    const out = await launch("rstream-produce", ["sensor2"], {
      cwd,
      env: { RSTREAM_DB: `${outside}/streams.db` },
    });
    assert.deepEqual([out.code, out.stdout, out.stderr], [1, [], [
      `error: Cannot use the embedded store file:${outside}/streams.db: this program may not use that path (Requires read access to "${outside}/streams.db"); ${ADVICE}`,
    ]]);
    await assert.rejects(Deno.stat(outside), Deno.errors.NotFound);
  },
});

Deno.test({
  name: "package bin/rstream-produce refuses a spool outside .rstream/ with one error line",
  sanitizeResources: false,
  fn: async () => {
    const cwd = await workDir();
    const out = await launch("rstream-produce", [
      "sensor2",
      "--spool",
      "/var/tmp/rstream-package-test/spool.db",
    ], { cwd, env: { REDIS_URL: "redis://127.0.0.1:1" } });
    assert.deepEqual([out.code, out.stdout], [1, []]);
    assert.deepEqual(out.stderr, [
      `error: Cannot use the embedded store file:/var/tmp/rstream-package-test/spool.db: this program may not use that path (Requires read access to "/var/tmp/rstream-package-test/spool.db"); ${ADVICE}`,
    ]);
    await assert.rejects(Deno.stat("/var/tmp/rstream-package-test"), Deno.errors.NotFound);
  },
});

Deno.test({
  name: "package temp dir is removed after the tests",
  sanitizeResources: false,
  fn: async () => {
    const { dir } = await build();
    await Deno.remove(dir, { recursive: true });
    await assert.rejects(Deno.stat(dir), Deno.errors.NotFound);
  },
});
