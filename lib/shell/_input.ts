/**
 * Private helpers for reading a command's parsed input and validating it.
 *
 * @module
 */

import type { Invocation } from "./command_spec.ts";
import { checkRangeBound } from "../stream_id.ts";
import type { Fields } from "../types.ts";
import { UsageError } from "../errors.ts";

export { UsageError } from "../errors.ts";

/** The positional argument at `index`, as a string (`undefined` when left out). */
export function arg(input: Invocation, index: number): string | undefined {
  const value = input.args[index];
  return Array.isArray(value) ? value[0] : value;
}

/** The positional argument at `index`, which must be there. */
export function must(input: Invocation, index: number): string {
  const value = arg(input, index);
  if (value === undefined) throw new UsageError("missing argument");
  return value;
}

/** The variadic argument at `index`, as a list. */
export function list(input: Invocation, index: number): string[] {
  const value = input.args[index];
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/** A string option, or `undefined`. */
export function opt(input: Invocation, name: string): string | undefined {
  const value = input.options[name];
  return value === undefined || value === false ? undefined : String(value);
}

/** A numeric option (commander has parsed it already), or `undefined`. */
export function num(input: Invocation, name: string): number | undefined {
  const value = input.options[name];
  return typeof value === "number" ? value : undefined;
}

/** Whether a flag was given. */
export function flag(input: Invocation, name: string): boolean {
  return input.options[name] === true;
}

/** Parses `FIELD=VALUE` words into fields (the first `=` splits; values may be empty). */
export function parseFieldWords(words: readonly string[]): Fields {
  const fields: Fields = {};
  for (const word of words) {
    const eq = word.indexOf("=");
    if (eq <= 0) {
      throw new UsageError(
        eq === 0 ? `field name missing in '${word}'` : `expected FIELD=VALUE, got '${word}'`,
      );
    }
    fields[word.slice(0, eq)] = word.slice(eq + 1);
  }
  return fields;
}

/** Checks a range bound, naming the argument in the error. */
export function checkBound(bound: string | undefined, fallback: string): string {
  return checkRangeBound(bound ?? fallback);
}
