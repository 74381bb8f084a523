/**
 * The shape of a shell command's one definition. From it come the commander
 * parser (`program.ts`), the usage line, `help`, completion (`completion.ts`)
 * and the rule that lets commands omit the stream after `use`.
 *
 * @module
 */

import type { RunContext } from "./context.ts";

/** What an argument holds; completion and the implicit-stream rule use it. */
export type ArgKind =
  | "stream"
  | "group"
  | "consumer"
  | "id"
  | "field"
  | "pattern"
  | "command"
  | "word";

/** A positional argument. */
export interface ArgSpec {
  /** Its name, shown upper-case in usage (`STREAM`). */
  name: string;
  /** What it holds. */
  kind: ArgKind;
  /** Whether it may be left out (default: required). */
  optional?: boolean;
  /** Whether it takes the rest of the arguments (`ID…`). */
  variadic?: boolean;
  /** One line for help. */
  description: string;
}

/** An option. */
export interface OptionSpec {
  /** Long name without dashes, as in `count` for `--count`. */
  name: string;
  /** The value's placeholder (`N`, `ID`, `MS`); absent for a flag. */
  value?: string;
  /** What the value holds, for completion. */
  kind?: ArgKind;
  /** Whether the option must be given. */
  required?: boolean;
  /** Parse the value as an integer at least this (0 or 1). */
  integerMin?: number;
  /** One line for help. */
  description: string;
}

/** The parsed input a command runs with. */
export interface Invocation {
  /** Positional values, in definition order; a variadic one is a `string[]`. */
  args: (string | string[] | undefined)[];
  /** Option values by long name (integers already parsed). */
  options: Record<string, string | number | boolean | undefined>;
}

/** One shell command. */
export interface CommandSpec {
  /** `add`, or `group create` for a subcommand. */
  name: string;
  /** One line for `help`. */
  summary: string;
  /** Positional arguments, in order. */
  args: ArgSpec[];
  /** Options. */
  options?: OptionSpec[];
  /** Example lines for `help COMMAND`. */
  examples: string[];
  /** Extra usage text, such as "one of --maxlen or --minid". */
  usageNote?: string;
  /** Takes its words as they are, without option parsing (`raw`). */
  rawWords?: boolean;
  /** Runs the command; parse and validation errors are thrown before anything is written. */
  run(context: RunContext, input: Invocation): Promise<void>;
}

/** The usage line of a command: `range STREAM [START [END]] [--count N] [--rev]`. */
export function usageOf(spec: CommandSpec): string {
  let args = "";
  let closing = "";
  for (const arg of spec.args) {
    const name = arg.name.toUpperCase() + (arg.variadic ? "…" : "");
    if (arg.optional) {
      args += ` [${name}`;
      closing += "]";
    } else {
      args += ` ${name}`;
    }
  }
  const options = (spec.options ?? []).map((option) =>
    ` [--${option.name}${option.value ? ` ${option.value}` : ""}]`
  ).join("");
  return `${spec.name}${args}${closing}${options}`;
}

const ID_LIKE = /^\(?(\d+(-(\d+|\*))?|[-+$>*])$/;

/** Whether a word looks like a stream ID, range bound or special ID (`$`, `>`, `*`, `-`, `+`). */
export function looksLikeId(word: string): boolean {
  return ID_LIKE.test(word);
}

function countFits(spec: CommandSpec, count: number): boolean {
  const required = spec.args.filter((arg) => !arg.optional).length;
  const variadic = spec.args.some((arg) => arg.variadic);
  return count >= required && (variadic || count <= spec.args.length);
}

function fits(spec: CommandSpec, words: string[]): boolean {
  if (!countFits(spec, words.length)) return false;
  return words.every((word, index) => {
    const arg = spec.args[Math.min(index, spec.args.length - 1)];
    switch (arg.kind) {
      case "stream":
      case "group":
      case "consumer":
        return !looksLikeId(word) && !word.includes("=");
      case "id":
        return looksLikeId(word) || /^\d+-\d+$/.test(word);
      case "field":
        return word.includes("=") || word === "-";
      default:
        return true;
    }
  });
}

/** Indices of the positional words among `words` (what follows the command name). */
export function positionalIndices(spec: CommandSpec, words: string[]): number[] {
  const valued = new Set(
    (spec.options ?? []).filter((option) => option.value).map((option) => `--${option.name}`),
  );
  const out: number[] = [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i];
    if (word === "--") {
      for (let j = i + 1; j < words.length; j++) out.push(j);
      break;
    }
    if (word.startsWith("--") && word.length > 2) {
      if (valued.has(word)) i++;
      continue;
    }
    out.push(i);
  }
  return out;
}

