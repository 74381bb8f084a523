/**
 * The three ways the CLI runs: one command from the arguments, lines piped
 * on stdin (a script), or the interactive shell on a terminal.
 *
 * @module
 */

import { abortableSleep } from "../backoff.ts";
import { readEnv, resolveStoreUrl } from "../open_store.ts";
import { redactUrl } from "../redact_url.ts";
import type { StreamStore } from "../store.ts";
import { type OutputFormat, type Session, writerOf } from "./context.ts";
import { CommandFailure, errorOutput, exitCodeOf, runLineCode, runWords } from "./dispatch.ts";
import { errorText } from "../errors.ts";

/** Global options of the CLI. */
export interface MainOptions {
  /** Store URL (else `REDIS_URL`, else the embedded store). */
  url?: string;
  /** A CA certificate file for `rediss://` (`--cacert`). */
  caFile?: string;
  /** `json`, `csv` or `plain` (`--raw`); default: tables on a terminal, else plain. */
  format?: OutputFormat;
  /** Print JSON (the same as `format: "json"`). */
  json?: boolean;
  /** `false` with `--no-color`. */
  color?: boolean;
  /** Run the one-shot command this many times (`-r`; -1: until Ctrl-C). */
  repeat?: number;
  /** Pause between repeats, in ms (`-i`). */
  intervalMs?: number;
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
  const format: OutputFormat = options.format ??
    (options.json ? "json" : stdoutTty ? "table" : "plain");
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
      opened ??= (async () => {
        const { openStore } = await import("../open_store.ts");
        const ca = options.caFile === undefined
          ? undefined
          : await Deno.readTextFile(options.caFile);
        try {
          return connected = await openStore(url, ca === undefined ? {} : { tls: { ca } });
        } catch (error) {
          // A bad URL is the store's fault, not the command's: no command usage after it.
          if (error instanceof TypeError || error instanceof RangeError) {
            throw new CommandFailure(errorText(error), undefined, { cause: error, badInput: true });
          }
          throw error;
        }
      })()
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

/**
 * Runs the CLI and returns its exit code: 0, 1 for a failure, 2 for a usage
 * error (a piped script: the code of its first failed line).
 */
export async function main(options: MainOptions): Promise<number> {
  const interactive = options.words.length === 0 && Deno.stdin.isTerminal();
  let session;
  try {
    session = createSession(options, {
      interactive,
      stdin: options.words.length > 0 && !Deno.stdin.isTerminal(),
    });
  } catch (error) {
    const json = options.format === "json" || options.json === true;
    writerOf(Deno.stderr).write(errorOutput({ format: json ? "json" : "plain" }, error));
    return exitCodeOf(error);
  }
  try {
    if (options.words.length > 0) {
      const sigint = abortOnSigint();
      const signal = sigint.controller.signal;
      try {
        const times = options.repeat ?? 1;
        for (let i = 0; times === -1 || i < times; i++) {
          if (i > 0) {
            await abortableSleep(options.intervalMs ?? 0, signal);
            if (signal.aborted) break;
          }
          await runWords(session, options.words, { signal });
          if (signal.aborted) break;
        }
        return 0;
      } catch (error) {
        session.err.write(errorOutput(session, error));
        return exitCodeOf(error);
      } finally {
        sigint.stop();
      }
    }
    if (!interactive) {
      let code = 0;
      const sigint = abortOnSigint();
      try {
        for await (const line of stdinLines()) {
          if (sigint.controller.signal.aborted) break;
          const failed = await runLineCode(session, line, { signal: sigint.controller.signal });
          if (failed !== 0 && code === 0) code = failed;
          if (session.quitRequested) break;
        }
      } finally {
        sigint.stop();
      }
      return code;
    }
    const { runRepl } = await import("./repl.ts");
    return await runRepl(session);
  } finally {
    await session.close();
  }
}
