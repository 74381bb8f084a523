/**
 * Runs the scripts as a person (or systemd) would: as subprocesses, with
 * exactly the permissions baked into the compiled binaries, from a temporary
 * working directory whose `.rstream/` holds the embedded store.
 *
 * @module
 */

import { openStore } from "../../lib/open_store.ts";
import type { StreamStore } from "../../lib/store.ts";
import { BINARIES } from "../../scripts/_binaries.ts";
import { ignoreRedis, startRedis } from "../_redis_server.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

/** The backends the scripts run on. */
export type ScriptBackend = "redis" | "embedded";

/** Where a script test runs. */
export interface ScriptContext {
  /** Which backend. */
  backend: ScriptBackend;
  /** The URL the scripts get with `--url` (relative `file:` for embedded). */
  url: string;
  /** The scripts' working directory (removed afterwards). */
  cwd: string;
  /** A store on the same data, for setting up and asserting state. */
  store: StreamStore;
}

/**
 * How long {@linkcode runScript} and {@linkcode ScriptProcess.exited} wait for
 * a script to exit before they kill it and fail (a `--max` never reached).
 */
export const SCRIPT_TIMEOUT_MS = 60_000;

/** Options of {@linkcode runScript} and {@linkcode spawnScript}. */
export interface RunOptions {
  /** Working directory (default: a fresh one is not made; give the context's). */
  cwd: string;
  /** Extra environment; REDIS_URL and RSTREAM_DB are cleared unless given. */
  env?: Record<string, string>;
  /** {@linkcode runScript}: kill the script and fail after this long (default {@linkcode SCRIPT_TIMEOUT_MS}). */
  timeoutMs?: number;
}

function command(binary: string, args: string[], options: RunOptions): Deno.Command {
  const spec = BINARIES.find((b) => b.name === binary);
  if (!spec) throw new Error(`no binary ${binary}`);
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      "--config",
      `${ROOT}deno.json`,
      ...spec.runtimeFlags,
      ...spec.permissions,
      `${ROOT}${spec.entry}`,
      ...args,
    ],
    cwd: options.cwd,
    env: { REDIS_URL: "", RSTREAM_DB: "", RSTREAM_TLS_CA: "", NO_COLOR: "1", ...options.env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  });
}

/** What a finished script printed. */
export interface ScriptResult {
  /** Exit code. */
  code: number;
  /** Standard output lines (no trailing empty line). */
  stdout: string[];
  /** Standard error lines. */
  stderr: string[];
}

function lines(text: string): string[] {
  return text === "" ? [] : text.replace(/\n$/, "").split("\n");
}

/**
 * Runs `rstream-produce` or `rstream-consume` to completion; one still running
 * after `options.timeoutMs` is killed and fails the test, naming it.
 */
export function runScript(
  binary: "rstream-produce" | "rstream-consume",
  args: string[],
  options: RunOptions,
): Promise<ScriptResult> {
  return spawnScript(binary, args, options).exited(options.timeoutMs);
}

/** A running script whose output can be awaited line by line. */
export class ScriptProcess implements AsyncDisposable {
  /** Standard output so far. */
  readonly stdout: string[] = [];
  /** Standard error so far. */
  readonly stderr: string[] = [];
  /** The child process. */
  readonly child: Deno.ChildProcess;
  /** Resolves when it exited and its output was read. */
  readonly done: Promise<ScriptResult>;
  /** The command line, for failure messages. */
  readonly label: string;
  #waiters = new Set<() => void>();

