/**
 * The three ways the CLI runs: one command from the arguments, lines piped
 * on stdin (a script), or the interactive shell on a terminal.
 *
 * @module
 */

import { readEnv, redactUrl, resolveStoreUrl, type StreamStore } from "../../mod.ts";
import { type OutputFormat, type Session, writerOf } from "./context.ts";
import { runLine, runWords, shellErrorLine } from "./dispatch.ts";

/** Global options of the CLI. */
export interface MainOptions {
  /** Store URL (else `REDIS_URL`, else the embedded store). */
  url?: string;
  /** Print JSON. */
  json?: boolean;
  /** `false` with `--no-color`. */
  color?: boolean;
  /** The command and its arguments; empty for the shell or a piped script. */
  words: string[];
}

/** Lines of standard input, without their line ends. */
export async function* stdinLines(): AsyncGenerator<string> {
  let rest = "";
  for await (const chunk of Deno.stdin.readable.pipeThrough(new TextDecoderStream())) {
    rest += chunk;
    let nl;
    while ((nl = rest.indexOf("\n")) !== -1) {
      yield rest.slice(0, nl).replace(/\r$/, "");
      rest = rest.slice(nl + 1);
    }
  }
  if (rest !== "") yield rest;
}

/** What the prompt and `top` call the store: `embedded`, or the URL without password. */
export function storeLabel(url: string): string {
  return /^(rediss?|redis\+sentinel):\/\//.test(url) ? redactUrl(url) : "embedded";
}

/** Creates a session; the store opens on first use (a failed open is retried next time). */
export function createSession(
  options: MainOptions,
  extra: { interactive: boolean; stdin: boolean },
): Session & { close(): Promise<void> } {
  const stdoutTty = Deno.stdout.isTerminal();
  const format: OutputFormat = options.json ? "json" : stdoutTty ? "table" : "plain";
  const url = resolveStoreUrl(options.url);
  let opened: Promise<StreamStore> | undefined;
  let connected: StreamStore | undefined;
  const label = storeLabel(url);
  const session: Session & { close(): Promise<void> } = {
    /** The URL, and once connected to a Redis Cluster, `[cluster, N masters]` (live). */
    get storeLabel() {
      const cluster = connected?.connection.cluster;
      return cluster ? `${label} [cluster, ${cluster.masters} masters]` : label;
    },
    format,
    color: options.color !== false && stdoutTty && !readEnv("NO_COLOR"),
    interactive: extra.interactive,
    ...(stdoutTty ? { columns: Deno.consoleSize().columns } : {}),
    out: writerOf(Deno.stdout),
    err: writerOf(Deno.stderr),
    ...(extra.stdin ? { stdinLines } : {}),
    store() {
      opened ??= import("../open_store.ts").then(({ openStore }) => openStore(url))
        .then((store) => connected = store)
        .catch((error) => {
          opened = undefined;
          throw error;
        });
      return opened;
    },
    async close() {
      const store = await opened?.catch(() => undefined);
      await store?.close();
    },
  };
  return session;
}

/** Aborts the returned controller's signal on Ctrl-C (SIGINT) until `stop()`. */
export function abortOnSigint(): { controller: AbortController; stop(): void } {
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  Deno.addSignalListener("SIGINT", onSignal);
  return { controller, stop: () => Deno.removeSignalListener("SIGINT", onSignal) };
}

/** Runs the CLI and returns its exit code. */
export async function main(options: MainOptions): Promise<number> {
  const interactive = options.words.length === 0 && Deno.stdin.isTerminal();
  const session = createSession(options, {
    interactive,
    stdin: options.words.length > 0 && !Deno.stdin.isTerminal(),
  });
  try {
    if (options.words.length > 0) {
      const sigint = abortOnSigint();
      try {
        await runWords(session, options.words, { signal: sigint.controller.signal });
        return 0;
      } catch (error) {
        session.err.write(shellErrorLine(error) + "\n");
        return 1;
      } finally {
        sigint.stop();
      }
    }
    if (!interactive) {
      let failed = false;
      const sigint = abortOnSigint();
      try {
        for await (const line of stdinLines()) {
          if (sigint.controller.signal.aborted) break;
          if (!await runLine(session, line, { signal: sigint.controller.signal })) failed = true;
          if (session.quitRequested) break;
        }
      } finally {
        sigint.stop();
      }
      return failed ? 1 : 0;
    }
    const { runRepl } = await import("./repl.ts");
    return await runRepl(session);
  } finally {
    await session.close();
  }
}
