/**
 * The rstream command line: `rstream [OPTIONS] COMMAND ARGS…` runs one
 * command; without a command it opens the shell on a terminal, or runs the
 * lines piped on stdin one after another. The connection flags are
 * redis-cli's: `-u URL`, `-h HOST`, `-p PORT`, `-a PASSWORD` (or
 * `REDISCLI_AUTH`), `--user`, `-n DB`, `--tls`, `--cacert FILE`.
 *
 * Exit codes: 0 success, 1 a failure (server error, missing stream…),
 * 2 a usage error (bad flag, bad arguments).
 *
 * @example One command, then the shell
 * ```sh
 * deno task start add app:event sensor_id=sensor2 temp=0.42
 * deno task start -h 127.0.0.1 -p 6379 len app:event
 * deno task start --url redis://127.0.0.1:6379
 * ```
 *
 * @module
 */

import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import denoJson from "./deno.json" with { type: "json" };
import { writerOf } from "./lib/shell/context.ts";
import type { MainOptions } from "./lib/shell/main.ts";

/** Exit code of a usage error (bad flags or arguments), as in the scripts. */
export const EXIT_USAGE = 2;

function intIn(min: number, max: number, what: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value) || n < min || n > max) {
      throw new InvalidArgumentError(`expected ${what}`);
    }
    return n;
  };
}

function seconds(value: string): number {
  if (!/^(\d+\.?\d*|\.\d+)$/.test(value)) {
    throw new InvalidArgumentError("expected seconds, as in 1 or 0.5");
  }
  return Number(value);
}

interface GlobalOptions {
  url?: string;
  host?: string;
  port?: number;
  pass?: string;
  user?: string;
  db?: number;
  tls?: boolean;
  cacert?: string;
  json?: boolean;
  csv?: boolean;
  raw?: boolean;
  color?: boolean;
  repeat?: number;
  interval?: number;
}

function jsonErrorLine(message: string): string {
  return JSON.stringify({ error: message }) + "\n";
}

