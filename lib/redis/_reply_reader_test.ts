import assert from "node:assert/strict";
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
    /larger than the limit of 1000 bytes \(maxReplyBytes\) was announced \(5002 bytes\)/,
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
