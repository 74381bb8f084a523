/**
 * What a shell command runs with: the store (opened on first use), where and
 * how to print, the stream in use, and the signal that Ctrl-C aborts.
 *
 * @module
 */

import type { StreamStore } from "../store.ts";

/** How results are printed: tables with colors (TTY), tab-separated lines (piped or `--raw`), comma-separated values (`--csv`), or NDJSON (`--json`). */
export type OutputFormat = "table" | "plain" | "csv" | "json";

/** Where a command prints. */
export interface Output {
  /** Writes text as is (include the newline). */
  write(text: string): void;
}

/** The session state shared by the commands of one shell or one-shot run. */
export interface Session {
  /** Opens the store on first call and returns the same one afterwards. */
  store(): Promise<StreamStore>;
  /** What the prompt shows for the store before it is opened: `embedded` or the redacted URL. */
  readonly storeLabel: string;
  /** The stream `use` selected, if any. */
  stream?: string;
  /** Output format. */
  readonly format: OutputFormat;
  /** Whether to color output. */
  readonly color: boolean;
  /** Whether this is the interactive shell (as opposed to a one-shot command or a script). */
  readonly interactive: boolean;
  /** Terminal width for tables, when known. */
  readonly columns?: number;
  /** Standard output. */
  readonly out: Output;
  /** Where error lines go. */
  readonly err: Output;
  /** Lines of standard input, for `add STREAM -`; absent when stdin is the script itself. */
  readonly stdinLines?: () => AsyncIterable<string>;
  /** Set by `quit`. */
  quitRequested?: boolean;
}

/** One command's run: the session plus the signal Ctrl-C aborts. */
export interface RunContext {
  /** The session. */
  readonly session: Session;
  /** Aborted by Ctrl-C: long-running commands (tail, top, blocking reads) stop and return. */
  readonly signal: AbortSignal;
}

/**
 * Writes to a Deno stream synchronously (output order stays the order of
 * calls). When the reader went away (`rstream range s | head`), the process
 * exits quietly, as command-line tools do.
 */
export function writerOf(file: { writeSync(p: Uint8Array): number }): Output {
  const encoder = new TextEncoder();
  return {
    write(text: string) {
      let bytes = encoder.encode(text);
      try {
        while (bytes.length > 0) bytes = bytes.subarray(file.writeSync(bytes));
      } catch (error) {
        if (error instanceof Deno.errors.BrokenPipe) Deno.exit(0);
        throw error;
      }
    },
  };
}
