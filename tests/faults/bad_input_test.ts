/**
 * Bad input: 10k random shell lines run in-process through the shell's
 * dispatch (no crash, one `error:` line per failure, nothing written by a
 * failed command), and binary or 1 MB field values that must round-trip or
 * be refused cleanly, on both backends.
 *
 * @module
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { openStore } from "../../lib/open_store.ts";
import type { StreamStore } from "../../lib/store.ts";
import type { Session } from "../../lib/shell/context.ts";
import { runLine } from "../../lib/shell/dispatch.ts";
import { backendTest } from "../_backends.ts";
import { report } from "./_faults.ts";

const LINES = 10_000;

/**
 * What the store holds, read with raw commands in three pipelined round trips
 * (names the typed API refuses, such as an empty group name, are data too).
 */
async function snapshot(store: StreamStore): Promise<string> {
  const streams = await store.streams();
  const c = store.connection;
  const first = await c.pipeline(
    streams.flatMap((
      s,
    ) => [["XRANGE", s, "-", "+"], ["XINFO", "STREAM", s], ["XINFO", "GROUPS", s]]),
  );
  const groups = streams.flatMap((s, i) =>
    (first[i * 3 + 2] as unknown[][]).map((g) => [s, String(g[1])])
  );
  const second = await c.pipeline(groups.map(([s, g]) => ["XINFO", "CONSUMERS", s!, g!]));
  // Idle times change by themselves: keep each consumer's name and pending count.
  const consumers = second.map((list) =>
    (list as unknown[][]).map((fields) => [fields[1], fields[3]])
  );
  return JSON.stringify([streams, first, consumers]);
}

function session(store: StreamStore): Session & { outText: string[]; errText: string[] } {
  const outText: string[] = [];
  const errText: string[] = [];
  return {
    storeLabel: "embedded",
    format: "plain",
    color: false,
    interactive: false,
    out: { write: (text) => void outText.push(text) },
    err: { write: (text) => void errText.push(text) },
    store: () => Promise.resolve(store),
    outText,
    errText,
  };
}

const ID = fc.oneof(
  fc.constantFrom("1-", "-1", "abc", "1-1-1", "18446744073709551616-0", "1-18446744073709551616")
    .map(String),
  fc.constantFrom("0", "0-0", "1-1", "*", "$", ">", "+", "-", "(1-1", "1-*", "9-9", "+inf"),
  fc.tuple(fc.integer({ min: -5, max: 1e6 }), fc.integer({ min: -5, max: 99 })).map(([a, b]) =>
    `${a}-${b}`
  ),
);
const COUNT = fc.constantFrom(
  "-1",
  "0",
  "1",
  "1e3",
  "0x10",
  "NaN",
  "",
  "99999999999999999999",
  "2",
);
const WORD = fc.oneof(
  ID,
  COUNT,
  fc.constantFrom("s", "t", "g", "c1", "app:event", "--count", "--maxlen", "--id", "--from"),
  fc.constantFrom(
    "--start",
    "--end",
    "--mkstream",
    "--min-idle",
    "--json",
    "-",
    "=",
    "a=1",
    "MAXLEN",
  ),
  fc.constantFrom("~", "LIMIT", "MINID", "COUNT", "GROUP", "STREAMS", "IDLE", "JUSTID", "FORCE"),
  fc.string({ maxLength: 8 }),
  fc.string({ unit: "binary", maxLength: 6 }),
  fc.constantFrom('"', "'", '"unterminated', "a\\", "\\x00", "\u0000", "\u{1F600}", "\uD800"),
);
const COMMAND = fc.constantFrom(
  "add",
  "range",
  "len",
  "del",
  "trim",
  "info",
  "streams",
  "group create",
  "group setid",
  "group destroy",
  "group createconsumer",
  "group delconsumer",
  "groups",
  "consumers",
  "readgroup",
  "pending",
  "ack",
  "claim",
  "autoclaim",
  "use",
  "help",
  "XADD",
  "XDEL",
  "XTRIM",
  "XRANGE",
  "XREVRANGE",
  "XLEN",
  "XACK",
  "XCLAIM",
  "XAUTOCLAIM",
  "XGROUP",
  "XINFO",
  "XPENDING",
  "XSETID",
  "group",
  "nosuch",
  "",
);
const LINE = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.tuple(COMMAND, fc.array(WORD, { maxLength: 8 })).map(([c, w]) =>
      [c, ...w].join(" ")
    ),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 40 }) },
);

