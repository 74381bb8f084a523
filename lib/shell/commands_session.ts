/**
 * Session commands: use, help, clear, quit, raw.
 *
 * @module
 */

import { arg, list, UsageError } from "./_input.ts";
import type { CommandSpec } from "./command_spec.ts";
import { runRaw } from "./raw.ts";
import { commandList, showHelp } from "./registry.ts";
import { printResult } from "./print.ts";

/** The session commands. */
export const sessionCommands: CommandSpec[] = [
  {
    name: "use",
    summary: "set the stream later commands use when they leave it out ('use' alone shows it)",
    args: [{ name: "stream", kind: "stream", optional: true, description: "the stream's key" }],
    examples: ["use app:event", "len"],
    run: ({ session }, input) => {
      const stream = arg(input, 0);
      if (stream !== undefined) session.stream = stream;
      printResult(session, session.stream ?? "(no stream in use)", {
        stream: session.stream ?? null,
      });
      return Promise.resolve();
    },
  },
  {
    name: "help",
    summary: "list the commands, or show one command's usage and examples",
    args: [{
      name: "command",
      kind: "command",
      optional: true,
      variadic: true,
      description: "a command",
    }],
    examples: ["help", "help range", "help group create", "help XADD", "help @stream"],
    run: async ({ session }, input) => {
      const words = list(input, 0);
      if (words.length === 0) session.out.write(commandList(session.color));
      else await showHelp(words, (text) => session.out.write(text));
    },
  },
  {
    name: "clear",
    summary: "clear the terminal (as in redis-cli; also Ctrl-L)",
    args: [],
    examples: ["clear"],
    run: ({ session }) => {
      if (session.format === "table") session.out.write("\x1b[H\x1b[2J\x1b[3J");
      return Promise.resolve();
    },
  },
  {
    name: "quit",
    summary: "leave the shell (also: exit, Ctrl-D)",
    args: [],
    examples: ["quit"],
    run: ({ session }) => {
      session.quitRequested = true;
      return Promise.resolve();
    },
  },
  {
    name: "raw",
    summary: "send any command as is and print the reply like redis-cli",
    rawWords: true,
    args: [{
      name: "command",
      kind: "word",
      variadic: true,
      description: "the command and its arguments",
    }],
    examples: ["raw PING", "raw XINFO STREAM app:event", "XADD app:event * temp 0.4"],
    run: (context, input) => {
      const words = list(input, 0);
      if (words.length === 0) throw new UsageError("give a command to send, as in raw PING");
      return runRaw(context, words);
    },
  },
];
