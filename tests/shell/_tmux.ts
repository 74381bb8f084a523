/**
 * Test helper: runs the shell in a real pseudo-terminal (a private tmux
 * server), types keys and reads the screen as a person sees it.
 *
 * When tmux is missing, {@linkcode tmuxUnavailable} says why and the PTY
 * tests are ignored (the reason is printed once).
 *
 * @module
 */

import { startTaskFlags } from "./_cli.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

async function probe(): Promise<string | undefined> {
  try {
    const out = await new Deno.Command("tmux", { args: ["-V"], stdout: "null", stderr: "null" })
      .output();
    return out.success ? undefined : "tmux -V failed";
  } catch {
    return "tmux is not on PATH (apt-get install -y tmux)";
  }
}

/** Why PTY tests cannot run here, or `undefined`. */
export const tmuxUnavailable: string | undefined = await probe();
if (tmuxUnavailable) console.warn(`Shell PTY tests ignored: ${tmuxUnavailable}`);

/** A shell running in tmux. */
export interface Terminal extends AsyncDisposable {
  /** Sends tmux key names or literal text (`send("len s", "Enter")`, `send("C-c")`). */
  send(...keys: string[]): Promise<void>;
  /** Types text literally (no key-name interpretation). */
  type(text: string): Promise<void>;
  /** The visible screen, trailing blank lines dropped, each line right-trimmed. */
  screen(): Promise<string>;
  /** Waits until the screen matches; fails with the screen after `timeoutMs`. */
  waitFor(pattern: RegExp | string, timeoutMs?: number): Promise<string>;
}

async function tmux(socket: string, args: string[]): Promise<string> {
  const out = await new Deno.Command("tmux", { args: ["-L", socket, ...args], stderr: "piped" })
    .output();
  if (!out.success) {
    throw new Error(`tmux ${args[0]} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
  return new TextDecoder().decode(out.stdout);
}

/**
 * Starts `rstream --url URL` in an 100×30 terminal, with TZ=UTC and the
 * history in `historyFile` (`viaTask`: through `deno task start`, as the README says). When the CLI exits the pane shows `[exited N]`.
 */
export async function startShell(
  url: string,
  options: { historyFile: string; env?: Record<string, string>; viaTask?: boolean },
): Promise<Terminal> {
  const socket = `rstream-test-${crypto.randomUUID().slice(0, 8)}`;
  const flags = startTaskFlags().map((f) => `'${f}'`).join(" ");
  const run = options.viaTask
    ? `${Deno.execPath()} task start --url '${url}'` // exactly what the README says to type
    : `${Deno.execPath()} run -q ${flags} cli.ts --url '${url}'`;
  const command = `${run}; echo "[exited $?]"; sleep 600`;
  const env = {
    TZ: "UTC",
    TERM: "xterm-256color",
    RSTREAM_HISTORY: options.historyFile,
    HOME: Deno.env.get("HOME") ?? "/tmp",
    PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
    NO_COLOR: "1",
    ...options.env,
  };
  const start = await new Deno.Command("tmux", {
    args: [
      "-L",
      socket,
      "-f",
      "/dev/null",
      "new-session",
      "-d",
      "-x",
      "100",
      "-y",
      "30",
      "-c",
      ROOT,
      command,
    ],
    env,
    clearEnv: true,
  }).output();
  if (!start.success) {
    throw new Error(`tmux new-session failed: ${new TextDecoder().decode(start.stderr)}`);
  }
  const terminal: Terminal = {
    async send(...keys) {
      await tmux(socket, ["send-keys", "-t", "0", ...keys]);
    },
    async type(text) {
      await tmux(socket, ["send-keys", "-t", "0", "-l", text]);
    },
    async screen() {
      const text = await tmux(socket, ["capture-pane", "-p", "-t", "0"]);
      return text.split("\n").map((line) => line.trimEnd()).join("\n").replace(/\n+$/, "");
    },
    async waitFor(pattern, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const screen = await terminal.screen();
        if (typeof pattern === "string" ? screen.includes(pattern) : pattern.test(screen)) {
          return screen;
        }
        if (Date.now() > deadline) {
          throw new Error(`Timed out waiting for ${pattern}; the screen:\n${screen}`);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async [Symbol.asyncDispose]() {
      await tmux(socket, ["kill-server"]).catch(() => {});
    },
  };
  return terminal;
}
