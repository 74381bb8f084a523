/**
 * Pure builders of stream command argument arrays. They validate their input
 * (bad values throw `TypeError`/`RangeError` naming the value) and never talk
 * to a server, so they are tested against exact arrays.
 *
 * @module
 */

import type {
  AddOptions,
  AutoClaimOptions,
  ClaimOptions,
  Fields,
  PendingOptions,
  RangeOptions,
  TrimOptions,
} from "../store.ts";
import { checkAddId, checkRangeBound, checkReadId } from "../stream_id.ts";
import { checkInteger, checkName } from "../checks.ts";
export { checkGroupStart, checkIds, checkInteger, checkName } from "../checks.ts";

/** Flattens fields to `field value …`, checking they are strings. */
export function fieldArgs(fields: Fields): string[] {
  if (fields === null || typeof fields !== "object" || Array.isArray(fields)) {
    throw new TypeError(`Fields must be an object of string values`);
  }
  const out: string[] = [];
  for (const key in fields) {
    const value = fields[key];
    if (typeof value !== "string") {
      throw new TypeError(
        `Field '${key}' must be a string, got ${typeof value}; convert it (String(x)) or use the JSON codec`,
      );
    }
    out.push(key, value);
  }
  if (out.length === 0) throw new RangeError("An entry needs at least one field");
  return out;
}

/** The `MAXLEN|MINID [=|~] threshold [LIMIT n]` part of XADD and XTRIM. */
export function trimArgs(options: TrimOptions, required = false): string[] {
  const { maxLen, minId, approximate, limit } = options;
  if (maxLen !== undefined && minId !== undefined) {
    throw new TypeError("Give either maxLen or minId, not both");
  }
  if (maxLen === undefined && minId === undefined) {
    if (required) throw new TypeError("Trimming needs maxLen or minId");
    if (limit !== undefined) throw new TypeError("limit needs maxLen or minId");
    return [];
  }
  const out = maxLen !== undefined
    ? ["MAXLEN", ...(approximate ? ["~"] : []), String(checkInteger(maxLen, "maxLen"))]
    : ["MINID", ...(approximate ? ["~"] : []), checkRangeBound(minId!)];
  if (minId !== undefined && (minId.startsWith("(") || minId === "-" || minId === "+")) {
    throw new RangeError(`Invalid minId '${minId}': expected an ID like 1526919030474-0`);
  }
  if (limit !== undefined) {
    if (!approximate) throw new TypeError("limit needs approximate trimming (~)");
    out.push("LIMIT", String(checkInteger(limit, "limit")));
  }
  return out;
}

/**
 * XADD arguments.
 *
 * @example MAXLEN ~ goes before the ID
 * ```ts
 * import { xaddArgs } from "@rstream/rstream";
 * const args = xaddArgs("app:event", { a: "1" }, { maxLen: 1000, approximate: true });
 * console.assert(args.join(" ") === "XADD app:event MAXLEN ~ 1000 * a 1");
 * ```
 */
export function xaddArgs(stream: string, fields: Fields, options: AddOptions = {}): string[] {
  return [
    "XADD",
    checkName(stream, "Stream name"),
    ...(options.noMkStream ? ["NOMKSTREAM"] : []),
    ...trimArgs(options),
    checkAddId(options.id ?? "*"),
    ...fieldArgs(fields),
  ];
}

/** XRANGE or XREVRANGE arguments (XREVRANGE takes the high bound first). */
export function xrangeArgs(stream: string, options: RangeOptions = {}): string[] {
  const start = checkRangeBound(options.start ?? "-");
  const end = checkRangeBound(options.end ?? "+");
  const count = options.count === undefined
    ? []
    : ["COUNT", String(checkInteger(options.count, "count"))];
  checkName(stream, "Stream name");
  return options.reverse
    ? ["XREVRANGE", stream, end, start, ...count]
    : ["XRANGE", stream, start, end, ...count];
}

/** Normalises `streams` to `[names, ids]` for XREAD/XREADGROUP. */
export function streamsArgs(
  streams: string | Record<string, string>,
  defaultId: string,
  allowed: readonly string[],
): string[] {
  const pairs: [string, string][] = typeof streams === "string"
    ? [[streams, defaultId]]
    : Object.entries(streams);
  if (pairs.length === 0) throw new RangeError("Read at least one stream");
  const names = pairs.map(([name]) => checkName(name, "Stream name"));
  const ids = pairs.map(([, id]) => checkReadId(id, allowed));
  return ["STREAMS", ...names, ...ids];
}

