/**
 * Consumer-group commands: group create/setid/destroy/createconsumer/
 * delconsumer, groups, consumers, readgroup, ack, pending, claim, autoclaim.
 *
 * @module
 */

import { checkGroupStart, checkIds } from "../checks.ts";
import { checkRangeBound } from "../stream_id.ts";
import type { ConsumerInfo, GroupInfo, PendingEntry } from "../types.ts";
import { flag, list, must, num, opt, UsageError } from "./_input.ts";
import type { ArgSpec, CommandSpec, Invocation } from "./command_spec.ts";
import type { RunContext } from "./context.ts";
import { printEntries, printPairs, printResult, printRows } from "./print.ts";
import { type Column, duration } from "./render.ts";

const STREAM: ArgSpec = { name: "stream", kind: "stream", description: "the stream's key" };
const GROUP: ArgSpec = { name: "group", kind: "group", description: "the consumer group" };
const CONSUMER: ArgSpec = { name: "consumer", kind: "consumer", description: "the consumer" };
const IDS: ArgSpec = { name: "id", kind: "id", variadic: true, description: "entry IDs" };

const GROUP_COLUMNS: Column<GroupInfo>[] = [
  { head: "GROUP", cell: (g) => g.name },
  { head: "CONSUMERS", cell: (g) => g.consumers },
  { head: "PENDING", cell: (g) => g.pending },
  { head: "LAST-DELIVERED", cell: (g) => g.lastDeliveredId },
  { head: "ENTRIES-READ", cell: (g) => g.entriesRead ?? "-" },
  { head: "LAG", cell: (g) => g.lag ?? "-" },
];

const CONSUMER_COLUMNS: Column<ConsumerInfo>[] = [
  { head: "CONSUMER", cell: (c) => c.name },
  { head: "PENDING", cell: (c) => c.pending },
  { head: "IDLE", cell: (c) => duration(c.idleMs), plain: (c) => c.idleMs },
  { head: "INACTIVE", cell: (c) => duration(c.inactiveMs), plain: (c) => c.inactiveMs ?? "-" },
];

const PENDING_COLUMNS: Column<PendingEntry>[] = [
  { head: "ID", cell: (p) => p.id },
  { head: "CONSUMER", cell: (p) => p.consumer },
  { head: "IDLE", cell: (p) => duration(p.idleMs), plain: (p) => p.idleMs },
  { head: "DELIVERIES", cell: (p) => p.deliveries },
];

async function readgroup({ session, signal }: RunContext, input: Invocation) {
  const [stream, group, consumer] = [must(input, 0), must(input, 1), must(input, 2)];
  const blockMs = num(input, "block");
  const store = await session.store();
  const reads = await store.readGroup(stream, group, {
    consumer,
    id: flag(input, "pending") ? "0" : ">",
    ...(num(input, "count") !== undefined ? { count: num(input, "count") } : {}),
    ...(blockMs !== undefined ? { blockMs, signal } : {}),
    ...(flag(input, "noack") ? { noAck: true } : {}),
  });
  if (signal.aborted) return;
  for (const read of reads) await printEntries(session, read.stream, read.entries);
}

async function pending({ session }: RunContext, input: Invocation) {
  const [stream, group] = [must(input, 0), must(input, 1)];
  const store = await session.store();
  const consumer = opt(input, "consumer");
  const minIdleMs = num(input, "idle");
  const count = num(input, "count");
  const extended = consumer !== undefined || minIdleMs !== undefined || count !== undefined;
  const entries = (c: number) =>
    store.pending(stream, group, {
      count: c,
      ...(consumer !== undefined ? { consumer } : {}),
      ...(minIdleMs !== undefined ? { minIdleMs } : {}),
    });
  if (extended) {
    const rows = await entries(count ?? 100);
    if (session.format === "json") return printResult(session, "", rows);
    return printRows(session, rows, PENDING_COLUMNS);
  }
  const summary = await store.pendingSummary(stream, group);
  const oldest = summary.count > 0 ? await entries(10) : [];
  if (session.format === "json") return printResult(session, "", { ...summary, oldest });
  await printPairs(session, [
    ["pending", String(summary.count)],
    ["smallest-id", summary.smallestId ?? "-"],
    ["greatest-id", summary.greatestId ?? "-"],
    ...summary.consumers.map((c): [string, string] => [`consumer ${c.name}`, String(c.pending)]),
  ]);
  if (oldest.length > 0) await printRows(session, oldest, PENDING_COLUMNS);
}

