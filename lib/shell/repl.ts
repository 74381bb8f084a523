/**
 * The interactive shell, on node:readline: line editing, Tab completion,
 * Up/Down history persisted to `~/.rstream_history`, Ctrl-R reverse search
 * (`reverse_search.ts`), and Ctrl-C handling.
 *
 * The terminal stays in raw mode, so Ctrl-C always reaches readline: while a
 * command runs it aborts that command only (tail, top and blocking reads
 * return to the prompt); at the prompt it clears the line. Ctrl-D (or
 * `quit`) leaves. Keys typed while a command runs are kept, not echoed into
 * its output: readline's own output is muted until the next prompt, and
 * lines entered meanwhile run in order afterwards.
 *
 * @module
 */

import process from "node:process";
import * as readline from "node:readline";
import { Writable } from "node:stream";
import { complete, type NameSource } from "./completion.ts";
import type { Session } from "./context.ts";
import { runLine } from "./dispatch.ts";
import { HISTORY_SIZE, historyPath, loadHistory, saveHistory } from "./history.ts";
import { installReverseSearch } from "./reverse_search.ts";

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

/** stdout for readline, which can be muted while a command prints. */
function mutableOutput(): Writable & { muted: boolean } {
  const output = new Writable({
    write(chunk: Uint8Array | string, _encoding, callback) {
      if (!output.muted) {
        let bytes = typeof chunk === "string" ? new TextEncoder().encode(chunk) : chunk;
        while (bytes.length > 0) bytes = bytes.subarray(Deno.stdout.writeSync(bytes));
      }
      callback();
    },
  }) as Writable & { muted: boolean; isTTY: boolean };
  output.muted = false;
  output.isTTY = true;
  Object.defineProperty(output, "columns", { get: () => process.stdout.columns });
  Object.defineProperty(output, "rows", { get: () => process.stdout.rows });
  process.stdout.on("resize", () => output.emit("resize"));
  return output;
}

/** Runs the shell until Ctrl-D or `quit`; returns the exit code (0). */
export function runRepl(session: Session): Promise<number> {
  const path = historyPath();
  const names = storeNames(session);
  const output = mutableOutput();
  const rl = readline.createInterface({
    input: process.stdin,
    output,
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
  installReverseSearch(rl, history);
  session.out.write(
    `rstream ${session.storeLabel}: 'help' lists the commands, Tab completes, Ctrl-D quits\n`,
  );
  let running: AbortController | undefined;
  const queue: { line: string; echo: boolean }[] = [];
  const onSignal = () => running?.abort();
  Deno.addSignalListener("SIGINT", onSignal);
  const prompt = () => {
    output.muted = false;
    rl.setPrompt(promptOf(session));
    rl.prompt(true);
  };

  let draining = false;
  let closed = false; // Ctrl-D while a command runs: the command finishes, no prompt follows
  async function drain() {
    draining = true;
    output.muted = true;
    while (queue.length > 0) {
      const { line, echo } = queue.shift()!;
      if (echo) session.out.write(`${promptOf(session)}${line}\n`);
      running = new AbortController();
      try {
        await runLine(session, line, { signal: running.signal });
      } finally {
        running = undefined;
        saveHistory(path, history());
      }
      if (session.quitRequested) return rl.close();
    }
    draining = false;
    if (!closed) prompt();
  }

  return new Promise((resolve) => {
    rl.on("SIGINT", () => {
      if (running) {
        session.out.write("^C\n");
        queue.length = 0;
        running.abort();
        return;
      }
      session.out.write("^C\n");
      Object.assign(rl, { line: "", cursor: 0 });
      rl.prompt();
    });
    rl.on("close", () => {
      closed = true;
      Deno.removeSignalListener("SIGINT", onSignal);
      running?.abort();
      if (!session.quitRequested) session.out.write("\n");
      saveHistory(path, history());
      resolve(0);
    });
    rl.on("line", (line: string) => {
      queue.push({ line, echo: draining });
      if (!draining) drain();
    });
    prompt();
  });
}
