/**
 * The interactive shell, on node:readline: line editing, Tab completion,
 * Up/Down history persisted to `~/.rstream_history`, and Ctrl-C handling.
 *
 * While a command runs the terminal is put back in cooked mode, so Ctrl-C
 * arrives as SIGINT and aborts that command only (tail, top and blocking
 * reads return to the prompt). At the prompt, Ctrl-C clears the line and
 * Ctrl-D (or `quit`) leaves.
 *
 * @module
 */

import process from "node:process";
import * as readline from "node:readline";
import { complete, type NameSource } from "./completion.ts";
import type { Session } from "./context.ts";
import { runLine } from "./dispatch.ts";
import { HISTORY_SIZE, historyPath, loadHistory, saveHistory } from "./history.ts";

/** The prompt: `rstream <store> [<stream>]> `. */
export function promptOf(session: Pick<Session, "storeLabel" | "stream">): string {
  return `rstream ${session.storeLabel}${session.stream ? ` ${session.stream}` : ""}> `;
}

function storeNames(session: Session): NameSource {
  return {
    streams: async () => await (await session.store()).streams(),
    groups: async (stream) => (await (await session.store()).groups(stream)).map((g) => g.name),
    consumers: async (stream, group) =>
      (await (await session.store()).consumers(stream, group)).map((c) => c.name),
  };
}

function setRaw(on: boolean) {
  try {
    Deno.stdin.setRaw(on);
  } catch {
    // not a terminal
  }
}

/** Runs the shell until Ctrl-D or `quit`; returns the exit code (0). */
export function runRepl(session: Session): Promise<number> {
  const path = historyPath();
  const names = storeNames(session);
  const rl = readline.createInterface({
    input: process.stdin,
    output: process.stdout,
    terminal: true,
    history: loadHistory(path),
    historySize: HISTORY_SIZE,
    removeHistoryDuplicates: true,
    completer: (line: string, callback: (error: null, result: [string[], string]) => void) => {
      complete(line, { names, ...(session.stream ? { stream: session.stream } : {}) })
        .then((result) => callback(null, result), () => callback(null, [[], line]));
    },
  });
  const history = () => (rl as unknown as { history: string[] }).history;
  session.out.write(
    `rstream ${session.storeLabel}: 'help' lists the commands, Tab completes, Ctrl-D quits\n`,
  );
  return new Promise((resolve) => {
    let busy = false;
    rl.on("SIGINT", () => {
      // Ctrl-C at the prompt: drop the line, prompt again.
      session.out.write("^C\n");
      Object.assign(rl, { line: "", cursor: 0 });
      rl.prompt();
    });
    rl.on("close", () => {
      if (!busy) session.out.write("\n");
      saveHistory(path, history());
      resolve(0);
    });
    rl.on("line", async (line: string) => {
      if (busy) return;
      busy = true;
      rl.pause();
      setRaw(false);
      const controller = new AbortController();
      const onSigint = () => controller.abort();
      Deno.addSignalListener("SIGINT", onSigint);
      try {
        await runLine(session, line, { signal: controller.signal });
      } finally {
        Deno.removeSignalListener("SIGINT", onSigint);
        if (controller.signal.aborted) session.out.write("\n");
        saveHistory(path, history());
        busy = false;
      }
      if (session.quitRequested) return rl.close();
      setRaw(true);
      rl.resume();
      rl.setPrompt(promptOf(session));
      rl.prompt();
    });
    rl.setPrompt(promptOf(session));
    rl.prompt();
  });
}