/** Lines that would wait for input or for new entries: not what this test is about. */
function blocks(line: string): boolean {
  return /\b(block|tail|top|follow|quit|exit)\b/i.test(line) || /(^|\s)-($|\s)/.test(line);
}

backendTest(
  "runLine() never crashes, prints one error line per failure and writes nothing when a command fails, for 10k random lines",
  async (store, { backend }) => {
    await store.addMany("s", [{ a: "1" }, { b: "2" }, { c: "3" }]);
    await store.createGroup("s", "g", { start: "0" });
    await store.readGroup("s", "g", { consumer: "c1", count: 2 });
    await store.add("t", { x: "y" });
    const seed = Number(Deno.env.get("RSTREAM_FAULTS_SEED") ?? Date.now() % 1_000_000); // replay a failure
    const lines = fc.sample(LINE, { seed, numRuns: LINES * 2 }).filter((l) => !blocks(l))
      .slice(0, LINES);
    assert.equal(lines.length, LINES);
    let failed = 0;
    let succeeded = 0;
    const signal = new AbortController().signal;
    let before = await snapshot(store);
    for (const line of lines) {
      const s = session(store);
      s.stream = "s";
      let ok: boolean;
      try {
        ok = await runLine(s, line, { signal });
      } catch (error) {
        throw new Error(`seed ${seed}: runLine() threw for ${JSON.stringify(line)}: ${error}`);
      }
      const after = await snapshot(store);
      if (ok) {
        succeeded++;
        before = after;
        continue;
      }
      failed++;
      const err = s.errText.join("");
      assert.match(
        err,
        /^error: [^\n]*\n$/,
        `seed ${seed}: ${JSON.stringify(line)} printed ${JSON.stringify(err)}`,
      );
      assert.equal(
        after,
        before,
        `seed ${seed}: the failed line ${JSON.stringify(line)} changed the store`,
      );
    }
    report(`10k random shell lines [${backend}]`, {
      sent: 0,
      processed: 0,
      acked: 0,
      lost: 0,
      extra: { lines: LINES, failed, succeeded, "writes by failed lines": 0, seed },
    });
  },
);

backendTest(
  "add() round-trips binary-ish and 1 MB field values or refuses them in one line",
  async (store, { url, backend }) => {
    const random = (n: number) => {
      const bytes = new Uint8Array(n);
      for (let at = 0; at < n; at += 65536) crypto.getRandomValues(bytes.subarray(at, at + 65536));
      return bytes;
    };
    const latin1 = (bytes: Uint8Array) => new TextDecoder("latin1").decode(bytes);
    const values = [
      latin1(random(256)),
      latin1(Uint8Array.from({ length: 256 }, (_, i) => i)),
      new TextDecoder().decode(random(512)), // invalid sequences become U+FFFD
      "\u0000\r\n\t\"'\\ \u{1F600}",
      "x".repeat(1024 * 1024),
      latin1(random(1024 * 1024).map((b) => b === 0 ? 1 : b)).slice(0, 1024 * 1024),
    ];
    let roundTripped = 0;
    let refused = 0;
    for (const [i, value] of values.entries()) {
      const field = i % 2 ? value.slice(0, 64) || "f" : "f";
      const id = await store.add("bin", { [field]: value }).then((id) => id, (e: Error) => e);
      if (id instanceof Error) {
        assert.equal(id.message.split("\n").length, 1);
        refused++;
        continue;
      }
      const [entry] = await store.range("bin", { start: id!, end: id! });
      assert.deepEqual(entry!.fields, { [field]: value }, `value ${i} did not round-trip`);
      roundTripped++;
    }
    // Lone surrogates are not text: UTF-8 cannot carry them. The embedded store keeps them;
    // node-redis encodes them as U+FFFD (EF BF BD), so Redis stores an altered value.
    const lone = await store.add("bin", { f: "a\uD800b" });
    await using other = await openStore(url);
    const [entry] = await other.range("bin", { start: lone!, end: lone! });
    assert.equal(entry!.fields.f, backend === "redis" ? "a\uFFFDb" : "a\uD800b");
    report(`binary and 1 MB values [${backend}]`, {
      sent: values.length,
      processed: roundTripped,
      acked: 0,
      lost: 0,
      extra: {
        "round-tripped": roundTripped,
        refused,
        "lone surrogate": backend === "redis" ? "altered to U+FFFD" : "kept",
      },
    });
  },
);
