/**
 * `top`: snapshots of streams, groups and consumers, and a pure rendering of
 * a snapshot (with the previous one, for rates) as text.
 *
 * @module
 */

import { streamIdDate } from "../stream_id.ts";
import type { StreamStore } from "../store.ts";
import { duration } from "./render.ts";
import type { Style } from "./style.ts";

/** A consumer in a {@linkcode TopSnapshot}. */
export interface ConsumerSnapshot {
  /** Its name. */
  name: string;
  /** Entries it holds pending. */
  pending: number;
  /** Milliseconds since it last read or claimed. */
  idleMs: number;
}

/** A group in a {@linkcode TopSnapshot}. */
export interface GroupSnapshot {
  /** Its name. */
  name: string;
  /** Entries delivered and not acknowledged. */
  pending: number;
  /** Entries not delivered yet, `null` when unknown. */
  lag: number | null;
  /** Idle time of the oldest pending entry, `null` when none is pending. */
  oldestPendingIdleMs: number | null;
  /** Its consumers. */
  consumers: ConsumerSnapshot[];
}

/** A stream in a {@linkcode TopSnapshot}. */
export interface StreamSnapshot {
  /** The stream's key. */
  name: string;
  /** Number of entries. */
  length: number;
  /** Entries ever added, `null` when the server does not say. */
  entriesAdded: number | null;
  /** The last ID generated. */
  lastGeneratedId: string;
  /** The first entry's ID, `null` when empty. */
  firstId: string | null;
  /** The last entry's ID, `null` when empty. */
  lastId: string | null;
  /** Its groups. */
  groups: GroupSnapshot[];
}

/** Everything `top` shows at one moment. */
export interface TopSnapshot {
  /** When it was taken (Unix ms). */
  takenAt: number;
  /** The streams, sorted by name. */
  streams: StreamSnapshot[];
}

/** At most this many streams are watched. */
export const TOP_MAX_STREAMS = 50;

/** Takes a snapshot of the streams matching `pattern`. */
export async function takeSnapshot(
  store: StreamStore,
  options: { pattern?: string; now?: () => number } = {},
): Promise<TopSnapshot> {
  const names = (await store.streams({ pattern: options.pattern ?? "*" })).slice(
    0,
    TOP_MAX_STREAMS,
  );
  const streams = await Promise.all(names.map(async (name): Promise<StreamSnapshot> => {
    const info = await store.info(name);
    return {
      name,
      length: info.length,
      entriesAdded: info.entriesAdded,
      lastGeneratedId: info.lastGeneratedId,
      firstId: info.firstEntry?.id ?? null,
      lastId: info.lastEntry?.id ?? null,
      groups: await Promise.all(info.groups.map(async (group): Promise<GroupSnapshot> => {
        const [oldest] = group.pending > 0
          ? await store.pending(name, group.name, { count: 1 })
          : [];
        return {
          name: group.name,
          pending: group.pending,
          lag: group.lag,
          oldestPendingIdleMs: oldest?.idleMs ?? null,
          consumers: group.consumerList.map((c) => ({
            name: c.name,
            pending: c.pending,
            idleMs: c.idleMs,
          })),
        };
      })),
    };
  }));
  return { takenAt: (options.now ?? Date.now)(), streams };
}

/** Entries added per second between two snapshots of a stream, `null` when unknown. */
export function addsPerSecond(
  current: StreamSnapshot,
  previous: StreamSnapshot | undefined,
  elapsedMs: number,
): number | null {
  if (!previous || elapsedMs <= 0) return null;
  if (current.entriesAdded !== null && previous.entriesAdded !== null) {
    return Math.max(0, current.entriesAdded - previous.entriesAdded) / (elapsedMs / 1000);
  }
  return current.lastGeneratedId === previous.lastGeneratedId ? 0 : null;
}

function age(id: string | null, now: number): string {
  if (id === null) return "-";
  try {
    return duration(now - streamIdDate(id).getTime());
  } catch {
    return "-";
  }
}

function grid(rows: string[][], style: Style): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => (row[i] ?? "").length)));
  return rows.map((row, r) => {
    const line = row.map((cell, i) => i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))
      .join("  ").trimEnd();
    return r === 0 ? style.head(line) : line;
  }).join("\n") + "\n";
}

/**
 * One frame of `top`: a line naming the store and time, a table of streams
 * (length, adds/s, age of first and last entry, groups) and a table of
 * groups (consumers, pending, lag, oldest pending idle) with their
 * consumers (pending, idle). Pure: same snapshots, same text. `once`: a
 * single frame (`top --once`), without the "Ctrl-C to stop" hint.
 */
export function renderTop(
  current: TopSnapshot,
  previous: TopSnapshot | undefined,
  options: { style: Style; storeLabel: string; pattern?: string; once?: boolean },
): string {
  const { style } = options;
  const now = current.takenAt;
  const elapsed = previous ? current.takenAt - previous.takenAt : 0;
  const time = new Date(now).toTimeString().slice(0, 8);
  const header = `rstream top  ${options.storeLabel}  ${
    options.pattern ?? "*"
  }  ${current.streams.length} stream${current.streams.length === 1 ? "" : "s"}  ${time}${
    options.once ? "" : "  (Ctrl-C to stop)"
  }\n\n`;
  if (current.streams.length === 0) return header + "no streams\n";
  const streamRows = [["STREAM", "LENGTH", "ADDS/S", "FIRST-AGE", "LAST-AGE", "GROUPS"]];
  for (const stream of current.streams) {
    const rate = addsPerSecond(
      stream,
      previous?.streams.find((s) => s.name === stream.name),
      elapsed,
    );
    streamRows.push([
      stream.name,
      String(stream.length),
      rate === null ? "-" : rate.toFixed(1),
      age(stream.firstId, now),
      age(stream.lastId, now),
      String(stream.groups.length),
    ]);
  }
  const groupRows = [["GROUP / CONSUMER", "CONSUMERS", "PENDING", "LAG", "OLDEST-PENDING", "IDLE"]];
  for (const stream of current.streams) {
    for (const group of stream.groups) {
      groupRows.push([
        `${stream.name} ${group.name}`,
        String(group.consumers.length),
        String(group.pending),
        group.lag === null ? "-" : String(group.lag),
        group.oldestPendingIdleMs === null ? "-" : duration(group.oldestPendingIdleMs),
        "",
      ]);
      for (const consumer of group.consumers) {
        groupRows.push([
          `  ${consumer.name}`,
          "",
          String(consumer.pending),
          "",
          "",
          duration(consumer.idleMs),
        ]);
      }
    }
  }
  return header + grid(streamRows, style) +
    (groupRows.length > 1 ? "\n" + grid(groupRows, style) : "");
}
