import assert from "node:assert/strict";
import {
  BINARIES,
  compileArgs,
  DATA_DIR,
  SCRIPT_PERMISSIONS,
  SCRIPT_V8_FLAGS,
  STORE_ENV,
  TARGETS,
} from "../../scripts/_binaries.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const config = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`));
const tasks: Record<string, string> = config.tasks;

/** Flags that would grant more than the binary needs. */
const BROAD =
  /^(-A|--allow-all|-[RWENS]|--allow-(read|write|env|sys|run|ffi|import)|--env-file.*)$/;

function permissionFlags(args: readonly string[]): string[] {
  return args.filter((arg) => /^(-A|-[RWENS]|--allow-|--deny-|--no-prompt|--env-file)/.test(arg));
}

Deno.test("compileArgs() bakes in scoped permissions and never -A, for every binary and target", () => {
  for (const binary of BINARIES) {
    for (const target of [undefined, ...TARGETS]) {
      const args = compileArgs(binary, target ? { target } : {});
      const flags = permissionFlags(args);
      assert.deepEqual(flags, [...binary.permissions], `${binary.name} ${target}`);
      for (const flag of flags) assert.doesNotMatch(flag, BROAD, `${binary.name}: ${flag}`);
      assert.ok(flags.includes(`--allow-read=${DATA_DIR}`));
      assert.ok(flags.includes(`--allow-write=${DATA_DIR}`));
      assert.ok(flags.includes("--allow-net"));
      assert.ok(flags.includes("--no-prompt"));
      const env = flags.find((flag) => flag.startsWith("--allow-env="))!.split("=")[1]!.split(",");
      assert.deepEqual(env.slice(0, STORE_ENV.length), [...STORE_ENV]);
      const output = args[args.indexOf("--output") + 1];
      const exe = target?.includes("windows") ? ".exe" : "";
      assert.equal(output, target ? `dist/${target}/${binary.name}${exe}` : `dist/${binary.name}`);
      assert.equal(args.at(-1), binary.entry);
    }
  }
});

Deno.test("compileArgs() gives the producer and consumer exactly the store's variables and OTEL_DENO", () => {
  for (const name of ["rstream-produce", "rstream-consume"]) {
    const binary = BINARIES.find((b) => b.name === name)!;
    assert.deepEqual(
      compileArgs(binary).filter((arg) => arg.startsWith("--v8-flags")),
      ["--v8-flags=--max-semi-space-size=2"],
    );
    assert.deepEqual(binary.permissions, [
      "--allow-net",
      "--allow-env=REDIS_URL,RSTREAM_DB,RSTREAM_TLS_CA,OTEL_DENO",
      "--allow-read=.rstream",
      "--allow-write=.rstream",
      "--no-prompt",
    ]);
  }
});

Deno.test("deno.json produce/consume tasks run with the binaries' permissions and compile with --allow-run=deno only", () => {
  for (const [task, script] of [["produce", "producer"], ["consume", "consumer"]]) {
    const words = tasks[task]!.split(/\s+/);
    assert.deepEqual(words.slice(0, 2), ["deno", "run"]);
    assert.deepEqual(permissionFlags(words), [...SCRIPT_PERMISSIONS], task);
    assert.deepEqual(words.filter((w) => w.startsWith("--v8-flags")), [...SCRIPT_V8_FLAGS], task);
    assert.equal(words.at(-1), `scripts/${script}.ts`);
  }
  const compile = tasks.compile!.split(/\s+/);
  assert.deepEqual(permissionFlags(compile), ["--allow-run=deno"]);
  for (const task of ["produce", "consume", "compile"]) {
    assert.doesNotMatch(tasks[task]!, /(^|\s)(-A|--allow-all)(\s|$)/);
  }
});

Deno.test("compile --dry-run prints one deno compile command per binary and target", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      "--allow-run=deno",
      "scripts/compile.ts",
      "--dry-run",
      "--all-targets",
    ],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0);
  const lines = new TextDecoder().decode(out.stderr).trim().split("\n");
  assert.equal(lines.length, BINARIES.length * TARGETS.length);
  assert.equal(
    lines[0],
    `deno ${compileArgs(BINARIES[0]!, { target: TARGETS[0] }).join(" ")}`,
  );
});

Deno.test("cli.ts answers --help and a one-shot command with exactly the rstream binary's permissions", async () => {
  const rstream = BINARIES.find((b) => b.name === "rstream")!;
  const cwd = await Deno.makeTempDir({ prefix: "rstream-cli-perms-" });
  try {
    const run = (args: string[]) =>
      new Deno.Command(Deno.execPath(), {
        args: ["run", "--quiet", "--config", `${ROOT}deno.json`, ...rstream.permissions]
          .concat([`${ROOT}cli.ts`, ...args]),
        cwd,
        env: { REDIS_URL: "", RSTREAM_DB: "" },
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).output();
    const help = await run(["--help"]);
    assert.equal(help.code, 0, new TextDecoder().decode(help.stderr));
    const add = await run(["add", "app:event", "sensor_id=sensor1"]);
    assert.equal(add.code, 0, new TextDecoder().decode(add.stderr));
    const len = await run(["len", "app:event"]);
    assert.equal(new TextDecoder().decode(len.stdout).trim(), "1");
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});

for (const binary of BINARIES) {
  Deno.test(`${binary.entry} module graph holds only local files and npm packages`, async () => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["info", "--json", "--config", "deno.json", binary.entry],
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    const info = JSON.parse(new TextDecoder().decode(out.stdout));
    const specifiers: string[] = info.modules.map((m: { specifier: string }) => m.specifier);
    const remote = specifiers.filter((s) => !/^(file|npm|node):/.test(s));
    assert.deepEqual(remote, []);
    for (const include of binary.include) {
      assert.ok(
        specifiers.includes(new URL(include, `file://${ROOT}`).href),
        `${include} in the graph`,
      );
    }
  });
}
