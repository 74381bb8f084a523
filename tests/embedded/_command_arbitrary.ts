/**
 * fast-check arbitraries for random Redis stream command sequences over a
 * small universe of keys, groups, consumers and IDs, so that commands
 * interact: mostly explicit small IDs, a few `*` and `<ms>-*`, and bad input.
 * A few ID parts sit at the edges of the 64-bit range and of JavaScript's
 * exact integers (2^53 - 1, 2^53, 2^64 - 2, 2^64 - 1), where the embedded
 * store switches from numbers and INTEGERs to bigints and BLOBs.
 *
 * @module
 */

import fc from "fast-check";

/** Mostly `valid`, sometimes `invalid`. */
const rarely = <T>(valid: fc.Arbitrary<T>, invalid: fc.Arbitrary<T>, odds = 12) =>
  fc.oneof({ weight: odds, arbitrary: valid }, { weight: 1, arbitrary: invalid });

const key = rarely<string>(
  fc.constantFrom("s", "s", "s", "s", "t", "t"),
  fc.constantFrom("str", "nokey"),
  6,
);
const group = rarely<string>(fc.constantFrom("g", "g", "g", "h"), fc.constant("nog"));
const consumer = fc.constantFrom("c1", "c2", "c3");
const EDGE_PARTS = ["9007199254740991", "9007199254740992", "18446744073709551614"];
const ms = fc.oneof(
  { weight: 12, arbitrary: fc.integer({ min: 0, max: 20 }).map(String) },
  { weight: 1, arbitrary: fc.constantFrom(...EDGE_PARTS, "18446744073709551615") },
);
const seq = fc.oneof(
  { weight: 12, arbitrary: fc.integer({ min: 0, max: 3 }).map(String) },
  { weight: 1, arbitrary: fc.constantFrom(...EDGE_PARTS, "18446744073709551615") },
);

/** A complete, well-formed ID. */
const fullId = fc.tuple(ms, seq).map(([m, s]) => `${m}-${s}`);

/** IDs as arguments: mostly full, sometimes incomplete, odd or invalid. */
const idArg = fc.oneof(
  { weight: 8, arbitrary: fullId },
  { weight: 1, arbitrary: ms },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      "0-0",
      "abc",
      "-1",
      "1-x",
      "01-1",
      "18446744073709551615-18446744073709551615",
      "18446744073709551616",
      "",
      "+",
      "-",
    ),
  },
);

const rangeBound = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom("-", "+") },
  { weight: 4, arbitrary: fullId },
  { weight: 2, arbitrary: fullId.map((id) => `(${id}`) },
  { weight: 1, arbitrary: ms },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      "(-",
      "(+",
      "(0-0",
      "(",
      "x",
      "(18446744073709551615-18446744073709551615",
    ),
  },
);

const count = rarely<string>(fc.constantFrom("0", "1", "2", "3", "10"), fc.constantFrom("-1", "x"));
const fields = rarely<readonly string[]>(
  fc.constantFrom(["a", "1"], ["b", "2", "c", "3"], ["a", ""]),
  fc.constantFrom(["a"], ["a", "1", "b"]),
  20,
);

const trimSpec = fc.oneof(
  {
    weight: 12,
    arbitrary: fc.tuple(
      fc.constantFrom("MAXLEN", "maxlen"),
      fc.constantFrom([], ["="], ["~"], ["~"]),
      rarely(fc.integer({ min: 0, max: 6 }).map(String), fc.constantFrom("-1", "x")),
      fc.constantFrom([], [], ["LIMIT", "1"], ["LIMIT", "0"]),
    ).map(([kind, mode, threshold, limit]) => [
      kind,
      ...mode,
      threshold,
      ...(mode[0] === "~" || limit[1] === "0" ? limit : []),
    ]),
  },
  {
    weight: 12,
    arbitrary: fc.tuple(
      fc.constantFrom([], ["="], ["~"], ["~"]),
      rarely(fullId, idArg),
      fc.constantFrom([], [], ["LIMIT", "1"], ["LIMIT", "2"]),
    ).map(([mode, threshold, limit]) => [
      "MINID",
      ...mode,
      threshold,
      ...(mode[0] === "~" ? limit : []),
    ]),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(["LIMIT", "2"], ["MAXLEN", "1", "MINID", "1"], [
      "MAXLEN",
      "1",
      "LIMIT",
      "-1",
    ], ["LIMIT", "0", "MAXLEN", "2"]),
  },
);

const xadd = fc.tuple(
  key,
  fc.constantFrom([], [], [], ["NOMKSTREAM"]),
  fc.oneof({ weight: 3, arbitrary: fc.constant([] as string[]) }, {
    weight: 1,
    arbitrary: trimSpec,
  }),
  fc.oneof(
    { weight: 6, arbitrary: fullId },
    { weight: 3, arbitrary: ms.map((m) => `${m}-*`) },
    { weight: 1, arbitrary: fc.constant("*") },
    { weight: 1, arbitrary: idArg },
  ),
  fields,
).map((
  [k, nomk, trim, id, f],
  // Clock IDs only go to "s": the normaliser numbers them in order of appearance,
  // which is only unambiguous within one stream.
) => ["XADD", id === "*" ? "s" : k, ...nomk, ...trim, id, ...f]);

