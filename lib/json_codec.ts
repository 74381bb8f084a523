/**
 * An optional JSON codec for typed messages: a value travels as one field
 * holding its JSON, so entries stay flat strings that redis-cli can read.
 *
 * @module
 */

import type { Fields } from "./store.ts";

/** Encodes and decodes typed messages. */
export interface JsonCodec<T> {
  /** The value as fields. */
  encode(value: T): Fields;
  /** The value back; throws `TypeError` naming the field when it is missing or not JSON. */
  decode(fields: Fields): T;
}

/**
 * Creates a codec that stores a value's JSON under `field` (default `json`),
 * checking decoded values with `validate` when given.
 *
 * @example Round-trip a typed reading
 * ```ts
 * import { createJsonCodec } from "@rstream/rstream";
 * import assert from "node:assert/strict";
 * const codec = createJsonCodec<{ temp: number }>();
 * assert.equal(codec.decode(codec.encode({ temp: 0.5 })).temp, 0.5);
 * ```
 */
export function createJsonCodec<T>(
  options: { field?: string; validate?: (value: unknown) => value is T } = {},
): JsonCodec<T> {
  const field = options.field ?? "json";
  return {
    encode(value: T): Fields {
      const json = JSON.stringify(value);
      if (json === undefined) throw new TypeError(`Cannot encode ${typeof value} as JSON`);
      return { [field]: json };
    },
    decode(fields: Fields): T {
      const text = fields[field];
      if (text === undefined) throw new TypeError(`Entry has no '${field}' field to decode`);
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (error) {
        throw new TypeError(`Field '${field}' is not valid JSON: ${text.slice(0, 80)}`, {
          cause: error,
        });
      }
      if (options.validate && !options.validate(value)) {
        throw new TypeError(`Field '${field}' does not hold the expected shape`);
      }
      return value as T;
    },
  };
}
