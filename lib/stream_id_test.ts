import assert from "node:assert/strict";
import fc from "fast-check";
import {
  checkAddId,
  checkRangeBound,
  checkReadId,
  compareStreamIds,
  formatStreamId,
  isStreamId,
  MAX_ID_PART,
  nextStreamId,
  parseStreamId,
  previousStreamId,
  streamIdDate,
} from "./stream_id.ts";

const u64 = fc.bigInt({ min: 0n, max: MAX_ID_PART });
const streamId = fc.record({ ms: u64, seq: u64 });
/** IDs that have both a successor and a predecessor, with the edges made likely. */
const innerId = fc.oneof(
  streamId,
  fc.record({ ms: u64, seq: fc.constantFrom(0n, 1n, MAX_ID_PART - 1n, MAX_ID_PART) }),
).filter(({ ms, seq }) =>
  !(ms === 0n && seq === 0n) && !(ms === MAX_ID_PART && seq === MAX_ID_PART)
);

// parseStreamId

Deno.test("parseStreamId() reads both parts of a complete ID", () => {
  assert.deepEqual(parseStreamId("1526919030474-55"), { ms: 1526919030474n, seq: 55n });
});

Deno.test("parseStreamId() accepts 2^64-1 in both parts", () => {
  assert.deepEqual(parseStreamId("18446744073709551615-18446744073709551615"), {
    ms: MAX_ID_PART,
    seq: MAX_ID_PART,
  });
});

Deno.test("parseStreamId() fills the sequence with 0 when incomplete is start", () => {
  assert.deepEqual(parseStreamId("5", { incomplete: "start" }), { ms: 5n, seq: 0n });
});

Deno.test("parseStreamId() fills the sequence with 2^64-1 when incomplete is end", () => {
  assert.deepEqual(parseStreamId("5", { incomplete: "end" }), { ms: 5n, seq: MAX_ID_PART });
});

Deno.test("parseStreamId() keeps an explicit sequence when incomplete is given", () => {
  assert.deepEqual(parseStreamId("5-3", { incomplete: "end" }), { ms: 5n, seq: 3n });
});

Deno.test("parseStreamId() rejects an incomplete ID unless incomplete is given", () => {
  assert.throws(() => parseStreamId("5"), {
    name: "RangeError",
    message: /^Invalid stream ID '5': expected <ms>-<seq>$/,
  });
});

Deno.test("parseStreamId() rejects a part above 2^64-1 naming the ID", () => {
  assert.throws(() => parseStreamId("18446744073709551616-0"), {
    name: "RangeError",
    message: /'18446744073709551616-0'.*exceeds 2\^64-1/,
  });
});

Deno.test("parseStreamId() rejects a sequence above 2^64-1", () => {
  assert.throws(() => parseStreamId("0-18446744073709551616"), RangeError);
});

Deno.test("parseStreamId() rejects non-decimal parts naming the ID", () => {
  for (const bad of ["", "-", "1-", "-1", "a-1", "1-b", "1-2-3", " 1-2", "1-2 ", "+1-2", "1.5-0"]) {
    assert.throws(() => parseStreamId(bad), (error: unknown) => {
      assert.ok(error instanceof RangeError, `${bad}: ${error}`);
      assert.ok(error.message.startsWith(`Invalid stream ID '${bad}'`), error.message);
      return true;
    });
  }
});

Deno.test("parseStreamId() rejects a non-string with a TypeError naming its type", () => {
  assert.throws(() => parseStreamId(5 as unknown as string), {
    name: "TypeError",
    message: /^Stream ID must be a string, got number$/,
  });
});

// formatStreamId, isStreamId

Deno.test("formatStreamId() writes <ms>-<seq>", () => {
  assert.equal(formatStreamId({ ms: 1526919030474n, seq: 0n }), "1526919030474-0");
});

