import { ReplyError } from "../../lib/errors.ts";
import assert from "node:assert/strict";
import {
  compareIds,
  decrementId,
  formatId,
  fromSqlPart,
  incrementId,
  nextId,
  parseId,
  parseRangeEnd,
  parseRangeStart,
  parseU64,
  toSqlPart,
  U64_MAX,
} from "../../lib/embedded/ids.ts";
import { CommandStore } from "../../mod.ts";
import { openEmbeddedConnection } from "../../lib/embedded/mod.ts";

Deno.test("parseU64() accepts what Redis's string2ull accepts", () => {
  assert.equal(parseU64("0"), 0n);
  assert.equal(parseU64("18446744073709551615"), 18446744073709551615n);
  assert.equal(parseU64("01"), 1n); // strtoull leniency
  assert.equal(parseU64(" 7"), 7n);
  assert.equal(parseU64("+7"), 7n);
  assert.equal(parseU64("-0"), 0n);
  assert.equal(parseU64("-5"), undefined);
  assert.equal(parseU64("18446744073709551616"), undefined);
  assert.equal(parseU64(""), undefined);
  assert.equal(parseU64("1x"), undefined);
});

Deno.test("parseId() reads <ms>-<seq>, <ms> and <ms>-* like Redis", () => {
  assert.deepEqual(
    { ...parseId("5-3", 0, true) },
    { ms: 5, seq: 3, seqGiven: true, isU64Max: false },
  );
  assert.equal(parseId("5", 7, true).seq, 7);
  assert.equal(parseId("5-*", 0, true, true).seqGiven, false);
  assert.throws(() => parseId("5-*", 0, true), ReplyError);
  assert.throws(() => parseId("-", 0, true), /Invalid stream ID/);
  assert.equal(parseId("+", 0, false).isU64Max, true);
  assert.equal(parseId("18446744073709551615-18446744073709551615", 0, true).isU64Max, true);
  assert.equal(parseId("9007199254740993-0", 0, true).ms, 9007199254740993n);
  assert.equal(parseId("9007199254740991-0", 0, true).ms, 9007199254740991);
});

Deno.test("ID parts above 2^53 - 1 are bigints, compared, stepped and stored exactly", () => {
  const top = parseId("18446744073709551615-18446744073709551614", 0, true);
  assert.deepEqual(incrementId(top), { ms: U64_MAX, seq: U64_MAX });
  assert.deepEqual(decrementId({ ms: U64_MAX, seq: 0 }), { ms: U64_MAX - 1n, seq: U64_MAX });
  assert.deepEqual(incrementId({ ms: 1, seq: 9007199254740991 }), {
    ms: 1,
    seq: 9007199254740992n,
  });
  assert.deepEqual(decrementId({ ms: 1, seq: 9007199254740992n }), {
    ms: 1,
    seq: 9007199254740991,
  });
  assert.deepEqual(incrementId({ ms: 9007199254740991, seq: U64_MAX }), {
    ms: 9007199254740992n,
    seq: 0,
  });
  assert.equal(compareIds({ ms: 9007199254740991, seq: 0 }, { ms: 9007199254740992n, seq: 0 }), -1);
  assert.equal(compareIds(top, { ms: U64_MAX, seq: U64_MAX }), -1);
  assert.equal(formatId(top.ms, top.seq), "18446744073709551615-18446744073709551614");
  assert.deepEqual(
    toSqlPart(9007199254740992n),
    new Uint8Array([0, 0x20, 0, 0, 0, 0, 0, 0]),
  );
  for (const part of [0, 42, 9007199254740991, 9007199254740992n, U64_MAX - 1n, U64_MAX]) {
    assert.equal(fromSqlPart(toSqlPart(part)), part);
  }
});

Deno.test("parseRangeStart() and parseRangeEnd() make ( bounds inclusive", () => {
  assert.deepEqual(parseRangeStart("(5-3"), { ms: 5, seq: 4 });
  assert.deepEqual(parseRangeEnd("(5-0"), { ms: 4, seq: U64_MAX });
  assert.deepEqual({ ...parseRangeEnd("5") }, {
    ms: 5,
    seq: U64_MAX,
    seqGiven: true,
    isU64Max: false,
  });
  assert.throws(() => parseRangeStart("(+"), /Invalid stream ID/);
  assert.throws(
    () => parseRangeStart("(18446744073709551615-18446744073709551615"),
    /invalid start ID for the interval/,
  );
  assert.throws(() => parseRangeEnd("(0-0"), /invalid end ID for the interval/);
});

Deno.test("nextId() stays monotonic when the clock steps back", () => {
  assert.deepEqual(nextId({ ms: 100, seq: 0 }, 200, undefined), { ms: 200, seq: 0 });
  assert.deepEqual(nextId({ ms: 200, seq: 0 }, 200, undefined), { ms: 200, seq: 1 });
  assert.deepEqual(nextId({ ms: 200, seq: 1 }, 150, undefined), { ms: 200, seq: 2 });
  assert.deepEqual(nextId({ ms: 200, seq: 5 }, 0, parseId("200-*", 0, true, true)), {
    ms: 200,
    seq: 6,
  });
  assert.equal(nextId({ ms: 200, seq: 5 }, 0, parseId("199-*", 0, true, true)), undefined);
  assert.equal(nextId({ ms: 200, seq: 5 }, 0, parseId("200-5", 0, true)), undefined);
});

Deno.test(
  "add() and addMany() on the embedded store give increasing IDs while the clock steps back, also after reopening the file",
  async () => {
    const dir = await Deno.makeTempDir({ prefix: "rstream-embedded-" });
    try {
      let clock = () => 5_000;
      const open = () =>
        new CommandStore(openEmbeddedConnection(`${dir}/streams.db`, { now: () => clock() }));
      const ids: string[] = [];
      {
        await using store = open();
        ids.push((await store.add("s", { n: "1" }))!);
        let now = 4_000;
        clock = () => now--; // behind the top ID, and stepping back on every reading
        ids.push((await store.add("s", { n: "2" }))!);
        ids.push(...await store.addMany("s", [{ n: "3" }, { n: "4" }, { n: "5" }]));
      }
      clock = () => 1_000; // reopened with the clock far behind the stored top ID
      await using store = open();
      ids.push((await store.add("s", { n: "6" }))!);
      ids.push(...await store.addMany("s", [{ n: "7" }, { n: "8" }]));
      clock = () => 6_000;
      ids.push((await store.add("s", { n: "9" }))!);
      assert.deepEqual(ids, [
        ...Array.from({ length: 8 }, (_, seq) => `5000-${seq}`),
        "6000-0",
      ]);
      assert.deepEqual(
        (await store.range("s")).map((e) => [e.id, e.fields.n]),
        ids.map((id, i) => [id, String(i + 1)]),
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);

Deno.test("formatId() prints parts of either form", () => {
  assert.equal(formatId(1, 2), "1-2");
  assert.equal(formatId(U64_MAX, U64_MAX), "18446744073709551615-18446744073709551615");
});
