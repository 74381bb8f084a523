/**
 * What the producer and consumer scripts share: usage errors, strict number
 * options, stopping on SIGINT/SIGTERM, and abortable sleeps.
 *
 * @module
 */

import {
  abortableSleep,
  AuthenticationError,
  ConnectionError,
  errorLine,
  errorText,
  ReplyError,
  StoreLockedError,
  UsageError,
} from "../mod.ts";

export { errorLine, errorText, UsageError };

/** Whether Redis refused a write for want of memory (`OOM`, maxmemory with noeviction). */
export function isOutOfMemory(error: unknown): boolean {
  return error instanceof ReplyError && error.code === "OOM";
}

/**
 * An error as a warning says it: {@linkcode errorText}, with what to do about
 * an OOM, and without the trailing period of Redis's own texts.
 *
 * @example An OOM reply
 * ```ts
 * import { ReplyError } from "../mod.ts";
 * import { warningText } from "./_cli.ts";
 * import assert from "node:assert/strict";
 * assert.equal(
 *   warningText(new ReplyError("OOM command not allowed when used memory > 'maxmemory'.")),
 *   "Redis refuses writes: OOM command not allowed when used memory > 'maxmemory' (raise maxmemory, or trim the streams)",
 * );
 * ```
 */
export function warningText(error: unknown): string {
  const text = errorText(error).replace(/\.$/, "");
  return isOutOfMemory(error)
    ? `Redis refuses writes: ${text} (raise maxmemory, or trim the streams)`
    : text;
}

/**
 * The one line printed when the trouble that `error` warned of is over and
 * `doing` goes on: Redis reachable again (or accepting the password, or
 * writes), the embedded store unlocked.
 *
 * @example After a connection outage and after an OOM
 * ```ts
 * import { ConnectionError, ReplyError } from "../mod.ts";
 * import { recoveryLine } from "./_cli.ts";
 * import assert from "node:assert/strict";
 * assert.equal(recoveryLine(new ConnectionError("lost"), "sending"), "Redis reachable again; sending");
 * assert.equal(
 *   recoveryLine(new ReplyError("OOM command not allowed"), "sending"),
 *   "Redis accepts writes again; sending",
 * );
 * ```
 */
export function recoveryLine(error: unknown, doing: string): string {
  if (error instanceof StoreLockedError) {
    return `the embedded store ${error.displayUrl} is unlocked again; ${doing}`;
  }
  if (error instanceof AuthenticationError) return `Redis accepts the password again; ${doing}`;
  if (isOutOfMemory(error)) return `Redis accepts writes again; ${doing}`;
  if (error instanceof ConnectionError) return `Redis reachable again; ${doing}`;
  return `the store answers again; ${doing}`;
}

/** What kind of trouble `error` is: a warning is repeated at once when the kind changes. */
export function troubleOf(error: unknown): string {
  if (error instanceof StoreLockedError) return "locked";
  if (error instanceof AuthenticationError) return "auth";
  if (isOutOfMemory(error)) return "oom";
  if (error instanceof ConnectionError) return "unreachable";
  return errorText(error);
}

/** Exit code for bad input. */
export const EXIT_USAGE = 2;

/**
 * The one line printed after a usage error, instead of the whole usage.
 *
 * @example The line after a usage error
 * ```ts
 * import { usageHint } from "./_cli.ts";
 * import assert from "node:assert/strict";
 * assert.equal(usageHint("produce"), "(deno task produce --help lists the options)");
 * ```
 */
export function usageHint(task: string): string {
  return `(deno task ${task} --help lists the options)`;
}

/**
 * What a script prints on stderr when it stops on an error: the error line
 * (and, for bad input, the one-line hint), or with `--json` one JSON object
 * `{"error":WHAT[,"hint":HINT]}`.
 *
 * @example Plain and --json
 * ```ts
 * import { failureOutput, UsageError } from "./_cli.ts";
 * import assert from "node:assert/strict";
 * assert.equal(
 *   failureOutput(new UsageError("missing SENSOR_ID"), { json: false, task: "produce" }),
 *   "error: missing SENSOR_ID\n(deno task produce --help lists the options)",
 * );
 * assert.equal(failureOutput(new Error("down"), { json: true }), '{"error":"down"}');
 * ```
 */