const withCount = (args: string[]) =>
  fc.constantFrom([], [], ["COUNT"]).chain((c) =>
    c.length ? count.map((n) => [...args, "COUNT", n]) : fc.constant(args)
  );

const xrange = fc.tuple(fc.constantFrom("XRANGE", "XREVRANGE"), key, rangeBound, rangeBound)
  .chain(([cmd, k, a, b]) => withCount([cmd, k, a, b]));

const xread = fc.tuple(
  fc.constantFrom([], ["COUNT", "1"], ["COUNT", "2"], ["COUNT", "0"]),
  fc.constantFrom(["s"], ["s", "t"], ["t", "nokey"], ["str"]),
  fc.oneof(idArg, fc.constant("$")),
).map(([c, keys, id]) => ["XREAD", ...c, "STREAMS", ...keys, ...keys.map(() => id)]);

const xreadgroup = fc.tuple(
  group,
  consumer,
  fc.constantFrom([], ["COUNT", "1"], ["COUNT", "2"]),
  fc.constantFrom([], [], [], ["NOACK"]),
  fc.constantFrom(["s"], ["s"], ["t"], ["s", "t"], ["nokey"]),
  fc.oneof({ weight: 5, arbitrary: fc.constant(">") }, { weight: 2, arbitrary: fc.constant("0") }, {
    weight: 1,
    arbitrary: idArg,
  }),
).map(([g, c, cnt, noack, keys, id]) => [
  "XREADGROUP",
  "GROUP",
  g,
  c,
  ...cnt,
  ...noack,
  "STREAMS",
  ...keys,
  ...keys.map(() => id),
]);

const xack = fc.tuple(key, group, fc.array(idArg, { minLength: 1, maxLength: 3 }))
  .map(([k, g, ids]) => ["XACK", k, g, ...ids]);

const idle = rarely<string>(fc.constantFrom("0", "3600000"), fc.constantFrom("x", "-5"));

const xpending = fc.oneof(
  fc.tuple(key, group).map(([k, g]) => ["XPENDING", k, g]),
  fc.tuple(
    key,
    group,
    fc.constantFrom([], [], ["IDLE", "0"], ["IDLE", "3600000"], ["IDLE", "x"], ["IDLE", "-1"]),
    rangeBound,
    rangeBound,
    count,
    fc.constantFrom([], [], ["c1"], ["c2"], ["zz"]),
  ).map(([k, g, i, a, b, n, c]) => ["XPENDING", k, g, ...i, a, b, n, ...c]),
);

const claimOption = fc.constantFrom(
  ["IDLE", "7200000"],
  ["IDLE", "0"],
  ["TIME", "1000"],
  ["RETRYCOUNT", "5"],
  ["FORCE"],
  ["JUSTID"],
  ["LASTID", "5-0"],
  ["LASTID", "0-1"],
  ["IDLE", "x"],
  ["BOGUS"],
);

const xclaim = fc.tuple(
  key,
  group,
  consumer,
  idle,
  fc.array(idArg, { minLength: 1, maxLength: 3 }),
  fc.array(claimOption, { maxLength: 2 }),
).map(([k, g, c, i, ids, opts]) => ["XCLAIM", k, g, c, i, ...ids, ...opts.flat()]);

const xautoclaim = fc.tuple(
  key,
  group,
  consumer,
  idle,
  rangeBound,
  fc.constantFrom([], [], ["COUNT", "1"], ["COUNT", "2"], ["COUNT", "0"], ["JUSTID"], [
    "COUNT",
    "1",
    "JUSTID",
  ]),
).map(([k, g, c, i, start, opts]) => ["XAUTOCLAIM", k, g, c, i, start, ...opts]);

const xtrim = fc.tuple(key, trimSpec).map(([k, t]) => ["XTRIM", k, ...t]);
const xsetid = fc.tuple(
  key,
  fc.oneof({ weight: 4, arbitrary: fullId }, {
    weight: 1,
    arbitrary: fc.constantFrom("5", "-", "x"),
  }),
  fc.constantFrom([], [], ["ENTRIESADDED", "3"], ["ENTRIESADDED", "0"], ["ENTRIESADDED", "-1"]),
  fc.constantFrom([], [], ["MAXDELETEDID", "1-0"], ["MAXDELETEDID", "99-0"], ["MAXDELETEDID"]),
).map(([k, id, added, maxDel]) => ["XSETID", k, id, ...added, ...maxDel]);
const xdel = fc.tuple(key, fc.array(idArg, { minLength: 1, maxLength: 3 }))
  .map(([k, ids]) => ["XDEL", k, ...ids]);
const xlen = key.map((k) => ["XLEN", k]);

