/**
 * Commands on entries: add, range, len, del, trim, info, streams, tail.
 *
 * @module
 */

import type { AddOptions, StreamEntry } from "../types.ts";
import { checkGroupStart, checkIds } from "../checks.ts";
import { checkRangeBound } from "../stream_id.ts";
import { currentLastId } from "../readers/tail.ts";
import { ReplyError } from "../errors.ts";
import { trimArgs, XADD } from "../commands/mod.ts";
import { arg, flag, list, must, num, opt, parseFieldWords, UsageError } from "./_input.ts";
import { addFromLines } from "./add_lines.ts";
import type { CommandSpec } from "./command_spec.ts";
import type { RunContext } from "./context.ts";
import { printEntries, printFollowed, printPairs, printResult, printRows } from "./print.ts";
import { idTime } from "./render.ts";

const STREAM = { name: "stream", kind: "stream", description: "the stream's key" } as const;

/** How many entries `range` fetches per round trip. */
export const RANGE_PAGE = 500;

function trimOptions(context: { options: Record<string, unknown> }): AddOptions {
  const maxLen = context.options.maxlen as number | undefined;
  const minId = context.options.minid as string | undefined;
  if (maxLen !== undefined && minId !== undefined) {
    throw new UsageError("give --maxlen or --minid, not both");
  }
  return {
    ...(maxLen !== undefined ? { maxLen } : {}),
    ...(minId !== undefined ? { minId } : {}),
    ...(context.options.approx === true ? { approximate: true } : {}),
  };
}

const TRIM_OPTIONS = [
  { name: "maxlen", value: "N", integerMin: 0, description: "keep at most N entries (MAXLEN)" },
  { name: "minid", value: "ID", kind: "id", description: "evict entries below ID (MINID)" },
  { name: "approx", description: "trim approximately (~), cheaper" },
] as const;

async function add({ session, signal }: RunContext, input: Parameters<CommandSpec["run"]>[1]) {
  const stream = must(input, 0);
  const words = list(input, 1);
  const options: AddOptions = {
    ...trimOptions(input),
    ...(opt(input, "id") ? { id: opt(input, "id") } : {}),
  };
  if (words.includes("-")) {
    if (words.length > 1) throw new UsageError("'-' reads fields from stdin; give no other fields");
    if (options.id !== undefined) {
      throw new UsageError("--id cannot be used with '-' (each line gets *)");
    }
    XADD.args(stream, { check: "" }, options);
    if (!session.stdinLines) {
      throw new UsageError(
        "'add STREAM -' reads stdin, which is the script here; run it as one command: rstream add STREAM - < FILE",
      );
    }
    const store = await session.store();
    return addFromLines(session, store, { stream, options, signal });
  }
  const fields = parseFieldWords(words);
  XADD.args(stream, fields, options); // every check before the write
  const id = await (await session.store()).add(stream, fields, options);
  printResult(session, String(id), { stream, id });
}

/** Pages through a range, printing each page as it arrives. */
async function range({ session, signal }: RunContext, input: Parameters<CommandSpec["run"]>[1]) {
  const stream = must(input, 0);
  let start = checkRangeBound(arg(input, 1) ?? "-");
  let end = checkRangeBound(arg(input, 2) ?? "+");
  const reverse = flag(input, "rev");
  if (reverse && (start === "+" || end === "-")) {
    [start, end] = [end, start]; // XREVRANGE's order (`+ -`), as Redis users write it
  } else if (start === "+" && end === "-") {
    throw new UsageError("START comes first: range STREAM - + (add --rev for newest first)");
  }
  let left = num(input, "count") ?? Infinity;
  const store = await session.store();
  while (left > 0 && !signal.aborted) {
    const count = Math.min(left, RANGE_PAGE);
    const page = await store.range(stream, { start, end, count, reverse });
    if (signal.aborted) return;
    await printEntries(session, stream, page);
    left -= page.length;
    if (page.length < count) break;
    const last = page[page.length - 1].id;
    if (reverse) end = `(${last}`;
    else start = `(${last}`;
  }
}

async function info({ session }: RunContext, input: Parameters<CommandSpec["run"]>[1]) {
  const stream = must(input, 0);
  const store = await session.store();
  let result;
  try {
    result = await store.info(stream);
  } catch (error) {
    if (error instanceof ReplyError && /no such key/i.test(error.message)) {
      throw new Error(`stream '${stream}' does not exist`, { cause: error });
    }
    throw error;
  }
  if (session.format === "json") return printResult(session, "", { stream, ...result });
  const entry = (e: StreamEntry | null) => e ? `${e.id} (${idTime(e.id)})` : "-";
  await printPairs(session, [
    ["length", String(result.length)],
    ["first-entry", entry(result.firstEntry)],
    ["last-entry", entry(result.lastEntry)],
    ["last-generated-id", result.lastGeneratedId],
    ["entries-added", String(result.entriesAdded ?? "-")],
    ["max-deleted-entry-id", result.maxDeletedEntryId ?? "-"],
    ["groups", String(result.groups.length)],
  ]);
}

/** Follows a stream: reads after the last ID seen, so no entry is missed between reads. */
async function tail({ session, signal }: RunContext, input: Parameters<CommandSpec["run"]>[1]) {
  const stream = must(input, 0);
  const from = checkGroupStart(opt(input, "from") ?? "$");
  let left = num(input, "count") ?? Infinity;
  const store = await session.store();
  let after = from === "$" ? await currentLastId(store, stream) : from === "0" ? "0-0" : from;
  while (!signal.aborted && left > 0) {
    const reads = await store.read(stream, {
      id: after,
      blockMs: 1000,
      count: Math.min(left, 100),
      signal,
    });
    for (const { entries } of reads) {
      for (const entry of entries) {
        if (left <= 0) return;
        printFollowed(session, stream, entry);
        after = entry.id;
        left--;
      }
    }
  }
}

