/**
 * The ceiling rows: what a bare `Deno.connect` loop does with pre-encoded
 * XADDs and no client at all — 100 commands per write, counting replies (and
 * one per write, awaited) — measured in the same run as rstream, so that the
 * library is compared with what this machine and this server can do from
 * Deno, not only with redis-benchmark (C) and node-redis.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { timed } from "./_clock.ts";
import { perSecond } from "./report.ts";

const WARMUP = 2000;

/** One `XADD key * sensor_id sensor2 temp 0.42 humidity 0.61`, RESP2-encoded. */
function xaddBytes(key: string): string {
  const args = ["XADD", key, "*", "sensor_id", "sensor2", "temp", "0.42", "humidity", "0.61"];
  return `*${args.length}\r\n${args.map((a) => `$${a.length}\r\n${a}\r\n`).join("")}`;
}

/**
 * Writes `commands` (each pre-encoded XADD, `perWrite` per write) and waits
 * after each write for its replies, counted by their line ends (an XADD
 * reply is one bulk string: two CRLFs).
 */
async function loop(conn: Deno.Conn, bytes: Uint8Array, perWrite: number, n: number) {
  const buffer = new Uint8Array(64 * 1024);
  let carry = 0; // an LF still owed from a CR at the end of the previous read
  for (let done = 0; done < n; done += perWrite) {
    let written = 0;
    while (written < bytes.length) written += await conn.write(bytes.subarray(written));
    let lines = carry;
    carry = 0;
    while (lines < perWrite * 2) {
      const got = await conn.read(buffer);
      if (got === null) throw new Error("redis-server closed the ceiling loop's connection");
      for (let i = 0; i < got; i++) if (buffer[i] === 10) lines++;
    }
    carry = lines - perWrite * 2;
  }
}

/** Entries/s of the bare loop: 100 XADDs per write (`batched`) and one awaited at a time (`single`). */
export async function ceilingAdds(
  port: number,
  options: { n: number; batch: number; batchedN?: number },
): Promise<{ single: number; batched: number }> {
  const key = "bench:ceiling";
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    conn.setNoDelay(true);
    const one = new TextEncoder().encode(xaddBytes(key));
    const many = new TextEncoder().encode(xaddBytes(key).repeat(options.batch));
    await loop(conn, one, 1, WARMUP);
    const singleMs = await timed(() => loop(conn, one, 1, options.n));
    const batchedN = options.batchedN ?? options.n * 10;
    await loop(conn, many, options.batch, WARMUP * 10);
    const batchedMs = await timed(() => loop(conn, many, options.batch, batchedN));
    const del = new TextEncoder().encode(`*2\r\n$3\r\nDEL\r\n$${key.length}\r\n${key}\r\n`);
    await conn.write(del);
    await conn.read(new Uint8Array(64));
    return { single: perSecond(options.n, singleMs), batched: perSecond(batchedN, batchedMs) };
  } finally {
    conn.close();
  }
}

/** RESP2 encoding of one command, for the consume ceiling. */
function encode(args: readonly string[]): Uint8Array {
  const text = `*${args.length}\r\n${
    args.map((a) => `$${new TextEncoder().encode(a).length}\r\n${a}\r\n`).join("")
  }`;
  return new TextEncoder().encode(text);
}

/**
 * The consume ceiling: a bare `Deno.connect` loop with npm `redis-parser`
 * decoding every reply, draining `n` pre-filled entries of `stream` through
 * group `group` with XREADGROUP COUNT `count` and one XACK per batch, no
 * client and no handler. Entries/s.
 */
export async function ceilingConsume(
  port: number,
  options: { stream: string; group: string; n: number; count: number },
): Promise<number> {
  const { default: Parser } = await import("redis-parser");
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  conn.setNoDelay(true);
  const replies: unknown[] = [];
  let wake: (() => void) | undefined;
  const parser = new Parser({
    returnReply: (reply: unknown) => {
      replies.push(reply);
      wake?.();
    },
    returnError: (error: Error) => {
      replies.push(error);
      wake?.();
    },
  });
  const reading = (async () => {
    const buffer = new Uint8Array(256 * 1024);
    while (true) {
      const got = await conn.read(buffer).catch(() => null);
      if (got === null) return;
      parser.execute(Buffer.from(buffer.subarray(0, got)));
    }
  })();
  const next = async () => {
    while (replies.length === 0) await new Promise<void>((resolve) => wake = resolve);
    const reply = replies.shift();
    if (reply instanceof Error) throw reply;
    return reply;
  };
  const read = encode([
    "XREADGROUP",
    "GROUP",
    options.group,
    "c-ceiling",
    "COUNT",
    String(options.count),
    "STREAMS",
    options.stream,
    ">",
  ]);
  try {
    const ms = await timed(async () => {
      let done = 0;
      while (done < options.n) {
        await conn.write(read);
        const reply = await next() as [string, [string, string[]][]][] | null;
        const entries = reply?.[0]?.[1] ?? [];
        if (entries.length === 0) throw new Error("consume ceiling: the stream ran dry");
        await conn.write(
          encode(["XACK", options.stream, options.group, ...entries.map((e) => e[0])]),
        );
        await next();
        done += entries.length;
      }
    });
    return perSecond(options.n, ms);
  } finally {
    conn.close();
    await reading;
  }
}