/** XREAD arguments. */
export function xreadArgs(
  streams: string | Record<string, string>,
  options: { id?: string; count?: number; blockMs?: number } = {},
): string[] {
  return [
    "XREAD",
    ...(options.count === undefined
      ? []
      : ["COUNT", String(checkInteger(options.count, "count", 1))]),
    ...(options.blockMs === undefined
      ? []
      : ["BLOCK", String(checkInteger(options.blockMs, "blockMs"))]),
    ...streamsArgs(streams, options.id ?? "$", ["$", "+"]),
  ];
}

/** XREADGROUP arguments. */
export function xreadgroupArgs(
  streams: string | Record<string, string>,
  group: string,
  options: { consumer: string; id?: string; count?: number; blockMs?: number; noAck?: boolean },
): string[] {
  return [
    "XREADGROUP",
    "GROUP",
    checkName(group, "Group name"),
    checkName(options.consumer, "Consumer name"),
    ...(options.count === undefined
      ? []
      : ["COUNT", String(checkInteger(options.count, "count", 1))]),
    ...(options.blockMs === undefined
      ? []
      : ["BLOCK", String(checkInteger(options.blockMs, "blockMs"))]),
    ...(options.noAck ? ["NOACK"] : []),
    ...streamsArgs(streams, options.id ?? ">", [">"]),
  ];
}

/** XPENDING arguments: the summary form, or the extended form when `options` is given. */
export function xpendingArgs(stream: string, group: string, options?: PendingOptions): string[] {
  const head = ["XPENDING", checkName(stream, "Stream name"), checkName(group, "Group name")];
  if (options === undefined) return head;
  return [
    ...head,
    ...(options.minIdleMs === undefined
      ? []
      : ["IDLE", String(checkInteger(options.minIdleMs, "minIdleMs"))]),
    checkRangeBound(options.start ?? "-"),
    checkRangeBound(options.end ?? "+"),
    String(checkInteger(options.count ?? 100, "count")),
    ...(options.consumer === undefined ? [] : [checkName(options.consumer, "Consumer name")]),
  ];
}

/** XCLAIM arguments. */
export function xclaimArgs(
  stream: string,
  group: string,
  options: ClaimOptions & { justId?: boolean },
): string[] {
  if (!Array.isArray(options.ids)) {
    throw new TypeError(`ids must be an array of IDs, got ${typeof options.ids}`);
  }
  if (options.ids.length === 0) throw new RangeError("Claim at least one ID");
  return [
    "XCLAIM",
    checkName(stream, "Stream name"),
    checkName(group, "Group name"),
    checkName(options.consumer, "Consumer name"),
    String(checkInteger(options.minIdleMs, "minIdleMs")),
    ...options.ids.map((id) => checkReadId(id, [])),
    ...(options.idleMs === undefined
      ? []
      : ["IDLE", String(checkInteger(options.idleMs, "idleMs"))]),
    ...(options.timeMs === undefined
      ? []
      : ["TIME", String(checkInteger(options.timeMs, "timeMs"))]),
    ...(options.retryCount === undefined
      ? []
      : ["RETRYCOUNT", String(checkInteger(options.retryCount, "retryCount"))]),
    ...(options.force ? ["FORCE"] : []),
    ...(options.justId ? ["JUSTID"] : []),
  ];
}

/** XAUTOCLAIM arguments. */
export function xautoclaimArgs(
  stream: string,
  group: string,
  options: AutoClaimOptions & { justId?: boolean },
): string[] {
  return [
    "XAUTOCLAIM",
    checkName(stream, "Stream name"),
    checkName(group, "Group name"),
    checkName(options.consumer, "Consumer name"),
    String(checkInteger(options.minIdleMs, "minIdleMs")),
    checkReadId(options.start ?? "0-0", []),
    "COUNT",
    String(checkInteger(options.count ?? 100, "count", 1)),
    ...(options.justId ? ["JUSTID"] : []),
  ];
}
