/**
 * Tab completion: command names, `group` subcommands, options, and stream,
 * group and consumer names fetched live from the store (with a short
 * timeout, so a slow server never freezes the prompt).
 *
 * @module
 */

import {
  type ArgKind,
  type CommandSpec,
  positionalIndices,
  withImplicitStream,
} from "./command_spec.ts";
import { ALIASES, allCommands, findCommand, parentNames } from "./registry.ts";
import { STREAM_COMMANDS } from "./raw.ts";
import { quoteArg, scanLine } from "./tokenize.ts";

/** Where live names come from (the store, in the shell; fixed lists in tests). */
export interface NameSource {
  /** Stream keys. */
  streams(): Promise<string[]>;
  /** A stream's groups. */
  groups(stream: string): Promise<string[]>;
  /** A group's consumers. */
  consumers(stream: string, group: string): Promise<string[]>;
}

/** How long completion waits for the store (ms). */
export const COMPLETION_TIMEOUT_MS = 300;

async function withTimeout(promise: Promise<string[]>, ms: number): Promise<string[]> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise.catch(() => []),
      new Promise<string[]>((resolve) => timer = setTimeout(() => resolve([]), ms)),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function kindAt(
  spec: CommandSpec,
  words: string[],
): { kind: ArgKind | "option-value" | "none"; args: string[] } {
  const positions = positionalIndices(spec, [...words, "x"]);
  const args = positions.map((i) => words[i]);
  if (positions[positions.length - 1] !== words.length) {
    const option = (spec.options ?? []).find((o) => `--${o.name}` === words[words.length - 1]);
    return { kind: option?.kind ?? "option-value", args };
  }
  const index = args.length - 1;
  const arg = spec.args[Math.min(index, spec.args.length - 1)];
  if (!arg || (index >= spec.args.length && !arg.variadic)) return { kind: "none", args };
  return { kind: arg.kind, args: args.slice(0, -1) };
}

/**
 * Completions for the end of `line`: `[candidates, the text they replace]`,
 * the shape node:readline's completer returns.
 *
 * @example
 * ```ts
 * import { complete } from "./completion.ts";
 * import assert from "node:assert/strict";
 * const none = { streams: async () => [], groups: async () => [], consumers: async () => [] };
 * const [hits, word] = await complete("ran", { names: none });
 * assert.deepEqual([hits, word], [["range "], "ran"]); // a space follows a whole command
 * ```
 */
export async function complete(
  line: string,
  options: { names: NameSource; stream?: string; timeoutMs?: number },
): Promise<[string[], string]> {
  let scanned;
  try {
    scanned = scanLine(line);
  } catch {
    return [[], ""];
  }
  const { words, partial } = scanned;
  const typed = line.slice(scanned.partialStart);
  const match = (candidates: Iterable<string>) => {
    const hits = [...new Set(candidates)].filter((c) => c.startsWith(partial)).sort();
    return [hits.map((hit) => quoteArg(hit) + (hits.length === 1 ? " " : "")), typed] as [
      string[],
      string,
    ];
  };
  const ms = options.timeoutMs ?? COMPLETION_TIMEOUT_MS;
  if (words.length === 0) {
    const names = allCommands().map((spec) => spec.name.split(" ")[0]);
    const raw = /^[A-Z]/.test(partial) ? STREAM_COMMANDS : [];
    return match([...names, ...Object.keys(ALIASES).filter((a) => a !== "?"), ...raw]);
  }
  if (parentNames().includes(words[0]) && words.length === 1) {
    return match(
      allCommands().filter((s) => s.name.startsWith(`${words[0]} `)).map((s) =>
        s.name.split(" ")[1]
      ),
    );
  }
  const found = findCommand(words);
  if (!found || found.spec.rawWords) return [[], typed];
  const { spec, nameWords } = found;
  if (partial.startsWith("-") && partial !== "-") {
    return match((spec.options ?? []).map((o) => `--${o.name}`).concat("--help"));
  }
  const typedRest = words.slice(nameWords);
  const rest = withImplicitStream(spec, [...typedRest, partial || "x"], options.stream)
    .slice(0, -1);
  const names = async ({ kind, args }: ReturnType<typeof kindAt>): Promise<string[]> => {
    const stream = args[0] ?? options.stream;
    switch (kind) {
      case "stream":
        return await withTimeout(options.names.streams(), ms);
      case "group":
        return stream ? await withTimeout(options.names.groups(stream), ms) : [];
      case "consumer":
        return stream && args[1]
          ? await withTimeout(options.names.consumers(stream, args[1]), ms)
          : [];
      case "command":
        return allCommands().map((s) => s.name.split(" ")[0]);
      case "id":
        return ["-", "+", "$", "0"];
      default:
        return [];
    }
  };
  // The words may be read with or without the stream in use in front (after
  // `use app:event`, both `readgroup w` and `readgroup app:event w` mean the
  // group): offer what each reading expects.
  const readings = [rest, typedRest, ...(options.stream ? [[options.stream, ...typedRest]] : [])];
  const seen = new Set<string>();
  const candidates: string[] = [];
  for (const reading of readings) {
    const key = reading.join("\u0000");
    if (seen.has(key)) continue;
    seen.add(key);
    candidates.push(...await names(kindAt(spec, reading)));
  }
  return match(candidates);
}
