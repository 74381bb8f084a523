/**
 * The shell's `topic` verb: a partitioned topic's partitions with their
 * length, and their groups' pending and lag summed.
 *
 * @module
 */

import { partitionsKey, partitionStream } from "../topics/topic.ts";
import { must, opt, UsageError } from "./_input.ts";
import type { CommandSpec } from "./command_spec.ts";
import { printResult, printRows } from "./print.ts";
import type { Column } from "./render.ts";

interface PartitionRow {
  stream: string;
  length: number;
  pending: number;
  lag: number | null;
}

const COLUMNS: Column<PartitionRow>[] = [
  { head: "PARTITION", cell: (p) => p.stream },
  { head: "LENGTH", cell: (p) => p.length },
  { head: "PENDING", cell: (p) => p.pending },
  { head: "LAG", cell: (p) => p.lag ?? "-" },
];

/** `topic T [--partitions N]`. */
export const topicCommands: CommandSpec[] = [
  {
    name: "topic",
    summary: "list a partitioned topic's partitions with length, pending and lag (summed)",
    args: [{
      name: "topic",
      kind: "stream",
      description: "the topic (its partitions are TOPIC#0…)",
    }],
    options: [
      {
        name: "partitions",
        value: "N",
        integerMin: 1,
        description: "the partition count (default: the one recorded in TOPIC#partitions)",
      },
    ],
    examples: ["topic app:event", "topic app:event --partitions 3"],
    run: async ({ session }, input) => {
      const topic = must(input, 0);
      const store = await session.store();
      const given = opt(input, "partitions");
      const recorded = await store.get(partitionsKey(topic));
      const n = given !== undefined ? Number(given) : recorded !== null ? Number(recorded) : 0;
      if (n < 1) {
        throw new UsageError(
          `Topic '${topic}' has no recorded partition count (${
            partitionsKey(topic)
          }); give --partitions N`,
        );
      }
      const rows: PartitionRow[] = await Promise.all(
        Array.from({ length: n }, async (_, i) => {
          const stream = partitionStream(topic, i);
          const groups = await store.groups(stream).catch(() => []);
          return {
            stream,
            length: await store.len(stream),
            pending: groups.reduce((sum, g) => sum + g.pending, 0),
            lag: groups.some((g) => g.lag === null)
              ? null
              : groups.reduce((sum, g) => sum + g.lag!, 0),
          };
        }),
      );
      const total: PartitionRow = {
        stream: "total",
        length: rows.reduce((s, r) => s + r.length, 0),
        pending: rows.reduce((s, r) => s + r.pending, 0),
        lag: rows.some((r) => r.lag === null) ? null : rows.reduce((s, r) => s + r.lag!, 0),
      };
      if (session.format === "json") {
        return printResult(session, "", { topic, partitions: rows, total });
      }
      await printRows(session, [...rows, total], COLUMNS);
    },
  },
];
