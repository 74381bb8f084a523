/**
 * `deno task package [--target T]… [--all-targets] [--deno-version V] [--offline]`:
 * builds `dist/rstream-<version>-<target>.tar.gz`, an edge package that runs
 * without `deno` installed: one `deno bundle` per program, the Deno runtime
 * for the target from its npm package (`@deno/linux-x64-glibc`, …, fetched
 * with `npm pack`, so from npm's cache once it is warm), POSIX sh launchers
 * with exactly the compiled binaries' permissions (scripts/_binaries.ts),
 * systemd units, VERSION, SHA256SUMS and a README. See docs/edge.md.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { BINARIES, type Target } from "./_binaries.ts";
import {
  bundlePath,
  hasSystemd,
  launcher,
  PACKAGE_TARGETS,
  packageName,
  packageReadme,
  RUNTIME_PACKAGES,
  sha256sums,
  systemdUnits,
  versionFile,
} from "./_package.ts";
import { gunzip, gzip, readTar, type TarEntry, writeTar } from "./_tar.ts";
import { errorLine, EXIT_USAGE, UsageError, usageErrorFrom } from "./_cli.ts";
import config from "../deno.json" with { type: "json" };

const HOST = Deno.build.target as Target;
const WORK = "dist/.package";

const USAGE =
  `Usage: deno task package [--target TARGET]... [--all-targets] [--deno-version V] [--offline]
  --target TARGET    one of ${PACKAGE_TARGETS.join(", ")} (default: the host)
  --all-targets      every target above
  --deno-version V   the runtime's npm version (default ${Deno.version.deno}, the deno bundling;
                     an npm range such as 2.9 or 2 takes the newest match)
  --offline          take the runtime only from npm's cache (npm --offline)`;

function parse(args: string[]) {
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      target: { type: "string", multiple: true },
      "all-targets": { type: "boolean" },
      "deno-version": { type: "string" },
      offline: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  for (const target of values.target ?? []) {
    if (!(PACKAGE_TARGETS as string[]).includes(target)) {
      throw new UsageError(
        target.includes("windows")
          ? `no package for '${target}': the launchers are POSIX sh; use deno task compile --target ${target}`
          : `unknown target '${target}': use one of ${PACKAGE_TARGETS.join(", ")}`,
      );
    }
  }
  const version = values["deno-version"] ?? Deno.version.deno;
  if (!/^2(\.\d+){0,2}$/.test(version)) {
    throw new UsageError(`--deno-version must be 2, 2.N or 2.N.N, got '${version}'`);
  }
  const targets: Target[] = values["all-targets"]
    ? [...PACKAGE_TARGETS]
    : values.target?.length
    ? [...new Set(values.target as Target[])]
    : [HOST];
  return {
    targets,
    denoVersion: version,
    offline: values.offline ?? false,
    help: values.help ?? false,
  };
}

async function run(command: string, args: string[], cwd?: string): Promise<string> {
  const out = await new Deno.Command(command, {
    args,
    cwd,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    const stderr = new TextDecoder().decode(out.stderr).trim();
    throw new Error(`${command} ${args.join(" ")} failed (exit ${out.code}):\n${stderr}`);
  }
  return new TextDecoder().decode(out.stdout);
}

async function sha(algorithm: "SHA-256" | "SHA-512", data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(
    await crypto.subtle.digest(algorithm, data as Uint8Array<ArrayBuffer>),
  );
}

const hex = (bytes: Uint8Array) =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
const base64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));

/** Bundles every program once; every target's package gets the same bytes. */
async function bundleAll(): Promise<Map<string, Uint8Array>> {
  await Deno.mkdir(`${WORK}/bundles`, { recursive: true });
  const bundles = new Map<string, Uint8Array>();
  for (const binary of BINARIES) {
    const output = `${WORK}/bundles/${binary.name}.js`;
    console.error(`bundling ${binary.entry}`);
    await run("deno", [
      "bundle",
      "--quiet",
      "--config",
      "deno.json",
      "--frozen-lockfile",
      "--platform",
      "deno",
      "--output",
      output,
      binary.entry,
    ]);
    bundles.set(binary.name, await Deno.readFile(output));
  }
  return bundles;
}

interface Runtime {
  id: string;
  integrity: string;
  binary: Uint8Array;
}