  constructor(child: Deno.ChildProcess, label = "script") {
    this.child = child;
    this.label = label;
    const pump = async (stream: ReadableStream<Uint8Array>, into: string[]) => {
      let buffer = "";
      for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
        buffer += chunk;
        const parts = buffer.split("\n");
        buffer = parts.pop()!;
        into.push(...parts);
        for (const wake of this.#waiters) wake();
      }
      if (buffer) into.push(buffer);
    };
    this.done = Promise.all([
      pump(child.stdout, this.stdout),
      pump(child.stderr, this.stderr),
      child.status,
    ]).then(([, , status]) => {
      for (const wake of this.#waiters) wake();
      return { code: status.code, stdout: this.stdout, stderr: this.stderr };
    });
  }

  /** Waits until a stdout line matches (returns it); fails after `timeoutMs` or on exit. */
  async waitForLine(pattern: RegExp, options: { timeoutMs?: number } = {}): Promise<string> {
    const deadline = Date.now() + (options.timeoutMs ?? 15_000);
    let exited = false;
    this.done.then(() => exited = true);
    while (true) {
      const found = this.stdout.find((line) => pattern.test(line));
      if (found !== undefined) return found;
      if (exited || Date.now() > deadline) {
        throw new Error(
          `No line matching ${pattern} (${exited ? "exited" : "timed out"}); stdout:\n${
            this.stdout.join("\n")
          }\nstderr:\n${this.stderr.join("\n")}`,
        );
      }
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.#waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, 50);
        this.#waiters.add(wake);
      });
    }
  }

  /**
   * Waits for it to exit. Still running after `timeoutMs`, it is killed
   * (SIGKILL) and this fails naming the command and what it printed: a run
   * that never ends is a failure, not a hang.
   */
  async exited(timeoutMs: number = SCRIPT_TIMEOUT_MS): Promise<ScriptResult> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), timeoutMs);
    });
    try {
      const result = await Promise.race([this.done, timedOut]);
      if (result !== undefined) return result;
    } finally {
      clearTimeout(timer);
    }
    this.kill("SIGKILL");
    await this.done;
    throw new Error(
      `${this.label} still running after ${timeoutMs} ms (killed); stdout:\n${
        this.stdout.join("\n")
      }\nstderr:\n${this.stderr.join("\n")}`,
    );
  }

  /** Sends a signal (ignored when it already exited). */
  kill(signal: Deno.Signal): void {
    try {
      this.child.kill(signal);
    } catch { /* already exited */ }
  }

  /** Kills it if still running and waits for it. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.kill("SIGKILL");
    await this.done;
  }
}

/** Starts `rstream-produce` or `rstream-consume` in the background. */
export function spawnScript(
  binary: "rstream-produce" | "rstream-consume",
  args: string[],
  options: RunOptions,
): ScriptProcess {
  return new ScriptProcess(command(binary, args, options).spawn(), [binary, ...args].join(" "));
}

/**
 * Registers `name [redis]` and `name [embedded]`: a private redis-server, or
 * an embedded store at `.rstream/streams.db` in the scripts' working
 * directory (the only place the baked-in permissions let them write).
 */
export function scriptTest(
  name: string,
  fn: (context: ScriptContext) => Promise<void>,
  options: { backends?: ScriptBackend[] } = {},
): void {
  for (const backend of options.backends ?? ["redis", "embedded"]) {
    Deno.test({
      name: `${name} [${backend}]`,
      ignore: backend === "redis" && ignoreRedis,
      sanitizeResources: false,
      sanitizeOps: false,
      async fn() {
        const cwd = await Deno.makeTempDir({ prefix: "rstream-scripts-" });
        try {
          if (backend === "redis") {
            await using redis = await startRedis();
            await using store = await openStore(redis.url);
            await fn({ backend, url: redis.url, cwd, store });
          } else {
            await Deno.mkdir(`${cwd}/.rstream`);
            await using store = await openStore(`file:${cwd}/.rstream/streams.db`);
            await fn({ backend, url: "file:.rstream/streams.db", cwd, store });
          }
        } finally {
          await Deno.remove(cwd, { recursive: true });
        }
      },
    });
  }
}

/** Runs redis-cli against a server and returns its output lines. */
export async function redisCli(port: number, args: string[]): Promise<string[]> {
  const out = await new Deno.Command("redis-cli", {
    args: ["-p", String(port), "--no-auth-warning", ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  return lines(text);
}
