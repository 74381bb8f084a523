/**
 * The embedded backend's command table: the handlers each family file lists,
 * and the lookup that answers unknown commands, unknown subcommands and wrong
 * argument counts with Redis 7.0's texts.
 *
 * @module
 */

import { ReplyError } from "../errors.ts";
import { COLLECTION_HANDLERS } from "./collections.ts";
import { GROUP_HANDLERS } from "./groups.ts";
import type { HandlerSpec } from "./handler.ts";
import { INFO_HANDLERS } from "./info.ts";
import { KEY_HANDLERS } from "./keys.ts";
import { NODE_HANDLERS } from "./nodes.ts";
import { PENDING_HANDLERS } from "./pending.ts";
import { READ_HANDLERS } from "./reads.ts";
import { RESTORE_HANDLERS } from "./restore.ts";
import { arityError, asciiLower, checkNoNul, sanitizeErrorText } from "./replies.ts";
import { STREAM_HANDLERS } from "./streams.ts";

const ALL: readonly HandlerSpec[] = [
  ...KEY_HANDLERS,
  ...STREAM_HANDLERS,
  ...PENDING_HANDLERS,
  ...READ_HANDLERS,
  ...GROUP_HANDLERS,
  ...INFO_HANDLERS,
  ...COLLECTION_HANDLERS,
  ...NODE_HANDLERS,
  ...RESTORE_HANDLERS,
];

/** Every command and subcommand the embedded store runs (for COMMAND of `rstream serve`). */
export function commandSpecs(): readonly HandlerSpec[] {
  return ALL;
}

/** Top-level commands by lower-case name. */
const COMMANDS = new Map(ALL.filter((h) => !h.name.includes("|")).map((h) => [h.name, h]));

/** Subcommands (`xgroup|create`) by container, then by subcommand name. */
const CONTAINERS = new Map<string, Map<string, HandlerSpec>>();
for (const spec of ALL) {
  const bar = spec.name.indexOf("|");
  if (bar === -1) continue;
  const container = spec.name.slice(0, bar);
  if (!CONTAINERS.has(container)) CONTAINERS.set(container, new Map());
  CONTAINERS.get(container)!.set(spec.name.slice(bar + 1), spec);
}

function unknownCommand(args: readonly string[]): ReplyError {
  let rest = "";
  for (let i = 1; i < args.length && rest.length < 128; i++) {
    rest += `'${args[i].slice(0, 128 - rest.length)}' `;
  }
  return new ReplyError(
    sanitizeErrorText(
      `ERR unknown command '${(args[0] ?? "").slice(0, 128)}', with args beginning with: ${rest}`,
    ),
  );
}

function arityOk(arity: number, argc: number): boolean {
  return arity >= 0 ? argc === arity : argc >= -arity;
}

/**
 * Finds the command for `args`.
 *
 * @throws {ReplyError} Redis's unknown command / subcommand and arity errors
 */
export function lookupCommand(args: readonly string[]): HandlerSpec {
  const name = asciiLower(args[0] ?? "");
  // Names and string values are stored as SQLite TEXT, which ends at a NUL;
  // XADD's field values are stored as JSON and checked by xadd() itself;
  // RESTORE's payload is binary, and restore() checks the names it holds.
  if (name === "restore") checkNoNul(args, 3);
  else if (name !== "xadd") checkNoNul(args, args.length);
  const container = CONTAINERS.get(name);
  if (container !== undefined) {
    if (args.length < 2) throw arityError(name);
    const sub = container.get(asciiLower(args[1]));
    if (sub === undefined) {
      throw new ReplyError(
        sanitizeErrorText(
          `ERR unknown subcommand '${args[1].slice(0, 128)}'. Try ${args[0].toUpperCase()} HELP.`,
        ),
      );
    }
    if (!arityOk(sub.arity, args.length)) throw arityError(sub.name);
    return sub;
  }
  const spec = COMMANDS.get(name);
  if (spec === undefined) throw unknownCommand(args);
  if (!arityOk(spec.arity, args.length)) throw arityError(spec.name);
  return spec;
}