const xgroup = fc.oneof(
  fc.tuple(
    key,
    group,
    fc.oneof(fullId, fc.constantFrom("$", "0", "-", "+", "x")),
    fc.constantFrom([], [], ["MKSTREAM"], ["ENTRIESREAD", "2"], ["ENTRIESREAD", "-2"], ["BOGUS"]),
  ).map(([k, g, id, o]) => ["XGROUP", "CREATE", k, g, id, ...o]),
  fc.tuple(
    key,
    group,
    fc.oneof(fullId, fc.constantFrom("$", "0", "+", "x")),
    fc.constantFrom([], [], ["ENTRIESREAD", "1"], ["ENTRIESREAD", "5"], ["ENTRIESREAD", "x"]),
  ).map(([k, g, id, o]) => ["XGROUP", "SETID", k, g, id, ...o]),
  fc.tuple(key, group).map(([k, g]) => ["XGROUP", "DESTROY", k, g]),
  fc.tuple(key, group, consumer).map(([k, g, c]) => ["XGROUP", "CREATECONSUMER", k, g, c]),
  fc.tuple(key, group, consumer).map(([k, g, c]) => ["XGROUP", "DELCONSUMER", k, g, c]),
);

const xinfo = fc.oneof(
  key.map((k) => ["XINFO", "STREAM", k]),
  fc.tuple(key, fc.constantFrom(["FULL"], ["FULL", "COUNT", "1"], ["FULL", "COUNT", "0"], ["JUNK"]))
    .map(([k, o]) => ["XINFO", "STREAM", k, ...o]),
  key.map((k) => ["XINFO", "GROUPS", k]),
  fc.tuple(key, group).map(([k, g]) => ["XINFO", "CONSUMERS", k, g]),
);

const keyspace = fc.oneof(
  fc.constant(["SET", "str", "v"]),
  key.map((k) => ["GET", k]),
  key.map((k) => ["TYPE", k]),
  key.map((k) => ["EXISTS", k]),
  fc.constantFrom(["DEL", "t"], ["DEL", "str"], ["DBSIZE"], ["KEYS", "*"], ["KEYS", "s*"], [
    "SCAN",
    "0",
    "COUNT",
    "100",
  ]),
);

const junk = fc.constantFrom(
  ["FOO", "a", "b"],
  ["XADD", "s"],
  ["XGROUP", "BOGUS", "s"],
  ["XGROUP"],
  ["XINFO", "HELP"],
  ["XLEN"],
  ["xrange", "s", "-"],
  ["XREAD", "STREAMS", "s"],
  ["XREAD", "GROUP", "g", "c", "STREAMS", "s", "0"],
  ["XREADGROUP", "GROUP", "g", "c1", "STREAMS", "s", "$"],
  ["XPENDING", "s", "g", "-"],
  ["XTRIM", "s", "LIMIT", "1"],
  ["PING"],
);

/** One random command. */
export const commandArbitrary: fc.Arbitrary<readonly string[]> = fc.oneof(
  { weight: 12, arbitrary: xadd },
  { weight: 4, arbitrary: xrange },
  { weight: 3, arbitrary: xread },
  { weight: 6, arbitrary: xreadgroup },
  { weight: 3, arbitrary: xack },
  { weight: 3, arbitrary: xpending },
  { weight: 3, arbitrary: xclaim },
  { weight: 3, arbitrary: xautoclaim },
  { weight: 2, arbitrary: xtrim },
  { weight: 2, arbitrary: xdel },
  { weight: 1, arbitrary: xsetid },
  { weight: 1, arbitrary: xlen },
  { weight: 5, arbitrary: xgroup },
  { weight: 3, arbitrary: xinfo },
  { weight: 2, arbitrary: keyspace.map((a): string[] => [...a]) },
  { weight: 1, arbitrary: junk.map((a): string[] => [...a]) },
);

/** Commands that set up streams and groups before the random ones, so that they interact. */
export const preludeArbitrary: fc.Arbitrary<string[][]> = fc.constantFrom(
  [],
  [["XGROUP", "CREATE", "s", "g", "0", "MKSTREAM"]],
  [["XADD", "s", "1-1", "a", "1"], ["XGROUP", "CREATE", "s", "g", "0"], [
    "XGROUP",
    "CREATE",
    "s",
    "h",
    "$",
  ]],
  [
    ["XADD", "s", "1-0", "a", "1"],
    ["XADD", "s", "2-0", "a", "2"],
    ["XADD", "t", "1-0", "b", "1"],
    ["XGROUP", "CREATE", "s", "g", "0"],
    ["XGROUP", "CREATE", "t", "g", "0"],
    ["XREADGROUP", "GROUP", "g", "c1", "STREAMS", "s", ">"],
  ],
);

/**
 * A sequence of `length` random commands. Each slot may hold `null` (rarely
 * generated) so that shrinking can drop commands while the generated length
 * stays `length`; skip the nulls when running.
 */
export function commandsArbitrary(length: number): fc.Arbitrary<(readonly string[] | null)[]> {
  return fc.array(fc.option(commandArbitrary, { freq: 50, nil: null }), {
    minLength: length,
    maxLength: length,
  });
}