/** Parses the global options and runs the CLI; returns the exit code. */
export async function cli(argv: string[]): Promise<number> {
  let parsed: { options: GlobalOptions; words: string[] } | undefined;
  const err = writerOf(Deno.stderr);
  const wantsJson = argv.includes("--json");
  // The command list is loaded only for --help: a one-shot command loads what it runs.
  const commands = argv.includes("--help")
    ? (await import("./lib/shell/registry.ts")).commandList(false)
    : "";
  const program = new Command("rstream")
    .description("Redis Streams from the command line: one command, a piped script, or a shell")
    .usage("[-u URL | -h HOST -p PORT -a PASSWORD …] [--json|--csv|--raw] [COMMAND ARGS…]")
    .addOption(
      new Option(
        "-u, --url <URL>",
        "redis://, rediss://, file:PATH or memory: (default: REDIS_URL, else the embedded store)",
      ),
    )
    .addOption(new Option("-h, --host <HOST>", "Redis host (default 127.0.0.1)"))
    .addOption(
      new Option("-p, --port <PORT>", "Redis port (default 6379)").argParser(
        intIn(1, 65535, "a port 1..65535"),
      ),
    )
    .addOption(new Option("-a, --pass <PASSWORD>", "Redis password (else REDISCLI_AUTH)"))
    .addOption(new Option("--user <USER>", "Redis ACL user"))
    .addOption(
      new Option("-n, --db <DB>", "Redis database number").argParser(
        intIn(0, 2 ** 31 - 1, "a database number"),
      ),
    )
    .addOption(new Option("--tls", "connect with TLS (rediss://)"))
    .addOption(new Option("--cacert <FILE>", "CA certificate file for --tls"))
    .option("--json", "print JSON (entries: one object per line; errors: one object on stderr)")
    .option("--csv", "print comma-separated values")
    .option("--raw", "print plain lines even on a terminal (no tables, no quotes)")
    .option("--no-color", "no colors")
    .addOption(
      new Option("-r, --repeat <N>", "run the command N times (-1: until Ctrl-C)").argParser(
        (value) => {
          if (value === "-1") return -1;
          return intIn(1, Number.MAX_SAFE_INTEGER, "a count >= 1, or -1 for forever")(value);
        },
      ),
    )
    .addOption(
      new Option("-i, --interval <SECONDS>", "wait SECONDS between repeats (with -r)").argParser(
        seconds,
      ),
    )
    .version(denoJson.version, "--version", "print the version")
    .helpOption("--help", "show this help")
    .argument("[command...]", "a command and its arguments; none: the shell, or stdin lines")
    .passThroughOptions()
    .showHelpAfterError("(rstream --help lists the options)")
    .exitOverride()
    .configureOutput({
      writeOut: (text) => writerOf(Deno.stdout).write(text),
      writeErr: (text) => wantsJson ? undefined : err.write(text),
      outputError: (text, write) =>
        wantsJson ? err.write(jsonErrorLine(text.replace(/^error: /, "").trim())) : write(text),
      // No env reads (FORCE_COLOR, CLICOLOR_FORCE) outside the task's --allow-env.
      getOutHasColors: () => false,
      getErrHasColors: () => false,
    })
    .addHelpText("after", () => `\nCommands:\n${commands}`)
    .action((words: string[], options: GlobalOptions) => {
      parsed = { options, words };
    });
  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    throw error;
  }
  const { options, words } = parsed!;
  const { connectionUrl } = await import("./lib/shell/connection_flags.ts");
  const { readEnv } = await import("./lib/open_store.ts");
  let url: string | undefined;
  try {
    const formats = [options.json, options.csv, options.raw].filter(Boolean).length;
    if (formats > 1) throw new TypeError("give one of --json, --csv and --raw");
    if (options.interval !== undefined && options.repeat === undefined) {
      throw new TypeError("-i SECONDS needs -r N (repeat the command N times)");
    }
    if (options.repeat !== undefined && words.length === 0) {
      throw new TypeError(
        "-r N repeats a command: give one, as in rstream -r 5 -i 1 len app:event",
      );
    }
    if (options.cacert !== undefined && !options.tls && !/^rediss:/i.test(options.url ?? "")) {
      throw new TypeError("--cacert FILE needs --tls (or a rediss:// URL)");
    }
    const hasRedisFlags = options.host !== undefined || options.port !== undefined ||
      options.pass !== undefined || options.user !== undefined || options.db !== undefined ||
      options.tls === true || options.url !== undefined;
    url = connectionUrl(
      {
        ...(options.url !== undefined ? { url: options.url } : {}),
        ...(options.host !== undefined ? { host: options.host } : {}),
        ...(options.port !== undefined ? { port: options.port } : {}),
        ...(options.pass !== undefined ? { password: options.pass } : {}),
        ...(options.user !== undefined ? { user: options.user } : {}),
        ...(options.db !== undefined ? { db: options.db } : {}),
        ...(options.tls ? { tls: true } : {}),
      },
      hasRedisFlags ? readEnv("REDISCLI_AUTH") : undefined,
    );
  } catch (error) {
    const message = (error as Error).message;
    err.write(
      options.json ? jsonErrorLine(message) : `error: ${message} (usage: rstream --help)\n`,
    );
    return EXIT_USAGE;
  }
  const mainOptions: MainOptions = {
    ...(url !== undefined ? { url } : {}),
    ...(options.cacert !== undefined ? { caFile: options.cacert } : {}),
    format: options.json ? "json" : options.csv ? "csv" : options.raw ? "plain" : undefined,
    ...(options.color === false ? { color: false } : {}),
    ...(options.repeat !== undefined ? { repeat: options.repeat } : {}),
    ...(options.interval !== undefined ? { intervalMs: options.interval * 1000 } : {}),
    words,
  };
  const { main } = await import("./lib/shell/main.ts");
  return await main(mainOptions);
}

if (import.meta.main) {
  Deno.exit(await cli(Deno.args));
}