Deno.test("formatStreamId(parseStreamId(x)) round-trips for any two u64 parts", () => {
  fc.assert(
    fc.property(u64, u64, (ms, seq) => {
      const text = `${ms}-${seq}`;
      assert.equal(formatStreamId(parseStreamId(text)), text);
      assert.deepEqual(parseStreamId(formatStreamId({ ms, seq })), { ms, seq });
    }),
    { numRuns: 200 },
  );
});

Deno.test("isStreamId() accepts complete IDs only", () => {
  assert.equal(isStreamId("1-0"), true);
  assert.equal(isStreamId("1"), false);
  assert.equal(isStreamId("*"), false);
  assert.equal(isStreamId("$"), false);
});

// compareStreamIds

Deno.test("compareStreamIds() orders IDs numerically, not as text", () => {
  assert.deepEqual(["10-0", "9-1", "9-0", "9-10"].sort(compareStreamIds), [
    "9-0",
    "9-1",
    "9-10",
    "10-0",
  ]);
});

Deno.test("compareStreamIds() accepts parsed IDs and strings mixed", () => {
  assert.equal(compareStreamIds({ ms: 1n, seq: 2n }, "1-2"), 0);
});

Deno.test("compareStreamIds() agrees with (ms, seq) bigint ordering", () => {
  fc.assert(
    fc.property(streamId, streamId, (a, b) => {
      const expected = a.ms !== b.ms
        ? (a.ms < b.ms ? -1 : 1)
        : a.seq !== b.seq
        ? (a.seq < b.seq ? -1 : 1)
        : 0;
      assert.equal(compareStreamIds(formatStreamId(a), formatStreamId(b)), expected);
    }),
    { numRuns: 200 },
  );
});

Deno.test("compareStreamIds() is antisymmetric", () => {
  fc.assert(
    fc.property(streamId, streamId, (a, b) => {
      assert.equal(Math.sign(compareStreamIds(a, b)), -Math.sign(compareStreamIds(b, a)));
    }),
    { numRuns: 200 },
  );
});

Deno.test("compareStreamIds() rejects an invalid string naming it", () => {
  assert.throws(() => compareStreamIds("1-0", "x"), { name: "RangeError", message: /'x'/ });
});

// nextStreamId, previousStreamId

Deno.test("nextStreamId() increments the sequence", () => {
  assert.equal(nextStreamId("5-1"), "5-2");
});

Deno.test("nextStreamId() carries into the milliseconds after a maximal sequence", () => {
  assert.equal(nextStreamId("5-18446744073709551615"), "6-0");
});

Deno.test("nextStreamId() returns undefined after the largest ID", () => {
  assert.equal(nextStreamId("18446744073709551615-18446744073709551615"), undefined);
});

Deno.test("previousStreamId() decrements the sequence", () => {
  assert.equal(previousStreamId("5-2"), "5-1");
});

Deno.test("previousStreamId() borrows from the milliseconds at sequence 0", () => {
  assert.equal(previousStreamId("6-0"), "5-18446744073709551615");
});

Deno.test("previousStreamId() returns undefined before 0-0", () => {
  assert.equal(previousStreamId("0-0"), undefined);
});

Deno.test("nextStreamId() and previousStreamId() are inverse", () => {
  fc.assert(
    fc.property(innerId, (id) => {
      const text = formatStreamId(id);
      assert.equal(previousStreamId(nextStreamId(text)!), text);
      assert.equal(nextStreamId(previousStreamId(text)!), text);
    }),
    { numRuns: 200 },
  );
});

Deno.test("nextStreamId() and previousStreamId() preserve order and leave no gap", () => {
  fc.assert(
    fc.property(innerId, streamId, (id, other) => {
      const text = formatStreamId(id);
      const next = nextStreamId(text)!;
      const previous = previousStreamId(text)!;
      assert.ok(compareStreamIds(previous, text) < 0);
      assert.ok(compareStreamIds(text, next) < 0);
      // Nothing lies strictly between an ID and its neighbours.
      const o = formatStreamId(other);
      if (compareStreamIds(o, text) > 0) assert.ok(compareStreamIds(o, next) >= 0);
      if (compareStreamIds(o, text) < 0) assert.ok(compareStreamIds(o, previous) <= 0);
    }),
    { numRuns: 200 },
  );
});