/**
 * Inserts the stream in use where a command's STREAM argument was left out.
 * The words are kept as typed when they already fit the arguments' kinds
 * (an ID-looking or `field=value` word is never taken for a name); otherwise
 * the stream in use goes first, when that makes them fit, or when only then
 * their number is right (so a bad word is reported as what it stands for).
 *
 * @example After `use app:event`, `del 1-0 2-0` deletes from app:event
 * ```ts
 * import { type CommandSpec, withImplicitStream } from "./command_spec.ts";
 * import assert from "node:assert/strict";
 * const del: CommandSpec = { name: "del", summary: "", examples: [], run: async () => {},
 *   args: [{ name: "stream", kind: "stream", description: "" },
 *          { name: "id", kind: "id", variadic: true, description: "" }] };
 * assert.equal(withImplicitStream(del, ["1-0", "2-0"], "app:event").join(), "app:event,1-0,2-0");
 * assert.equal(withImplicitStream(del, ["s", "2-0"], "app:event").join(), "s,2-0");
 * ```
 */
export function withImplicitStream(
  spec: CommandSpec,
  words: string[],
  stream: string | undefined,
): string[] {
  if (stream === undefined || spec.args[0]?.kind !== "stream") return words;
  const positions = positionalIndices(spec, words);
  const positional = positions.map((i) => words[i]);
  if (fits(spec, positional)) return words;
  // Neither reading fits the kinds: insert the stream when only then the count is right
  // (after `use s`, `ack workers notanid` is s/workers/notanid, and the bad ID is named).
  const withStream = fits(spec, [stream, ...positional]) ||
    (!countFits(spec, positional.length) && countFits(spec, positional.length + 1));
  if (!withStream) return words;
  const at = positions[0] ?? words.length;
  const insertAt = positions.length === 0 && words.includes("--") ? words.indexOf("--") : at;
  return [...words.slice(0, insertAt), stream, ...words.slice(insertAt)];
}

/**
 * Parses a command's words without commander when they are plainly valid
 * (known `--options` with their values, the right number of positionals);
 * `undefined` otherwise, and the caller then parses with commander, whose
 * messages name what is wrong. A one-shot command so loads no npm package.
 *
 * @example Plain words parse here; anything odd is left to commander
 * ```ts
 * import { type CommandSpec, quickParse } from "./command_spec.ts";
 * import assert from "node:assert/strict";
 * const range: CommandSpec = { name: "range", summary: "", examples: [], run: async () => {},
 *   args: [{ name: "stream", kind: "stream", description: "" },
 *          { name: "start", kind: "id", optional: true, description: "" }],
 *   options: [{ name: "count", value: "N", integerMin: 0, description: "" },
 *             { name: "rev", description: "" }] };
 * assert.deepEqual(quickParse(range, ["s", "--count", "5", "--rev"]),
 *   { args: ["s", undefined], options: { count: 5, rev: true } });
 * assert.equal(quickParse(range, ["s", "--count", "many"]), undefined);
 * assert.equal(quickParse(range, ["s", "1-0", "extra"]), undefined);
 * ```
 */
export function quickParse(spec: CommandSpec, words: readonly string[]): Invocation | undefined {
  const options: Record<string, string | number | boolean | undefined> = {};
  for (const option of spec.options ?? []) options[option.name] = undefined;
  const positional: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i];
    if (word === "--") {
      positional.push(...words.slice(i + 1));
      break;
    }
    if (word.startsWith("-") && word !== "-") {
      if (!word.startsWith("--") || word.includes("=")) return undefined;
      const option = (spec.options ?? []).find((o) => `--${o.name}` === word);
      if (!option) return undefined; // --help, or unknown: commander says which
      if (!option.value) {
        options[option.name] = true;
        continue;
      }
      const value = words[++i];
      if (value === undefined) return undefined;
      if (option.integerMin !== undefined) {
        const n = Number(value);
        if (!/^-?\d+$/.test(value) || !Number.isSafeInteger(n) || n < option.integerMin) {
          return undefined;
        }
        options[option.name] = n;
      } else options[option.name] = value;
      continue;
    }
    positional.push(word);
  }
  for (const option of spec.options ?? []) {
    if (option.required && options[option.name] === undefined) return undefined;
  }
  const required = spec.args.filter((arg) => !arg.optional).length;
  const variadic = spec.args.some((arg) => arg.variadic);
  if (positional.length < required || (!variadic && positional.length > spec.args.length)) {
    return undefined;
  }
  const args = spec.args.map((arg, index) =>
    arg.variadic ? positional.slice(index) : positional[index]
  );
  return { args, options };
}
