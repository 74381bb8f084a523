import assert from "node:assert/strict";
import fc from "fast-check";
import { _ReplyReader } from "./_reply_reader.ts";

function reader(options: { maxReplyBytes?: number } = {}) {
  const events: unknown[] = [];
  const r = new _ReplyReader({
    onReply: (reply) => events.push(reply),
    onErrorReply: (message) => events.push({ error: message }),
    onProtocolError: (what, sample) => events.push({ fatal: what, sample }),
  }, options);
  return { r, events, feed: (s: string) => r.feed(new TextEncoder().encode(s)) };
}

const STREAM =
  "*2\r\n$3\r\n1-0\r\n*2\r\n$4\r\ntemp\r\n$4\r\n0.42\r\n:12\r\n$-1\r\n*-1\r\n+OK\r\n-ERR bad\r\n$6\r\nh\xc3\xa9llo\r\n";
const EXPECTED = [["1-0", ["temp", "0.42"]], 12, null, null, "OK", { error: "ERR bad" }, "héllo"];

function bytesOf(latin1: string): Uint8Array {
  return Uint8Array.from(latin1, (c) => c.charCodeAt(0));
}

Deno.test("_ReplyReader decodes every RESP2 type in order", () => {
  const { r, events } = reader();
  r.feed(bytesOf(STREAM));
  assert.deepEqual(events, EXPECTED);
  assert.equal(r.partial, false);
});

Deno.test("_ReplyReader decodes the same replies at every split point, and byte by byte", () => {
  const bytes = bytesOf(STREAM);
  for (let cut = 1; cut < bytes.length; cut++) {
    const { r, events } = reader();
    r.feed(bytes.slice(0, cut));
    r.feed(bytes.slice(cut));
    assert.deepEqual(events, EXPECTED, `split at ${cut}`);
  }
  const { r, events } = reader();
  for (let i = 0; i < bytes.length; i++) r.feed(bytes.slice(i, i + 1));
  assert.deepEqual(events, EXPECTED);
});

Deno.test("_ReplyReader reports a partial reply until its last byte arrives", () => {
  const { r, events, feed } = reader();
  feed("$10\r\n01234");
  assert.equal(r.partial, true);
  assert.deepEqual(events, []);
  feed("56789\r\n");
  assert.equal(r.partial, false);
  assert.deepEqual(events, ["0123456789"]);
});

Deno.test("_ReplyReader fails on a bulk string announced larger than maxReplyBytes, before reading it", () => {
  const { r, events, feed } = reader({ maxReplyBytes: 1000 });
  feed("$5000\r\nabc");
  assert.equal(r.failed, true);
  assert.equal(events.length, 1);
  assert.match(
    (events[0] as { fatal: string }).fatal,
    /larger than the limit of 1000 bytes \(maxReplyBytes\) was announced \(5000 bytes\)/,
  );
  feed("more");
  assert.equal(events.length, 1, "nothing after the failure");
});

Deno.test("_ReplyReader fails when an array reply grows past maxReplyBytes", () => {
  const { r, events, feed } = reader({ maxReplyBytes: 100 });
  feed("*1000\r\n");
  for (let i = 0; i < 50 && !r.failed; i++) feed("$3\r\nabc\r\n");
  assert.equal(r.failed, true);
  assert.match((events[0] as { fatal: string }).fatal, /larger than the limit of 100 bytes/);
});

Deno.test("_ReplyReader accepts replies just under the limit, many times over", () => {
  const { r, events, feed } = reader({ maxReplyBytes: 100 });
  for (let i = 0; i < 100; i++) feed(`$80\r\n${"x".repeat(80)}\r\n`);
  assert.equal(r.failed, false);
  assert.equal(events.length, 100);
});

