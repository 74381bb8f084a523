/**
 * Running one command line: split it, route Redis-syntax stream commands to
 * the store as is, parse the rest with the command's definition, run it
 * (Ctrl-C aborts), and turn any failure into one `error: …` line.
 *
 * @module
 */

import type { CommanderError } from "commander";
import {
  errorLine,
  errorText,
  InvalidStreamIdError,
  StreamIdTooSmallError,
  UsageError,
} from "../errors.ts";
import {
  type CommandSpec,
  type Invocation,
  quickParse,
  usageOf,
  withImplicitStream,
} from "./command_spec.ts";
import type { Session } from "./context.ts";
import { escapeControls } from "./render.ts";
import { isStreamCommand, runRaw } from "./raw.ts";
import { ALIASES, allCommands, findCommand, parentNames } from "./registry.ts";
import { splitArgs, UnbalancedQuoteError } from "./tokenize.ts";

/** A failure, with the usage to show when it was bad input. */
export class CommandFailure extends Error {
  override name = "CommandFailure";
  /** The usage line to show, when the input was at fault. */
  readonly usage: string | undefined;
  /** Whether it was bad input (exit 2) even without a usage line (a bad store URL). */
  readonly badInput: boolean;
  /** Creates it. */
  constructor(
    message: string,
    usage: string | undefined,
    options?: ErrorOptions & { badInput?: boolean },
  ) {
    super(message, options);
    this.usage = usage;
    this.badInput = options?.badInput ?? usage !== undefined;
  }
}

/** Whether an error is commander's (loaded lazily, so not checked with `instanceof`). */
function isCommanderError(error: unknown): error is CommanderError {
  const code = (error as { code?: unknown } | null)?.code;
  return error instanceof Error && typeof code === "string" && code.startsWith("commander.");
}

function isInputError(error: unknown): boolean {
  return error instanceof UsageError || error instanceof TypeError || error instanceof RangeError ||
    error instanceof UnbalancedQuoteError || error instanceof InvalidStreamIdError ||
    isCommanderError(error);
}

function commanderMessage(error: CommanderError): string {
  return error.message.replace(/^error: /, "").replace(
    /\n\(Did you mean (.*)\?\)/,
    "; did you mean $1?",
  )
    .replace(/\n/g, " ");
}

/**
 * The one line a failed shell command prints: the shared {@linkcode errorLine},
 * with the command's usage when the input was at fault.
 */
export function shellErrorLine(error: unknown, usage?: string): string {
  if (error instanceof CommandFailure) usage = error.usage;
  else if (!isInputError(error) || error instanceof StreamIdTooSmallError) usage = undefined;
  const shown = isCommanderError(error) ? new Error(commanderMessage(error)) : error;
  return errorLine(shown, { usage });
}

async function parse(
  spec: CommandSpec,
  words: string[],
  nameWords: number,
  session: Session,
): Promise<Invocation> {
  let parsed: Invocation | undefined;
  const rest = withImplicitStream(spec, words.slice(nameWords), session.stream);
  const quick = quickParse(spec, rest);
  if (quick) return quick;
  const { buildProgram } = await import("./program.ts"); // commander: for errors and --help
  const program = buildProgram([spec], {
    onParsed: (_, input) => parsed = input as Invocation,
    write: (text) => session.out.write(text),
  });
  try {
    program.parse([...spec.name.split(" "), ...rest], { from: "user" });
  } catch (error) {
    if (isCommanderError(error) && error.code === "commander.helpDisplayed") {
      return { args: [], options: { "--help": true } };
    }
    throw error;
  }
  return parsed!;
}

/** Waits until `signal` aborts. */
function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    signal.addEventListener("abort", () => resolve(), { once: true });
  });
}

/**
 * Runs one command given as words. Throws on failure (print it with
 * {@linkcode shellErrorLine}); returns early when `signal` aborts.
 */
export async function runWords(
  session: Session,
  words: string[],
  options: { signal: AbortSignal },
): Promise<void> {
  const { signal } = options;
  if (words.length === 0) return;
  if (isStreamCommand(words[0])) {
    const running = runRaw({ session, signal }, words);
    running.catch(() => {});
    return await Promise.race([running, aborted(signal)]);
  }
  const found = findCommand(words);
  if (!found) {
    if (parentNames().includes(words[0])) {
      const subs = ["create", "setid", "destroy", "createconsumer", "delconsumer"];
      throw new CommandFailure(
        words[1] === undefined
          ? `'${words[0]}' needs a subcommand: ${subs.join(", ")}`
          : `unknown subcommand '${words[0]} ${words[1]}'`,
        `${words[0]} ${subs.join("|")} …`,
      );
    }
    const { isOtherRedisCommand } = await import("./redis_help.ts");
    if (isOtherRedisCommand(words[0])) {
      throw new CommandFailure(
        `'${words[0]}' is a Redis command, not a stream command; send it as is with: raw ${
          words.join(" ")
        }`,
        "raw COMMAND ARGS…",
      );
    }
    const suggestion = suggest(words[0]);
    throw new CommandFailure(
      `unknown command '${words[0]}'${suggestion ? `; did you mean ${suggestion}?` : ""}`,
      "help [COMMAND]",
    );
  }
  const { spec, nameWords } = found;
  let input: Invocation;
  try {
    input = spec.rawWords
      ? { args: [words.slice(nameWords)], options: {} }
      : await parse(spec, words, nameWords, session);
  } catch (error) {
    throw new CommandFailure(
      errorText(isCommanderError(error) ? commanderMessage(error) : error),
      usageOf(spec),
      { cause: error },
    );
  }
  if (input.options["--help"]) return;
  try {
    const running = spec.run({ session, signal }, input);
    running.catch(() => {});
    await Promise.race([running, aborted(signal)]);
  } catch (error) {
    if (isInputError(error) && !(error instanceof StreamIdTooSmallError)) {
      throw new CommandFailure(
        errorText(isCommanderError(error) ? commanderMessage(error) : error),
        usageOf(spec),
        { cause: error },
      );
    }
    throw error;
  }
}

