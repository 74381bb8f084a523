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

import { writerOf } from "./lib/shell/context.ts";
import type { MainOptions } from "./lib/shell/main.ts";

/**
 * Exit code of a usage error (bad flags or arguments), as in the scripts;
 * failures exit 1.
 *
 * @example A bad flag exits 2
 * ```ts
 * import { cli, EXIT_USAGE } from "./cli.ts";
 * import assert from "node:assert/strict";
 * assert.equal(EXIT_USAGE, 2);
 * assert.equal(await cli(["--json", "-p", "not-a-port", "len", "s"]), EXIT_USAGE);
 * ```
 */
export const EXIT_USAGE = 2;

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

function intIn(value: string, min: number, max: number): number | undefined {
  const n = Number(value);
  return /^-?\d+$/.test(value) && n >= min && n <= max ? n : undefined;
}

const PARSE: Record<string, (value: string) => number | undefined> = {
  port: (value) => intIn(value, 1, 65535),
  db: (value) => intIn(value, 0, 2 ** 31 - 1),
  repeat: (value) => value === "-1" ? -1 : intIn(value, 1, Number.MAX_SAFE_INTEGER),
  interval: (value) => /^(\d+\.?\d*|\.\d+)$/.test(value) ? Number(value) : undefined,
};

const VALUED: Record<string, keyof GlobalOptions> = {
  "-u": "url",
  "--url": "url",
  "-h": "host",
  "--host": "host",
  "-p": "port",
  "--port": "port",
  "-a": "pass",
  "--pass": "pass",
  "--user": "user",
  "-n": "db",
  "--db": "db",
  "--cacert": "cacert",
  "-r": "repeat",
  "--repeat": "repeat",
  "-i": "interval",
  "--interval": "interval",
};

const FLAGS: Record<string, [keyof GlobalOptions, boolean]> = {
  "--tls": ["tls", true],
  "--json": ["json", true],
  "--csv": ["csv", true],
  "--raw": ["raw", true],
  "--no-color": ["color", false],
};

/**
 * The global options parsed by hand when they are plainly valid, so a
 * one-shot command loads no npm package; `undefined` for anything else
 * (`--help`, `--version`, a bad or unknown flag), which commander handles.
 */
function quickGlobals(argv: string[]): { options: GlobalOptions; words: string[] } | undefined {
  const options: Record<string, unknown> = {};
  let i = 0;
  for (; i < argv.length && argv[i].startsWith("-"); i++) {
    const word = argv[i];
    const flag = FLAGS[word];
    if (flag) {
      options[flag[0]] = flag[1];
      continue;
    }
    const name = VALUED[word];
    const value = argv[i + 1];
    if (!name || value === undefined) return undefined;
    const parse = PARSE[name];
    const parsed = parse ? parse(value) : value;
    if (parsed === undefined) return undefined;
    options[name] = parsed;
    i++;
  }
  return { options: options as GlobalOptions, words: argv.slice(i) };
}

async function parseWithCommander(
  argv: string[],
  err: { write(text: string): void },
): Promise<{ options: GlobalOptions; words: string[] } | number> {
  const [{ Command, CommanderError, InvalidArgumentError, Option }, { default: denoJson }] =
    await Promise.all([
      import("commander"),
      import("./deno.json", { with: { type: "json" } }),
    ]);
  const checked = (name: string, what: string) => (value: string): number => {
    const n = PARSE[name](value);
    if (n === undefined) throw new InvalidArgumentError(`expected ${what}`);
    return n;
  };
  let parsed: { options: GlobalOptions; words: string[] } | undefined;
  const wantsJson = argv.includes("--json");
  // The command list is loaded only for --help.
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
        checked("port", "a port 1..65535"),
      ),
    )
    .addOption(new Option("-a, --pass <PASSWORD>", "Redis password (else REDISCLI_AUTH)"))
    .addOption(new Option("--user <USER>", "Redis ACL user"))
    .addOption(
      new Option("-n, --db <DB>", "Redis database number").argParser(
        checked("db", "a database number"),
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
        checked("repeat", "a count >= 1, or -1 for forever"),
      ),
    )
    .addOption(
      new Option("-i, --interval <SECONDS>", "wait SECONDS between repeats (with -r)").argParser(
        checked("interval", "seconds, as in 1 or 0.5"),
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
    .addHelpText(
      "after",
      () => `\nCommands:\n${commands}\nExit codes: 0 success, 1 a failure, 2 a usage error.\n`,
    )
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
  return parsed!;
}

/** Parses the global options and runs the CLI; returns the exit code. */
export async function cli(argv: string[]): Promise<number> {
  if (argv[0] === "serve") {
    // The RESP server has its own options; loaded only when used.
    const { serveMain } = await import("./lib/serve/main.ts");
    return await serveMain(argv.slice(1));
  }
  const err = writerOf(Deno.stderr);
  const parsed = quickGlobals(argv) ?? await parseWithCommander(argv, err);
  if (typeof parsed === "number") return parsed;
  const { options, words } = parsed;
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
