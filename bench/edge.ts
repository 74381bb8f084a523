/**
 * Part 8: the edge packages of `deno task package` — their sizes, the
 * bundles' sizes, and the packaged producer's start-up and peak memory — next
 * to what `deno compile` would add to its runtime.
 *
 * The packages are built by the package task itself (its flags read from
 * deno.json) for x86-64 and arm64 Linux. The host package is unpacked into
 * the bench's scratch directory and its `bin/rstream-produce` launcher run
 * through `/usr/bin/time -v`: start-up is spawn → first stdout line (printed
 * after Redis acknowledged the add), peak RSS the whole process's high-water
 * mark at exit. `deno compile` cannot fetch its runtime (denort) here, so the
 * compile row is the program it would embed: a `deno compile` with
 * `DENORT_BIN` set to the packaged runtime, minus that runtime's size.
 *
 * @module
 */

import denoJson from "../deno.json" with { type: "json" };
import { BINARIES, compileArgs, type Target } from "../scripts/_binaries.ts";
import { packageName } from "../scripts/_package.ts";
import { gunzip, readTar } from "../scripts/_tar.ts";
import { median, stdoutWithFirstLine } from "./_clock.ts";
import type { EdgeFigures } from "./report.ts";

export type { EdgeFigures, Target };

const ROOT = new URL("..", import.meta.url).pathname;

/**
 * The targets the bench packages.
 *
 * @example The host's first, then arm64
 * ```ts
 * import { EDGE_TARGETS } from "./edge.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(EDGE_TARGETS, ["x86_64-unknown-linux-gnu", "aarch64-unknown-linux-gnu"]);
 * ```
 */
export const EDGE_TARGETS: readonly Target[] = [
  "x86_64-unknown-linux-gnu",
  "aarch64-unknown-linux-gnu",
];

async function run(command: string, args: string[], env?: Record<string, string>) {
  const out = await new Deno.Command(command, {
    args,
    cwd: ROOT,
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(`${command} ${args.join(" ")} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
}

/** Spawns the launcher under `/usr/bin/time -v`: ms to its first stdout line and its peak RSS (MiB). */
async function timedLauncher(
  launcher: string,
  args: string[],
  options: { cwd: string; denoDir: string },
): Promise<{ firstLineMs: number; rssMb: number }> {
  const t0 = performance.now();
  const child = new Deno.Command("/usr/bin/time", {
    args: ["-v", launcher, ...args],
    cwd: options.cwd,
    clearEnv: true,
    env: { PATH: "/bin", HOME: options.cwd, DENO_DIR: options.denoDir },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  const { text, firstLineMs } = await stdoutWithFirstLine(child.stdout, t0);
  const { success } = await child.status;
  const report = await stderr;
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(report);
  if (!success || !rss || !/^message \d+-\d+ sent$/.test(text.split("\n")[0]!)) {
    throw new Error(`${launcher} ${args.join(" ")} printed ${JSON.stringify(text)}: ${report}`);
  }
  return { firstLineMs, rssMb: Number(rss[1]) / 1024 };
}

/**
 * Builds the packages, unpacks the host's into `scratch` and measures it
 * against the Redis at `url`: `runs` timed starts (after one untimed, which
 * fills the runtime's code cache as on a device after its first start) and
 * one run of `rssReadings` readings at 10,000/s.
 *
 * @example Measure against a running Redis (not run by `deno test --doc`: it builds both packages)
 * ```ts ignore
 * import { edgeFigures } from "./edge.ts";
 * import assert from "node:assert/strict";
 * const edge = await edgeFigures("redis://127.0.0.1:6379", ".rstream/bench", { runs: 1, rssReadings: 2000 });
 * assert.ok(edge.packageMb["aarch64-unknown-linux-gnu"]! > 30);
 * ```
 */
export async function edgeFigures(
  url: string,
  scratch: string,
  options: { runs: number; rssReadings: number },
): Promise<EdgeFigures> {
  const task = denoJson.tasks.package.split(/\s+/).slice(1);
  await run("deno", [...task, ...EDGE_TARGETS.flatMap((t) => ["--target", t])]);
  const packageMb: Record<string, number> = {};
  for (const target of EDGE_TARGETS) {
    const { size } = await Deno.stat(`${ROOT}dist/${packageName(denoJson.version, target)}.tar.gz`);
    packageMb[target] = size / 1e6;
  }

  const host = packageName(denoJson.version, EDGE_TARGETS[0]!);
  const root = `${scratch}/edge`;
  const tar = readTar(await gunzip(await Deno.readFile(`${ROOT}dist/${host}.tar.gz`)));
  for (const entry of tar) {
    const path = `${root}/${entry.path}`;
    if (entry.path.endsWith("/")) await Deno.mkdir(path, { recursive: true });
    else await Deno.writeFile(path, entry.data, { mode: entry.mode });
  }
  const unpacked = `${root}/${host}`;
  const bundleKb: Record<string, number> = {};
  for (const binary of BINARIES) {
    bundleKb[binary.name] = (await Deno.stat(`${unpacked}/lib/${binary.name}.js`)).size / 1e3;
  }
  const runtime = `${unpacked}/runtime/deno`;
  const runtimeBytes = (await Deno.stat(runtime)).size;

  const cwd = `${root}/cwd`;
  await Deno.mkdir(cwd);
  const launch = (args: string[]) =>
    timedLauncher(`${unpacked}/bin/rstream-produce`, ["sensor2", "--url", url, ...args], {
      cwd,
      denoDir: `${root}/deno-dir`,
    });
  await launch(["--stream", "bench:edge"]);
  const starts: number[] = [];
  for (let i = 0; i < options.runs; i++) {
    starts.push((await launch(["--stream", "bench:edge"])).firstLineMs);
  }
  const { rssMb } = await launch([
    "--stream",
    "bench:edge:rss",
    "--count",
    String(options.rssReadings),
    "--rate",
    "10000",
  ]);

  const producer = BINARIES.find((b) => b.name === "rstream-produce")!;
  const compiled = `${root}/rstream-produce-compiled`;
  const args = compileArgs(producer);
  args.splice(args.indexOf("--output") + 1, 1, compiled);
  await run("deno", args, { DENORT_BIN: runtime });
  const compilePayload = (await Deno.stat(compiled)).size - runtimeBytes;

  return {
    packageMb,
    bundleKb,
    startMs: median(starts),
    rssMb,
    rssReadings: options.rssReadings,
    runtimeMb: runtimeBytes / 1e6,
    compilePayloadMb: compilePayload / 1e6,
  };
}