/** `npm pack` the runtime's package (from npm's cache when it is there) and take `deno` out of it. */
async function fetchRuntime(target: Target, denoVersion: string, offline: boolean) {
  const name = RUNTIME_PACKAGES[target]!;
  const dir = `${WORK}/npm`;
  await Deno.mkdir(dir, { recursive: true });
  console.error(`fetching ${name}@${denoVersion}${offline ? " from npm's cache" : ""}`);
  const [packed] = JSON.parse(
    await run("npm", [
      "pack",
      `${name}@${denoVersion}`,
      offline ? "--offline" : "--prefer-offline",
      "--json",
      "--pack-destination",
      ".",
      "--loglevel",
      "error",
    ], dir),
  ) as { id: string; filename: string; integrity: string }[];
  if (!packed) throw new Error(`npm pack ${name}@${denoVersion} packed nothing`);
  const tgz = await Deno.readFile(`${dir}/${packed.filename}`);
  const integrity = `sha512-${base64(await sha("SHA-512", tgz))}`;
  if (integrity !== packed.integrity) {
    throw new Error(
      `${packed.filename}: integrity ${integrity} is not npm's ${packed.integrity}; delete it and run again`,
    );
  }
  const entry = readTar(await gunzip(tgz)).find((e) => e.path === "package/deno");
  if (!entry) throw new Error(`${packed.filename} has no package/deno`);
  await Deno.remove(`${dir}/${packed.filename}`);
  return { id: packed.id, integrity, binary: entry.data } satisfies Runtime;
}

async function buildPackage(
  target: Target,
  runtime: Runtime,
  bundles: Map<string, Uint8Array>,
): Promise<{ path: string; bytes: number }> {
  const version = config.version;
  const root = packageName(version, target);
  const text = (s: string) => new TextEncoder().encode(s);
  const files: Required<TarEntry>[] = [
    { path: "runtime/deno", data: runtime.binary, mode: 0o755 },
    { path: "README.md", data: text(packageReadme(version, target, runtime.id)), mode: 0o644 },
  ];
  for (const binary of BINARIES) {
    files.push({ path: bundlePath(binary), data: bundles.get(binary.name)!, mode: 0o644 });
    files.push({ path: `bin/${binary.name}`, data: text(launcher(binary, version)), mode: 0o755 });
  }
  for (const [name, unit] of Object.entries(hasSystemd(target) ? systemdUnits() : {})) {
    files.push({ path: `systemd/${name}`, data: text(unit), mode: 0o644 });
  }
  const runtimeSha256 = hex(await sha("SHA-256", runtime.binary));
  files.push({
    path: "VERSION",
    data: text(versionFile({
      version,
      target,
      runtime: runtime.id,
      integrity: runtime.integrity,
      runtimeSha256,
      bundledBy: Deno.version.deno,
    })),
    mode: 0o644,
  });
  const sums: Record<string, string> = {};
  for (const file of files) sums[file.path] = hex(await sha("SHA-256", file.data));
  files.push({ path: "SHA256SUMS", data: text(sha256sums(sums)), mode: 0o644 });
  files.sort((a, b) => a.path < b.path ? -1 : 1);
  const dirs = [...new Set(files.map((f) => f.path.split("/").slice(0, -1).join("/")))]
    .filter((d) => d !== "").sort();
  const entries: TarEntry[] = [
    { path: `${root}/` },
    ...dirs.map((d) => ({ path: `${root}/${d}/` })),
    ...files.map((f) => ({ ...f, path: `${root}/${f.path}` })),
  ];
  const tarGz = await gzip(writeTar(entries, { mtime: Math.floor(Date.now() / 1000) }));
  const path = `dist/${root}.tar.gz`;
  await Deno.writeFile(path, tarGz);
  return { path, bytes: tarGz.length };
}

async function main(args: string[]): Promise<number> {
  let options;
  try {
    options = parse(args);
  } catch (error) {
    console.error(`error: ${usageErrorFrom(error).message}\n${USAGE}`);
    return EXIT_USAGE;
  }
  if (options.help) {
    console.log(USAGE);
    return 0;
  }
  const bundles = await bundleAll();
  for (const target of options.targets) {
    const runtime = await fetchRuntime(target, options.denoVersion, options.offline);
    const built = await buildPackage(target, runtime, bundles);
    console.log(`${built.path} ${(built.bytes / 1e6).toFixed(1)} MB (${runtime.id})`);
  }
  return 0;
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args));
  } catch (error) {
    console.error(errorLine(error));
    Deno.exit(1);
  }
}
