import assert from "node:assert/strict";
import { usageOf, withImplicitStream } from "./command_spec.ts";
import { findCommand } from "./registry.ts";

function spec(name: string) {
  const found = findCommand(name.split(" "));
  assert.ok(found, name);
  return found.spec;
}

Deno.test("usageOf() writes arguments upper-case, optional ones nested, then the options", () => {
  assert.equal(usageOf(spec("range")), "range STREAM [START [END]] [--count N] [--rev]");
  assert.equal(usageOf(spec("del")), "del STREAM ID…");
  assert.equal(
    usageOf(spec("claim")),
    "claim STREAM GROUP CONSUMER ID… [--min-idle MS]",
  );
});

Deno.test("withImplicitStream() puts the stream in use first when the words need it", () => {
  const s = "app:event";
  assert.deepEqual(withImplicitStream(spec("len"), [], s), [s]);
  assert.deepEqual(withImplicitStream(spec("del"), ["1-0", "2-0"], s), [s, "1-0", "2-0"]);
  assert.deepEqual(withImplicitStream(spec("add"), ["temp=1"], s), [s, "temp=1"]);
  assert.deepEqual(withImplicitStream(spec("add"), ["-"], s), [s, "-"]);
  assert.deepEqual(withImplicitStream(spec("range"), ["-", "+", "--count", "5"], s), [
    s,
    "-",
    "+",
    "--count",
    "5",
  ]);
  assert.deepEqual(withImplicitStream(spec("ack"), ["g", "1-0", "2-0"], s), [s, "g", "1-0", "2-0"]);
  assert.deepEqual(withImplicitStream(spec("readgroup"), ["g", "c"], s), [s, "g", "c"]);
  assert.deepEqual(withImplicitStream(spec("trim"), ["--maxlen", "5"], s), ["--maxlen", "5", s]);
  assert.deepEqual(withImplicitStream(spec("group setid"), ["g", "0"], s), [s, "g", "0"]);
});

Deno.test("withImplicitStream() keeps words that already name a stream", () => {
  const s = "app:event";
  assert.deepEqual(withImplicitStream(spec("len"), ["other"], s), ["other"]);
  assert.deepEqual(withImplicitStream(spec("ack"), ["o", "g", "1-0"], s), ["o", "g", "1-0"]);
  assert.deepEqual(withImplicitStream(spec("add"), ["o", "a=1"], s), ["o", "a=1"]);
  assert.deepEqual(withImplicitStream(spec("readgroup"), ["o", "g", "c"], s), ["o", "g", "c"]);
  assert.deepEqual(withImplicitStream(spec("len"), [], undefined), []);
});
