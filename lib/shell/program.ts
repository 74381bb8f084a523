/**
 * The commander parser built from the command definitions: one program,
 * rebuilt per line (cheap, and no state leaks from one line to the next).
 *
 * @module
 */

import { Command, InvalidArgumentError, Option } from "commander";
import { type CommandSpec, type OptionSpec, usageOf } from "./command_spec.ts";

/** Descriptions of parent commands (`group`). */
const PARENTS: Record<string, string> = {
  group: "manage consumer groups: create, setid, destroy, createconsumer, delconsumer",
};

function integerParser(option: OptionSpec) {
  const min = option.integerMin ?? 0;
  return (value: string): number => {
    if (!/^-?\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
      throw new InvalidArgumentError(`expected an integer >= ${min}`);
    }
    const n = Number(value);
    if (n < min) throw new InvalidArgumentError(`expected an integer >= ${min}`);
    return n;
  };
}

function optionOf(spec: OptionSpec): Option {
  const option = new Option(
    `--${spec.name}${spec.value ? ` <${spec.value}>` : ""}`,
    spec.description,
  );
  if (spec.integerMin !== undefined) option.argParser(integerParser(spec));
  if (spec.required) option.makeOptionMandatory();
  return option;
}

function configure(command: Command, write: (text: string) => void): Command {
  return command
    .exitOverride()
    .helpCommand(false)
    .showSuggestionAfterError(true)
    .configureOutput({
      writeOut: write,
      writeErr: write,
      outputError: () => {},
      // Plain help text; also keeps commander from reading FORCE_COLOR/CLICOLOR_FORCE,
      // which the start task's --allow-env does not grant.
      getOutHasColors: () => false,
      getErrHasColors: () => false,
    });
}

/** What the program calls when a command line parsed. */
export type OnParsed = (
  spec: CommandSpec,
  input: { args: (string | string[] | undefined)[]; options: Record<string, unknown> },
) => void;

/**
 * Builds the commander program for `specs`. Parsing a line calls `onParsed`
 * with the command and its values; bad input throws a `CommanderError`.
 */
export function buildProgram(
  specs: readonly CommandSpec[],
  options: { onParsed: OnParsed; write: (text: string) => void },
): Command {
  const program = configure(new Command("rstream"), options.write);
  const parents = new Map<string, Command>();
  for (const spec of specs) {
    const parts = spec.name.split(" ");
    let parent = program;
    if (parts.length > 1) {
      parent = parents.get(parts[0]) ?? configure(
        program.command(parts[0]).description(PARENTS[parts[0]] ?? ""),
        options.write,
      );
      parents.set(parts[0], parent);
    }
    const command = configure(parent.command(parts[parts.length - 1]), options.write)
      .description(spec.summary)
      .configureHelp({ commandUsage: () => usageOf(spec) });
    if (spec.examples.length > 0) {
      command.addHelpText(
        "after",
        `\n${spec.usageNote ? `Note: ${spec.usageNote}\n\n` : ""}Examples:\n${
          spec.examples.map((line) => `  ${line}`).join("\n")
        }`,
      );
    }
    for (const arg of spec.args) {
      const name = `${arg.name.toUpperCase()}${arg.variadic ? "..." : ""}`;
      command.argument(arg.optional ? `[${name}]` : `<${name}>`, arg.description);
    }
    const specOptions = (spec.options ?? []).map((o) => [o, optionOf(o)] as const);
    for (const [, option] of specOptions) command.addOption(option);
    if (spec.rawWords) command.allowUnknownOption().allowExcessArguments();
    command.action(function (this: Command) {
      const values = this.opts();
      options.onParsed(spec, {
        args: this.processedArgs,
        options: Object.fromEntries(
          specOptions.map(([o, option]) => [o.name, values[option.attributeName()]]),
        ),
      });
    });
  }
  return program;
}