export function failureOutput(
  error: unknown,
  options: { json: boolean; task?: string },
): string {
  const hint = options.task ? usageHint(options.task) : undefined;
  if (options.json) return JSON.stringify({ error: errorText(error), ...(hint ? { hint } : {}) });
  return hint ? `${errorLine(error)}\n${hint}` : errorLine(error);
}

/**
 * Turns the errors `node:util` parseArgs throws into one short line.
 */
export function usageErrorFrom(error: unknown): UsageError {
  if (error instanceof UsageError) return error;
  const code = (error as { code?: string })?.code;
  const message = error instanceof Error ? error.message : String(error);
  const option = /'(-[^']*)'/.exec(message)?.[1];
  switch (code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return new UsageError(`unknown option ${option ?? message}`);
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
      if (/does not take an argument/.test(message)) {
        const flag = option?.replace(/^(-\w), /, "") ?? message;
        return new UsageError(`option ${flag} takes no value: write ${flag.split("=")[0]} alone`);
      }
      return new UsageError(
        option ? `option ${option.replace(/^(-\w), /, "")} needs a value` : message,
      );
    case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
      return new UsageError(`unexpected argument ${/'([^']*)'/.exec(message)?.[1] ?? message}`);
  }
  return new UsageError(message.split("\n")[0]!);
}

/**
 * Parses a whole number option (digits only; `1e3`, `-1`, `1.5` are refused).
 *
 * @throws {UsageError} naming the option and the value.
 */
export function intOption(
  value: string | undefined,
  name: string,
  options: { min?: number; max?: number } = {},
): number | undefined {
  if (value === undefined) return undefined;
  const min = options.min ?? 0;
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new UsageError(`--${name} must be a whole number >= ${min}, got '${value}'`);
  }
  const n = Number(value);
  if (n < min || (options.max !== undefined && n > options.max)) {
    throw new UsageError(
      `--${name} must be ${
        options.max === undefined ? `>= ${min}` : `${min}..${options.max}`
      }, got ${n}`,
    );
  }
  return n;
}

/**
 * Parses a positive decimal option such as a rate or a threshold.
 *
 * @throws {UsageError} naming the option and the value.
 */
export function numberOption(
  value: string | undefined,
  name: string,
  options: { positive?: boolean } = {},
): number | undefined {
  if (value === undefined) return undefined;
  if (!/^-?(\d+\.?\d*|\.\d+)$/.test(value)) {
    throw new UsageError(`--${name} must be a number, got '${value}'`);
  }
  const n = Number(value);
  if (options.positive && !(n > 0)) {
    throw new UsageError(`--${name} must be greater than 0, got ${value}`);
  }
  return n;
}

/**
 * An `AbortSignal` that aborts on the first SIGINT or SIGTERM (SIGINT and
 * SIGBREAK on Windows). Dispose it to remove the listeners.
 */
export function shutdownSignal():
  & { signal: AbortSignal; received: () => string | undefined }
  & Disposable {
  const controller = new AbortController();
  let received: string | undefined;
  const signals: Deno.Signal[] = Deno.build.os === "windows"
    ? ["SIGINT", "SIGBREAK"]
    : ["SIGINT", "SIGTERM"];
  const listeners = signals.map((name) => {
    const listener = () => {
      received ??= name;
      controller.abort(new Error(`received ${name}`));
    };
    Deno.addSignalListener(name, listener);
    return [name, listener] as const;
  });
  return {
    signal: controller.signal,
    received: () => received,
    [Symbol.dispose]() {
      for (const [name, listener] of listeners) Deno.removeSignalListener(name, listener);
    },
  };
}

/** Waits `ms`, or less when `signal` aborts (never rejects). */
export const sleep = abortableSleep;
