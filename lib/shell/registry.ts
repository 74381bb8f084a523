/**
 * All shell commands, found by name, and `help`.
 *
 * @module
 */

import type { CommandSpec } from "./command_spec.ts";
import { entryCommands } from "./commands_entries.ts";
import { groupCommands } from "./commands_groups.ts";
import { sessionCommands } from "./commands_session.ts";
import { topCommand } from "./commands_top.ts";
import { topicCommands } from "./commands_topics.ts";
import { styleFor } from "./style.ts";

/** Every command, in the order `help` lists them. */
export function allCommands(): CommandSpec[] {
  return [...entryCommands, ...groupCommands, ...topicCommands, topCommand, ...sessionCommands];
}

/** Other names accepted for commands. */
export const ALIASES: Record<string, string> = { exit: "quit", "?": "help" };

/** The parent words of subcommands (`group`). */
export function parentNames(): string[] {
  return [
    ...new Set(allCommands().filter((s) => s.name.includes(" ")).map((s) => s.name.split(" ")[0])),
  ];
}

/**
 * The command `words` start with, and how many words name it (1, or 2 for
 * `group create`); `undefined` when there is none.
 */
export function findCommand(
  words: readonly string[],
): { spec: CommandSpec; nameWords: number } | undefined {
  const first = ALIASES[words[0]] ?? words[0];
  const specs = allCommands();
  const two = specs.find((spec) => spec.name === `${first} ${words[1]}`);
  if (two) return { spec: two, nameWords: 2 };
  const one = specs.find((spec) => spec.name === first);
  return one ? { spec: one, nameWords: 1 } : undefined;
}

/** The command list `help` prints. */
export function commandList(color: boolean): string {
  const style = styleFor(color);
  const specs = allCommands();
  const width = Math.max(...specs.map((spec) => spec.name.length));
  return [
    ...specs.map((spec) => `  ${style.head(spec.name.padEnd(width))}  ${spec.summary}`),
    "",
    "  Redis syntax works too for stream commands (XADD app:event * temp 0.4);",
    "  'help COMMAND' shows a command's usage and examples.",
    "",
  ].join("\n");
}

/**
 * Writes one command's help (usage, arguments, options, examples); for a
 * Redis stream command (`help XADD`) or `help @stream`, redis-cli's help.
 */
export async function showHelp(
  words: readonly string[],
  write: (text: string) => void,
): Promise<void> {
  const found = findCommand(words);
  if (!found && (words[0]?.toLowerCase() === "@stream" || /^x[a-z]+$/i.test(words[0] ?? ""))) {
    const { redisCommandHelp, redisGroupHelp } = await import("./redis_help.ts");
    const text = words[0].toLowerCase() === "@stream"
      ? redisGroupHelp()
      : redisCommandHelp(words[0]);
    if (text !== undefined) return write(text);
  }
  const { buildProgram } = await import("./program.ts");
  const program = buildProgram(allCommands(), { onParsed: () => {}, write });
  if (!found && !parentNames().includes(words[0])) {
    throw new Error(`no command '${words.join(" ")}'; 'help' lists them`);
  }
  let command = program.commands.find((c) =>
    c.name() === (found?.spec.name.split(" ")[0] ?? words[0])
  )!;
  if (found && found.nameWords === 2) {
    command = command.commands.find((c) => c.name() === found.spec.name.split(" ")[1])!;
  }
  command.outputHelp();
}
