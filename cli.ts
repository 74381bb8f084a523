/**
 * The rstream command line: `rstream [--url URL] [--json] [--no-color] COMMAND ARGS…`
 * runs one command; without a command it opens the shell on a terminal, or
 * runs the lines piped on stdin one after another.
 *
 * @example One command, then the shell
 * ```sh
 * deno task start add app:event sensor_id=sensor2 temp=0.42
 * deno task start --url redis://127.0.0.1:6379
 * ```
 *
 * @module
 */

import { Command, CommanderError } from "commander";
import denoJson from "./deno.json" with { type: "json" };
import { writerOf } from "./lib/shell/context.ts";
import { main } from "./lib/shell/main.ts";
import { commandList } from "./lib/shell/registry.ts";

/** Parses the global options and runs the CLI; returns the exit code. */
export async function cli(argv: string[]): Promise<number> {
  if (argv[0] === "serve") {
    // The RESP server has its own options; loaded only when used.
    const { serveMain } = await import("./lib/serve/main.ts");
    return await serveMain(argv.slice(1));
  }
  let parsed: { url?: string; json?: boolean; color?: boolean; words: string[] } | undefined;
  const program = new Command("rstream")
    .description("Redis Streams from the command line: one command, a piped script, or a shell")
    .usage("[--url URL] [--json] [--no-color] [COMMAND ARGS…]")
    .option(
      "--url <URL>",
      "redis://, rediss://, file:PATH or memory: (default: REDIS_URL, else the embedded store)",
    )
    .option("--json", "print JSON (entries: one object per line)")
    .option("--no-color", "no colors")
    .version(denoJson.version, "--version", "print the version")
    .helpOption("-h, --help", "show this help")
    .argument("[command...]", "a command and its arguments; none: the shell, or stdin lines")
    .passThroughOptions()
    .exitOverride()
    .configureOutput({
      writeOut: (text) => writerOf(Deno.stdout).write(text),
      writeErr: (text) => writerOf(Deno.stderr).write(text),
      // No env reads (FORCE_COLOR, CLICOLOR_FORCE) outside the task's --allow-env.
      getOutHasColors: () => false,
      getErrHasColors: () => false,
    })
    .addHelpText("after", () => `\nCommands:\n${commandList(false)}`)
    .action((words: string[], options: { url?: string; json?: boolean; color?: boolean }) => {
      parsed = { ...options, words };
    });
  try {
    program.parse(argv, { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    throw error;
  }
  return await main(parsed!);
}

if (import.meta.main) {
  Deno.exit(await cli(Deno.args));
}
