/**
 * Test helper: runs cli.ts as a subprocess with the permissions of the
 * `start` task (so the tests also prove those are enough), stdin piped.
 *
 * @module
 */

import denoJson from "../../deno.json" with { type: "json" };

const ROOT = new URL("../../", import.meta.url).pathname;

/** The `deno run` flags of the `start` task. */
export function startTaskFlags(): string[] {
  const words = denoJson.tasks.start.split(/\s+/);
  return words.slice(2, words.indexOf("cli.ts"));
}

/** What a CLI run printed. */
export interface CliResult {
  /** Exit code. */
  code: number;
  /** Standard output. */
  stdout: string;
  /** Standard error. */
  stderr: string;
}

/** Runs `rstream --url URL ARGS…` with `stdin` piped in; TZ is UTC so times are stable. */
export async function runCli(
  args: string[],
  options: { url?: string; stdin?: string; env?: Record<string, string> } = {},
): Promise<CliResult> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-q",
      ...startTaskFlags(),
      `${ROOT}cli.ts`,
      ...(options.url ? ["--url", options.url] : []),
      ...args,
    ],
    cwd: ROOT,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    env: { TZ: "UTC", NO_COLOR: "", ...options.env },
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(options.stdin ?? ""));
  await writer.close();
  const out = await child.output();
  const decoder = new TextDecoder();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

/** Lines of text, without the final empty one. */
export function lines(text: string): string[] {
  return text.split("\n").filter((line, i, all) => i < all.length - 1 || line !== "");
}
