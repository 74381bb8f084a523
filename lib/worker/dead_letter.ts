/**
 * The dead-letter stream: where the consumer worker moves an entry that was
 * delivered too many times, with what is needed to inspect and replay it.
 *
 * @module
 */

import type { Fields } from "../store.ts";

/** What a dead-letter entry records about the entry it stands for. */
export interface DeadLetter {
  /** The stream the entry came from. */
  stream: string;
  /** Its ID there. */
  id: string;
  /** The group that gave up on it. */
  group: string;
  /** The consumer that moved it. */
  consumer: string;
  /** How many times it was delivered. */
  deliveries: number;
  /** The last error its handler threw, when known. */
  error: string;
  /** Its original fields. */
  fields: Fields;
}

/**
 * The flat fields of a dead-letter entry: the original fields are kept as one
 * JSON field so they never collide with the bookkeeping fields.
 *
 * @example The original fields travel as one JSON field, and round-trip
 * ```ts
 * import { deadLetterFields, parseDeadLetter } from "@rstream/rstream/worker";
 * import assert from "node:assert/strict";
 * const letter = {
 *   stream: "app:event",
 *   id: "1-0",
 *   group: "workers",
 *   consumer: "c1",
 *   deliveries: 4,
 *   error: "boom",
 *   fields: { stream: "not the bookkeeping field", temp: "0.42" },
 * };
 * const fields = deadLetterFields(letter);
 * assert.equal(fields.stream, "app:event");
 * assert.equal(fields.deliveries, "4");
 * assert.equal(fields.fields, '{"stream":"not the bookkeeping field","temp":"0.42"}');
 * assert.deepEqual(parseDeadLetter(fields), letter);
 * ```
 */
export function deadLetterFields(letter: DeadLetter): Fields {
  return {
    stream: letter.stream,
    id: letter.id,
    group: letter.group,
    consumer: letter.consumer,
    deliveries: String(letter.deliveries),
    error: letter.error,
    fields: JSON.stringify(letter.fields),
  };
}

/**
 * Reads a dead-letter entry's fields back; missing fields read as empty
 * (`0` deliveries, no original fields).
 *
 * @example Read a dead letter from the dead-letter stream
 * ```ts
 * import { openStore } from "@rstream/rstream";
 * import { deadLetterFields, parseDeadLetter } from "@rstream/rstream/worker";
 * import assert from "node:assert/strict";
 * await using store = await openStore("memory:");
 * const letter = {
 *   stream: "app:event",
 *   id: "1-0",
 *   group: "workers",
 *   consumer: "c1",
 *   deliveries: 4,
 *   error: "boom",
 *   fields: { temp: "0.42" },
 * };
 * await store.add("app:event:dead", deadLetterFields(letter));
 * const [entry] = await store.range("app:event:dead");
 * assert.deepEqual(parseDeadLetter(entry.fields), letter);
 * assert.equal(parseDeadLetter({}).deliveries, 0);
 * ```
 */
export function parseDeadLetter(fields: Fields): DeadLetter {
  return {
    stream: fields.stream ?? "",
    id: fields.id ?? "",
    group: fields.group ?? "",
    consumer: fields.consumer ?? "",
    deliveries: Number(fields.deliveries ?? 0),
    error: fields.error ?? "",
    fields: JSON.parse(fields.fields ?? "{}"),
  };
}
