import assert from "node:assert/strict";
import { formatReply, formatReplyJson, formatReplyPlain } from "./raw_reply.ts";
import { duration, entryTable, jsonEntry, MAX_FIELD_COLUMNS, plainEntry } from "./render.ts";
import { styleFor } from "./style.ts";

const plain = styleFor(false);

Deno.test("plainEntry() writes ID<TAB>field=value and escapes tabs, newlines and backslashes", () => {
  assert.equal(
    plainEntry({ id: "1-0", fields: { note: "a\tb\nc\\d", temp: "0.4" } }),
    "1-0\tnote=a\\tb\\nc\\\\d\ttemp=0.4",
  );
  assert.equal(plainEntry({ id: "1-0", fields: null }), "1-0\t(deleted)");
});

Deno.test("jsonEntry() writes {stream, id, fields}", () => {
  assert.equal(
    jsonEntry("s", { id: "1-0", fields: { a: "1" } }),
    '{"stream":"s","id":"1-0","fields":{"a":"1"}}',
  );
});

Deno.test("entryTable() makes a column per field when there are few distinct fields", () => {
  const table = entryTable([
    { id: "1700000000000-0", fields: { temp: "0.4" } },
    { id: "1700000000001-0", fields: { sensor: "s2", temp: "0.5" } },
  ], { style: plain });
  assert.deepEqual(table.head, ["ID", "TIME", "temp", "sensor"]);
  assert.deepEqual(table.rows.map((row) => [row[0], row[2], row[3]]), [
    ["1700000000000-0", "0.4", ""],
    ["1700000000001-0", "0.5", "s2"],
  ]);
});

Deno.test("entryTable() puts fields in one FIELDS column when there are many", () => {
  const fields = Object.fromEntries(
    Array.from({ length: MAX_FIELD_COLUMNS + 1 }, (_, i) => [`f${i}`, String(i)]),
  );
  const table = entryTable([{ id: "1-0", fields }], { style: plain });
  assert.deepEqual(table.head, ["ID", "TIME", "FIELDS"]);
  assert.equal(table.rows[0][2], "f0=0 f1=1 f2=2 f3=3 f4=4 f5=5 f6=6");
});

Deno.test("duration() prints ms, seconds, minutes, hours and days briefly", () => {
  assert.deepEqual(
    [350, 12_000, 303_000, 7_500_000, 190_000_000, null].map(duration),
    ["350ms", "12.0s", "5m3s", "2h5m", "2d4h", "-"],
  );
});

Deno.test("formatReply() prints like redis-cli: integers, nil, quoted strings, nested lists", () => {
  assert.equal(formatReply(3), "(integer) 3");
  assert.equal(formatReply(null), "(nil)");
  assert.equal(formatReply([]), "(empty array)");
  assert.equal(formatReply('say "hi"\n'), '"say \\"hi\\"\\n"');
  assert.equal(
    formatReply([["1-0", ["temp", "0.4"]], ["2-0", ["temp", "0.5"]]]),
    [
      '1) 1) "1-0"',
      '   2) 1) "temp"',
      '      2) "0.4"',
      '2) 1) "2-0"',
      '   2) 1) "temp"',
      '      2) "0.5"',
    ].join("\n"),
  );
});

Deno.test("formatReply() right-aligns item numbers of ten or more items", () => {
  const lines = formatReply(Array.from({ length: 10 }, (_, i) => i)).split("\n");
  assert.equal(lines[0], " 1) (integer) 0");
  assert.equal(lines[9], "10) (integer) 9");
});

Deno.test("formatReplyPlain() and formatReplyJson() print what redis-cli prints piped and with --json", () => {
  const reply = [["1-0", ["temp", "0.4"]]];
  assert.equal(formatReplyPlain(reply), "1-0\ntemp\n0.4");
  assert.equal(formatReplyJson(reply), '[["1-0",["temp","0.4"]]]');
  assert.equal(formatReplyJson(null), "null");
  assert.equal(formatReplyJson(7), "7");
});