/** The closest command name to a mistyped one, by edit distance (at most 2), if any. */
export function suggest(word: string): string | undefined {
  const names = new Set([
    ...allCommands().map((spec) => spec.name.split(" ")[0]),
    ...Object.keys(ALIASES),
  ]);
  let best: string | undefined;
  let bestDistance = 3;
  for (const name of names) {
    const d = editDistance(word.toLowerCase(), name);
    if (d < bestDistance) [best, bestDistance] = [name, d];
  }
  return best;
}

/** Levenshtein distance, the small table way. */
export function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    row = next;
  }
  return row[b.length];
}

/**
 * Exit code of a usage error (bad input): 2, as in the scripts; other failures exit 1.
 *
 * @example The two codes
 * ```ts
 * import { EXIT_USAGE, exitCodeOf } from "./dispatch.ts";
 * import { UsageError } from "../errors.ts";
 * import assert from "node:assert/strict";
 * assert.equal(exitCodeOf(new UsageError("missing STREAM")), EXIT_USAGE);
 * assert.equal(exitCodeOf(new Error("connection refused")), 1);
 * ```
 */
export const EXIT_USAGE = 2;

/**
 * Whether a failure was bad input (a usage error) rather than a failure to run.
 *
 * @example Bad arguments are bad input; a refused command is not
 * ```ts
 * import { CommandFailure, isUsageError } from "./dispatch.ts";
 * import { ReplyError } from "../errors.ts";
 * import assert from "node:assert/strict";
 * assert.equal(isUsageError(new RangeError("count must be >= 1")), true);
 * assert.equal(isUsageError(new CommandFailure("unknown command 'lne'", "help [COMMAND]")), true);
 * assert.equal(isUsageError(new ReplyError("NOGROUP No such key")), false);
 * ```
 */
export function isUsageError(error: unknown): boolean {
  if (error instanceof CommandFailure) return error.badInput;
  return isInputError(error) && !(error instanceof StreamIdTooSmallError);
}

/**
 * The exit code a failure ends a one-shot command with: 2 for a usage error, else 1.
 *
 * @example
 * ```ts
 * import { exitCodeOf } from "./dispatch.ts";
 * import assert from "node:assert/strict";
 * assert.equal(exitCodeOf(new TypeError("Invalid stream ID 'x'")), 2);
 * ```
 */
export function exitCodeOf(error: unknown): number {
  return isUsageError(error) ? EXIT_USAGE : 1;
}

/**
 * What a failure prints on stderr: the {@linkcode shellErrorLine}, or with
 * `--json` one JSON object `{"error":WHAT[,"usage":USAGE]}` on one line.
 *
 * @example The same failure, plain and as JSON
 * ```ts
 * import { CommandFailure, errorOutput } from "./dispatch.ts";
 * import assert from "node:assert/strict";
 * const failure = new CommandFailure("missing required argument 'STREAM'", "len STREAM");
 * assert.equal(
 *   errorOutput({ format: "plain" }, failure),
 *   "error: missing required argument 'STREAM' (usage: len STREAM)\n",
 * );
 * assert.equal(
 *   errorOutput({ format: "json" }, failure),
 *   '{"error":"missing required argument \'STREAM\'","usage":"len STREAM"}\n',
 * );
 * ```
 */
export function errorOutput(session: Pick<Session, "format">, error: unknown): string {
  if (session.format !== "json") return escapeControls(shellErrorLine(error)) + "\n";
  const usage = error instanceof CommandFailure ? error.usage : undefined;
  const shown = isCommanderError(error) ? new Error(commanderMessage(error)) : error;
  return JSON.stringify({ error: errorText(shown), ...(usage ? { usage } : {}) }) + "\n";
}

/**
 * Runs one line and prints a failure on `session.err` (one line, or one JSON
 * object with `--json`). Returns the exit code: 0, 1, or 2 for bad input.
 *
 * @example An unknown command is bad input
 * ```ts
 * import { runLineCode } from "./dispatch.ts";
 * import type { Session } from "./context.ts";
 * import assert from "node:assert/strict";
 * let printed = "";
 * const session = {
 *   storeLabel: "embedded", format: "plain", color: false, interactive: false,
 *   out: { write: () => {} }, err: { write: (text: string) => printed += text },
 *   store: () => Promise.reject(new Error("not needed")),
 * } satisfies Session;
 * assert.equal(await runLineCode(session, "lne s", { signal: new AbortController().signal }), 2);
 * assert.equal(printed, "error: unknown command 'lne'; did you mean len? (usage: help [COMMAND])\n");
 * ```
 */
export async function runLineCode(
  session: Session,
  line: string,
  options: { signal: AbortSignal },
): Promise<number> {
  try {
    await runWords(session, splitArgs(line), options);
    return 0;
  } catch (error) {
    session.err.write(errorOutput(session, error));
    return exitCodeOf(error);
  }
}

/**
 * Runs one line and prints a failure as one line on `session.err`.
 * Returns whether it succeeded.
 */
export async function runLine(
  session: Session,
  line: string,
  options: { signal: AbortSignal },
): Promise<boolean> {
  return await runLineCode(session, line, options) === 0;
}