/** The entry commands. */
export const entryCommands: CommandSpec[] = [
  {
    name: "add",
    summary: "add an entry and print its ID; '-' adds one JSON object per stdin line",
    args: [STREAM, {
      name: "field=value",
      kind: "field",
      variadic: true,
      description: "the entry's fields, or - to read JSON objects from stdin",
    }],
    options: [
      { name: "id", value: "ID", kind: "id", description: "explicit ID (default *)" },
      ...TRIM_OPTIONS,
    ],
    examples: [
      "add app:event sensor_id=sensor2 temp=0.42",
      "add app:event --maxlen 1000 --approx temp=0.5",
      "deno task -q start add app:event - < events.ndjson",
    ],
    run: add,
  },
  {
    name: "range",
    summary: "list entries between two IDs (default: all), oldest first",
    args: [
      STREAM,
      { name: "start", kind: "id", optional: true, description: "low bound: -, an ID or (ID" },
      { name: "end", kind: "id", optional: true, description: "high bound: +, an ID or (ID" },
    ],
    options: [
      { name: "count", value: "N", integerMin: 0, description: "at most N entries" },
      { name: "rev", description: "newest first (the bounds may be given as XREVRANGE's + -)" },
    ],
    examples: [
      "range app:event",
      "range app:event - + --count 10 --rev",
      "range app:event 1700000000000 +",
    ],
    run: range,
  },
  {
    name: "len",
    summary: "print the number of entries (0 for a missing stream)",
    args: [STREAM],
    examples: ["len app:event"],
    run: async ({ session }, input) => {
      const stream = must(input, 0);
      const length = await (await session.store()).len(stream);
      printResult(session, String(length), { stream, length });
    },
  },
  {
    name: "del",
    summary: "delete entries by ID and print how many existed",
    args: [STREAM, { name: "id", kind: "id", variadic: true, description: "IDs to delete" }],
    examples: ["del app:event 1700000000000-0 1700000000001-0"],
    run: async ({ session }, input) => {
      const stream = must(input, 0);
      const ids = [...checkIds(list(input, 1), "ids")];
      const deleted = await (await session.store()).del(stream, ids);
      printResult(session, String(deleted), { stream, deleted });
    },
  },
  {
    name: "trim",
    summary: "evict old entries by count or ID and print how many went",
    usageNote: "give exactly one of --maxlen and --minid",
    args: [STREAM],
    options: [...TRIM_OPTIONS],
    examples: ["trim app:event --maxlen 1000", "trim app:event --minid 1700000000000 --approx"],
    run: async ({ session }, input) => {
      const stream = must(input, 0);
      const options = trimOptions(input);
      if (options.maxLen === undefined && options.minId === undefined) {
        throw new UsageError("give --maxlen N or --minid ID");
      }
      trimArgs(options, true);
      const evicted = await (await session.store()).trim(stream, options);
      printResult(session, String(evicted), { stream, evicted });
    },
  },
  {
    name: "setid",
    summary: "set the stream's last ID (XSETID), e.g. after restoring a copy",
    args: [STREAM, {
      name: "id",
      kind: "id",
      description: "the new last ID, not below the top entry",
    }],
    options: [
      {
        name: "entries-added",
        value: "N",
        integerMin: 0,
        description: "the entries-added counter, not below the length",
      },
      {
        name: "max-deleted-id",
        value: "ID",
        kind: "id",
        description: "the largest deleted ID, not above the new last ID",
      },
    ],
    examples: [
      "setid app:event 1700000000000-0",
      "setid app:event 1700000000000-0 --entries-added 120 --max-deleted-id 1600000000000-0",
    ],
    run: async ({ session }, input) => {
      const stream = must(input, 0);
      const id = must(input, 1);
      const entriesAdded = num(input, "entries-added");
      const maxDeletedId = opt(input, "max-deleted-id");
      await (await session.store()).setLastId(stream, {
        id,
        ...(entriesAdded === undefined ? {} : { entriesAdded }),
        ...(maxDeletedId === undefined ? {} : { maxDeletedId }),
      });
      printResult(session, "OK", { stream, lastId: id });
    },
  },
  {
    name: "info",
    summary: "show length, first and last entry, last ID and group count",
    args: [STREAM],
    examples: ["info app:event"],
    run: info,
  },
  {
    name: "streams",
    summary: "list stream keys, optionally matching a glob pattern",
    args: [{
      name: "pattern",
      kind: "pattern",
      optional: true,
      description: "glob, as in SCAN MATCH",
    }],
    examples: ["streams", "streams 'app:*'"],
    run: async ({ session }, input) => {
      const names = await (await session.store()).streams({ pattern: arg(input, 0) ?? "*" });
      if (session.format === "json") return printResult(session, "", names);
      await printRows(session, names, [{ head: "STREAM", cell: (name) => name }]);
    },
  },
  {
    name: "tail",
    summary: "follow new entries until Ctrl-C",
    args: [STREAM],
    options: [
      {
        name: "from",
        value: "ID",
        kind: "id",
        description: "start after ID: $ (new only, default), 0 or an ID",
      },
      { name: "count", value: "N", integerMin: 1, description: "stop after N entries" },
    ],
    examples: ["tail app:event", "tail app:event --from 0 --count 10"],
    run: tail,
  },
];