// checkAddId

Deno.test("checkAddId() accepts *, <ms>-* and a complete ID", () => {
  assert.equal(checkAddId("*"), "*");
  assert.equal(checkAddId("5-*"), "5-*");
  assert.equal(checkAddId("5-1"), "5-1");
});

Deno.test("checkAddId() rejects 0-0 naming the given ID", () => {
  assert.throws(() => checkAddId("0-0"), {
    name: "RangeError",
    message: /^Invalid stream ID '0-0': XADD needs an ID greater than 0-0$/,
  });
  assert.throws(() => checkAddId("00-0"), { name: "RangeError", message: /'00-0'/ });
});

Deno.test("checkAddId() rejects an incomplete ID", () => {
  assert.throws(() => checkAddId("5"), { name: "RangeError", message: /'5'/ });
});

Deno.test("checkAddId() rejects a bad milliseconds part before -*", () => {
  assert.throws(() => checkAddId("x-*"), { name: "RangeError", message: /'x-\*'/ });
  assert.throws(() => checkAddId("-*"), { name: "RangeError", message: /'-\*'/ });
});

Deno.test("checkAddId() rejects a non-string with a TypeError", () => {
  assert.throws(() => checkAddId(undefined as unknown as string), {
    name: "TypeError",
    message: /got undefined/,
  });
});

// checkRangeBound

Deno.test("checkRangeBound() accepts -, +, complete, incomplete and exclusive IDs", () => {
  for (const bound of ["-", "+", "5-1", "5", "(5-1", "(5"]) {
    assert.equal(checkRangeBound(bound), bound);
  }
});

Deno.test("checkRangeBound() rejects a bad bound naming it", () => {
  for (const bad of ["", "(", "(-", "((5", "5-x", "$", ">"]) {
    assert.throws(() => checkRangeBound(bad), (error: unknown) => {
      assert.ok(error instanceof RangeError, `${bad}: ${error}`);
      assert.ok(error.message.startsWith(`Invalid range bound '${bad}': expected -, +`));
      return true;
    });
  }
});

Deno.test("checkRangeBound() rejects a non-string with a TypeError", () => {
  assert.throws(() => checkRangeBound(null as unknown as string), {
    name: "TypeError",
    message: /^Range bound must be a string, got object$/,
  });
});

// checkReadId

Deno.test("checkReadId() accepts $ by default and IDs", () => {
  assert.equal(checkReadId("$"), "$");
  assert.equal(checkReadId("0"), "0");
  assert.equal(checkReadId("5-1"), "5-1");
});

Deno.test("checkReadId() accepts only the special forms it is given", () => {
  assert.equal(checkReadId(">", [">"]), ">");
  assert.throws(() => checkReadId("$", [">"]), {
    name: "RangeError",
    message: /^Invalid stream ID '\$': expected > or an ID like 1526919030474-0$/,
  });
});

Deno.test("checkReadId() with no special forms asks for an ID only", () => {
  assert.throws(() => checkReadId("x", []), {
    name: "RangeError",
    message: /^Invalid stream ID 'x': expected an ID like 1526919030474-0$/,
  });
});

Deno.test("checkReadId() rejects a non-string with a TypeError", () => {
  assert.throws(() => checkReadId(1 as unknown as string), TypeError);
});

// streamIdDate

Deno.test("streamIdDate() reads the milliseconds part as a time", () => {
  assert.equal(streamIdDate("1526919030474-55").toISOString(), "2018-05-21T16:10:30.474Z");
  assert.equal(streamIdDate("1526919030474").getTime(), 1526919030474);
});
