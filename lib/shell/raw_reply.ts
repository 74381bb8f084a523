/**
 * Printing raw replies the way redis-cli does: `(integer) 3`, `(nil)`,
 * `(empty array)`, quoted strings and numbered nested lists; or, for
 * `--json`, the mapping of `redis-cli --json` (arrays, strings, integers, null).
 *
 * @module
 */

import type { RedisReply } from "../connection.ts";

function quote(text: string): string {
  let out = '"';
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (ch === '"' || ch === "\\") out += `\\${ch}`;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\x07") out += "\\a";
    else if (ch === "\b") out += "\\b";
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, "0")}`;
    else out += ch;
  }
  return out + '"';
}

function lines(reply: RedisReply, indent: number): string[] {
  if (reply === null) return ["(nil)"];
  if (typeof reply === "number") return [`(integer) ${reply}`];
  if (typeof reply === "string") return [quote(reply)];
  if (reply.length === 0) return ["(empty array)"];
  const width = String(reply.length).length;
  const out: string[] = [];
  reply.forEach((item, index) => {
    const prefix = `${String(index + 1).padStart(width)}) `;
    const sub = lines(item, indent + prefix.length);
    out.push(prefix + sub[0]);
    for (const line of sub.slice(1)) out.push(" ".repeat(prefix.length) + line);
  });
  return out;
}

/**
 * A reply as redis-cli prints it on a terminal.
 *
 * @example
 * ```ts
 * import { formatReply, formatReplyJson, formatReplyPlain } from "./raw_reply.ts";
 * import assert from "node:assert/strict";
 * assert.equal(formatReply(3), "(integer) 3");
 * assert.ok(formatReplyPlain(["a", "b"]) === "a\nb" && formatReplyJson(null) === "null");
 * assert.equal(formatReply([["1-0", ["a", "1"]]]), '1) 1) "1-0"\n   2) 1) "a"\n      2) "1"');
 * ```
 */
export function formatReply(reply: RedisReply): string {
  return lines(reply, 0).join("\n");
}

/** A reply as `redis-cli --no-raw`-less piped output: strings bare, one item per line. */
export function formatReplyPlain(reply: RedisReply): string {
  if (reply === null) return "";
  if (!Array.isArray(reply)) return String(reply);
  return reply.map((item) => formatReplyPlain(item)).join("\n");
}

/** A reply as JSON, as `redis-cli --json` maps RESP2 (arrays, strings, integers, null). */
export function formatReplyJson(reply: RedisReply): string {
  return JSON.stringify(reply);
}

/**
 * A reply as `redis-cli --csv` prints it: one line, items comma-separated,
 * strings quoted (redis-cli's escapes), integers bare, nil as `NULL`.
 *
 * @example An XRANGE reply on one CSV line
 * ```ts
 * import { formatReplyCsv } from "./raw_reply.ts";
 * import assert from "node:assert/strict";
 * assert.equal(formatReplyCsv([["1-0", ["temp", "0.4"]], 3, null]), '"1-0","temp","0.4",3,NULL');
 * ```
 */
export function formatReplyCsv(reply: RedisReply): string {
  if (reply === null) return "NULL";
  if (typeof reply === "number") return String(reply);
  if (typeof reply === "string") return quote(reply);
  return reply.map(formatReplyCsv).join(",");
}