Deno.test("_ReplyReader reports a protocol error with what the peer sent (an HTTP server)", () => {
  const { r, events, feed } = reader();
  feed("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
  assert.equal(r.failed, true);
  assert.deepEqual(events, [{
    fatal: 'Protocol error, got "H" as reply type byte',
    sample: "HTTP/1.1 400 Bad Request",
  }]);
});

Deno.test("_ReplyReader reports a protocol error after good replies", () => {
  const { events, feed } = reader();
  feed("+OK\r\n?junk\r\n");
  assert.equal(events[0], "OK");
  assert.match((events[1] as { fatal: string }).fatal, /Protocol error, got "\?"/);
});

Deno.test("_ReplyReader keeps an error reply inside an array in place", () => {
  const { events, feed } = reader();
  feed("*3\r\n+OK\r\n-ERR inner\r\n*0\r\n");
  const [reply] = events as unknown[][];
  assert.equal(reply![0], "OK");
  assert.ok(reply![1] instanceof Error && reply![1].message === "ERR inner");
  assert.deepEqual(reply![2], []);
});

Deno.test("_ReplyReader decodes a large bulk string fed in many small chunks, once", () => {
  const value = "é".repeat(100_000);
  const bytes = new TextEncoder().encode(`$${200_000}\r\n${value}\r\n+after\r\n`);
  const { r, events } = reader();
  for (let at = 0; at < bytes.length; at += 1000) r.feed(bytes.slice(at, at + 1000));
  assert.deepEqual(events, [value, "after"]);
});

Deno.test("_ReplyReader never keeps the caller's memory: a reused read buffer changes no reply", () => {
  const { r, events } = reader();
  const buffer = new TextEncoder().encode("*2\r\n$3\r\nabc\r\n$3\r\nde");
  r.feed(buffer);
  buffer.fill(0x21);
  r.feed(new TextEncoder().encode("f\r\n"));
  assert.deepEqual(events, [["abc", "def"]]);
});

Deno.test("_ReplyReader reports a malformed length as a protocol error", () => {
  const { events, feed } = reader();
  feed("$abc\r\n");
  assert.match((events[0] as { fatal: string }).fatal, /Protocol error, invalid number 'abc'/);
});

Deno.test("_ReplyReader decodes any reply tree fed in any chunking (property)", () => {
  type Tree = string | number | null | Tree[];
  const tree = fc.letrec<{ node: Tree }>((tie) => ({
    node: fc.oneof(
      { depthSize: "small" },
      fc.string({ unit: "grapheme" }),
      fc.integer(),
      fc.constant(null),
      fc.array(tie("node"), { maxLength: 5 }),
    ),
  })).node;
  const encode = (t: Tree): string =>
    t === null
      ? "$-1\r\n"
      : typeof t === "number"
      ? `:${t}\r\n`
      : typeof t === "string"
      ? `$${new TextEncoder().encode(t).length}\r\n${t}\r\n`
      : `*${t.length}\r\n${t.map(encode).join("")}`;
  fc.assert(
    fc.property(
      fc.array(tree, { minLength: 1, maxLength: 5 }),
      fc.array(fc.nat(40)),
      (replies, cuts) => {
        const bytes = new TextEncoder().encode(replies.map(encode).join(""));
        const { r, events } = reader();
        let at = 0;
        for (const cut of cuts) {
          r.feed(bytes.slice(at, at + cut));
          at += cut;
        }
        r.feed(bytes.slice(at));
        assert.deepEqual(events, replies);
        assert.equal(r.partial, false);
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("_ReplyReader decodes the arguments binaryArgument() names as binary strings, byte for byte", () => {
  const events: unknown[] = [];
  const r = new _ReplyReader({
    onReply: (reply) => events.push(reply),
    onErrorReply: () => {},
    onProtocolError: () => {},
  }, { binaryArgument: (index, first) => index === 3 && first === "RESTORE" });
  const payload = "\x00\xc3\xa9\xff\x80"; // not UTF-8 as a whole; é as UTF-8 in the middle
  const request = (name: string) =>
    `*4\r\n$${name.length}\r\n${name}\r\n$1\r\nk\r\n$1\r\n0\r\n$5\r\n${payload}\r\n`;
  r.feed(bytesOf(request("RESTORE") + request("ECHOOO")));
  assert.deepEqual(events, [
    ["RESTORE", "k", "0", payload],
    ["ECHOOO", "k", "0", "\x00é\ufffd\ufffd"],
  ]);
});
