/**
 * `deno task compile [--target T | --all-targets] [--only NAME] [--dry-run]`:
 * builds `dist/rstream`, `dist/rstream-produce` and `dist/rstream-consume`
 * with least-privilege permissions baked in (see scripts/_binaries.ts).
 *
 * Without `--target` it builds for the host into `dist/`; with `--target` (or
 * `--all-targets`) into `dist/<target>/`. `deno compile` downloads the runtime
 * for each target from Deno's release host on first use, so it needs a
 * machine that can reach it. `--dry-run` prints the commands instead.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { BINARIES, compileArgs, type Target, TARGETS } from "./_binaries.ts";
import { errorLine, EXIT_USAGE, UsageError, usageErrorFrom, usageHint } from "./_cli.ts";

const USAGE =
  `Usage: deno task compile [--target TARGET]... [--all-targets] [--only NAME]... [--dry-run]
  --target TARGET  one of ${TARGETS.join(", ")} (default: the host)
  --all-targets    every target above
  --only NAME      only this binary: ${BINARIES.map((b) => b.name).join(", ")}
  --dry-run        print the deno compile commands, run nothing`;

function parse(args: string[]) {
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      target: { type: "string", multiple: true },
      "all-targets": { type: "boolean" },
      only: { type: "string", multiple: true },
      "dry-run": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  for (const target of values.target ?? []) {
    if (!(TARGETS as readonly string[]).includes(target)) {
      throw new UsageError(`unknown target '${target}': use one of ${TARGETS.join(", ")}`);
    }
  }
  for (const name of values.only ?? []) {
    if (!BINARIES.some((binary) => binary.name === name)) {
      throw new UsageError(
        `unknown binary '${name}': use one of ${BINARIES.map((b) => b.name).join(", ")}`,
      );
    }
  }
  const targets: (Target | undefined)[] = values["all-targets"]
    ? [...TARGETS]
    : values.target?.length
    ? values.target as Target[]
    : [undefined];
  const binaries = values.only?.length
    ? BINARIES.filter((binary) => values.only!.includes(binary.name))
    : BINARIES;
  return { targets, binaries, dryRun: values["dry-run"] ?? false, help: values.help ?? false };
}

async function main(args: string[]): Promise<number> {
  let options;
  try {
    options = parse(args);
  } catch (error) {
    console.error(`error: ${usageErrorFrom(error).message}\n${usageHint("compile")}`);
    return EXIT_USAGE;
  }
  if (options.help) {
    console.log(USAGE);
    return 0;
  }
  for (const target of options.targets) {
    for (const binary of options.binaries) {
      const denoArgs = compileArgs(binary, target ? { target } : {});
      console.error(`deno ${denoArgs.join(" ")}`);
      if (options.dryRun) continue;
      const { code } = await new Deno.Command("deno", { args: denoArgs }).spawn().status;
      if (code !== 0) {
        console.error(`error: compiling ${binary.name}${target ? ` for ${target}` : ""} failed`);
        return code;
      }
    }
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