/** The consumer-group commands. */
export const groupCommands: CommandSpec[] = [
  {
    name: "group create",
    summary: "create a consumer group (at $ = new entries only, unless --from)",
    args: [STREAM, GROUP],
    options: [
      { name: "from", value: "ID", kind: "id", description: "start: $ (default), 0 or an ID" },
      { name: "mkstream", description: "create the stream when it is missing" },
    ],
    examples: ["group create app:event workers --from 0 --mkstream"],
    run: async ({ session }, input) => {
      const [stream, group] = [must(input, 0), must(input, 1)];
      const start = checkGroupStart(opt(input, "from") ?? "$");
      const created = await (await session.store()).createGroup(stream, group, {
        start,
        mkStream: flag(input, "mkstream"),
      });
      printResult(
        session,
        created
          ? `created group ${group} on ${stream}`
          : `group ${group} already exists on ${stream}`,
        { stream, group, created },
      );
    },
  },
  {
    name: "group setid",
    summary: "move a group's last-delivered ID",
    args: [STREAM, GROUP, { name: "id", kind: "id", description: "$, 0 or an ID" }],
    examples: ["group setid app:event workers 0"],
    run: async ({ session }, input) => {
      const [stream, group] = [must(input, 0), must(input, 1)];
      const id = checkGroupStart(must(input, 2));
      await (await session.store()).setGroupId(stream, group, { id });
      printResult(session, "OK", { stream, group, id });
    },
  },
  {
    name: "group destroy",
    summary: "destroy a group and its pending list",
    args: [STREAM, GROUP],
    examples: ["group destroy app:event workers"],
    run: async ({ session }, input) => {
      const [stream, group] = [must(input, 0), must(input, 1)];
      const destroyed = await (await session.store()).destroyGroup(stream, group);
      printResult(
        session,
        destroyed ? `destroyed group ${group}` : `no group ${group} on ${stream}`,
        { stream, group, destroyed },
      );
    },
  },
  {
    name: "group createconsumer",
    summary: "create a consumer in a group",
    args: [STREAM, GROUP, CONSUMER],
    examples: ["group createconsumer app:event workers alice"],
    run: async ({ session }, input) => {
      const [stream, group, consumer] = [must(input, 0), must(input, 1), must(input, 2)];
      const created = await (await session.store()).createConsumer(stream, group, { consumer });
      printResult(
        session,
        created ? `created consumer ${consumer}` : `consumer ${consumer} already exists`,
        { stream, group, consumer, created },
      );
    },
  },
  {
    name: "group delconsumer",
    summary: "delete a consumer; its pending entries are dropped",
    args: [STREAM, GROUP, CONSUMER],
    examples: ["group delconsumer app:event workers alice"],
    run: async ({ session }, input) => {
      const [stream, group, consumer] = [must(input, 0), must(input, 1), must(input, 2)];
      const dropped = await (await session.store()).deleteConsumer(stream, group, { consumer });
      printResult(
        session,
        `deleted consumer ${consumer} (${dropped} pending dropped)`,
        { stream, group, consumer, pendingDropped: dropped },
      );
    },
  },
  {
    name: "groups",
    summary: "list a stream's consumer groups with pending and lag",
    args: [STREAM],
    examples: ["groups app:event"],
    run: async ({ session }, input) => {
      const rows = await (await session.store()).groups(must(input, 0));
      if (session.format === "json") return printResult(session, "", rows);
      await printRows(session, rows, GROUP_COLUMNS);
    },
  },
  {
    name: "consumers",
    summary: "list a group's consumers with pending and idle time",
    args: [STREAM, GROUP],
    examples: ["consumers app:event workers"],
    run: async ({ session }, input) => {
      const rows = await (await session.store()).consumers(must(input, 0), must(input, 1));
      if (session.format === "json") return printResult(session, "", rows);
      await printRows(session, rows, CONSUMER_COLUMNS);
    },
  },
  {
    name: "readgroup",
    summary: "read new entries through a group (or the consumer's pending ones)",
    args: [STREAM, GROUP, CONSUMER],
    options: [
      { name: "count", value: "N", integerMin: 1, description: "at most N entries" },
      {
        name: "block",
        value: "MS",
        integerMin: 0,
        description: "wait up to MS for entries (0 = until Ctrl-C)",
      },
      { name: "noack", description: "don't add the entries to the pending list" },
      { name: "pending", description: "re-read this consumer's pending entries instead" },
    ],
    examples: [
      "readgroup app:event workers alice --count 10",
      "readgroup app:event workers alice --block 5000",
    ],
    run: readgroup,
  },
  {
    name: "ack",
    summary: "acknowledge entries and print how many were pending",
    args: [STREAM, GROUP, IDS],
    examples: ["ack app:event workers 1700000000000-0"],
    run: async ({ session }, input) => {
      const [stream, group] = [must(input, 0), must(input, 1)];
      const acked = await (await session.store()).ack(stream, group, {
        ids: [...checkIds(list(input, 2), "ids")],
      });
      printResult(session, String(acked), { stream, group, acked });
    },
  },
  {
    name: "pending",
    summary: "pending summary and oldest entries; with options, the matching entries",
    args: [STREAM, GROUP],
    options: [
      {
        name: "consumer",
        value: "C",
        kind: "consumer",
        description: "only this consumer's entries",
      },
      { name: "idle", value: "MS", integerMin: 0, description: "only entries idle at least MS" },
      { name: "count", value: "N", integerMin: 1, description: "at most N entries (default 100)" },
    ],
    examples: ["pending app:event workers", "pending app:event workers --idle 60000 --count 20"],
    run: pending,
  },
  {
    name: "claim",
    summary: "take over pending entries idle at least --min-idle",
    args: [STREAM, GROUP, CONSUMER, IDS],
    options: [{
      name: "min-idle",
      value: "MS",
      integerMin: 0,
      required: true,
      description: "minimum idle time",
    }],
    examples: ["claim app:event workers bob --min-idle 60000 1700000000000-0"],
    run: async ({ session }, input) => {
      const [stream, group, consumer] = [must(input, 0), must(input, 1), must(input, 2)];
      const ids = [...checkIds(list(input, 3), "ids")];
      const minIdleMs = num(input, "min-idle");
      if (minIdleMs === undefined) throw new UsageError("--min-idle MS is required");
      const entries = await (await session.store()).claim(stream, group, {
        consumer,
        minIdleMs,
        ids,
      });
      await printEntries(session, stream, entries);
    },
  },
  {
    name: "autoclaim",
    summary: "scan the pending list and take over entries idle at least --min-idle",
    args: [STREAM, GROUP, CONSUMER],
    options: [
      {
        name: "min-idle",
        value: "MS",
        integerMin: 0,
        required: true,
        description: "minimum idle time",
      },
      { name: "start", value: "ID", kind: "id", description: "scan from ID (default 0-0)" },
      {
        name: "count",
        value: "N",
        integerMin: 1,
        description: "scan at most N entries (default 100)",
      },
    ],
    examples: ["autoclaim app:event workers bob --min-idle 60000 --count 10"],
    run: async ({ session }, input) => {
      const [stream, group, consumer] = [must(input, 0), must(input, 1), must(input, 2)];
      const minIdleMs = num(input, "min-idle");
      if (minIdleMs === undefined) throw new UsageError("--min-idle MS is required");
      const start = checkRangeBound(opt(input, "start") ?? "0-0");
      const count = num(input, "count");
      const result = await (await session.store()).autoClaim(stream, group, {
        consumer,
        minIdleMs,
        start,
        ...(count !== undefined ? { count } : {}),
      });
      if (session.format === "json") return printResult(session, "", { stream, ...result });
      await printEntries(session, stream, result.entries);
      session.out.write(
        `next-start\t${result.nextStart}${
          result.deletedIds.length ? `\tdeleted\t${result.deletedIds.join(",")}` : ""
        }\n`,
      );
    },
  },
];
