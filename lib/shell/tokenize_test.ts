import assert from "node:assert/strict";
import { quoteArg, scanLine, splitArgs, UnbalancedQuoteError } from "./tokenize.ts";

Deno.test("splitArgs() splits on blanks and keeps $, *, > and - as typed", () => {
  assert.deepEqual(splitArgs("  XADD app:event *  temp 0.4 "), [
    "XADD",
    "app:event",
    "*",
    "temp",
    "0.4",
  ]);
  assert.deepEqual(splitArgs("readgroup s g c > $ -"), ["readgroup", "s", "g", "c", ">", "$", "-"]);
});

Deno.test("splitArgs() keeps spaces inside quotes and decodes redis-cli escapes", () => {
  assert.deepEqual(splitArgs(`add s note="hot day" 'it\\'s' "a\\tb\\x41\\n"`), [
    "add",
    "s",
    "note=hot day",
    "it's",
    "a\tbA\n",
  ]);
  assert.deepEqual(splitArgs(`add s "" ''`), ["add", "s", "", ""]);
});

Deno.test("splitArgs() throws UnbalancedQuoteError naming the column when a quote is not closed", () => {
  assert.throws(
    () => splitArgs(`range s "abc`),
    new UnbalancedQuoteError("unterminated double quote starting at column 9"),
  );
  assert.throws(() => splitArgs(`a 'b'c`), UnbalancedQuoteError);
});

Deno.test("scanLine() reports the word being typed and an open quote without throwing", () => {
  assert.deepEqual(scanLine(`range app:`), { words: ["range"], partial: "app:", partialStart: 6 });
  assert.deepEqual(scanLine(`range `), { words: ["range"], partial: "", partialStart: 6 });
  assert.deepEqual(scanLine(`add "a b`), {
    words: ["add"],
    partial: "a b",
    partialStart: 4,
    openQuote: '"',
  });
});

Deno.test("quoteArg() quotes only words that need it, and splitArgs() reads them back", () => {
  for (const word of ["plain", "a b", 'say "hi"', "tab\there", ""]) {
    assert.deepEqual(splitArgs(quoteArg(word)), [word]);
  }
  assert.equal(quoteArg("app:event"), "app:event");
});
