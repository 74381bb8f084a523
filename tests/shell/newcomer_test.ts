/**
 * Issue 15: what a newcomer and a redis-cli user meet in their first ten
 * minutes, through the CLI as a person runs it (stdin piped).
 */
import assert from "node:assert/strict";
import { backendTest } from "../_backends.ts";
import { lines, runCli } from "./_cli.ts";

backendTest("raw GET on a stream answers Redis's WRONGTYPE text", async (store, t) => {
  await store.add("app:event", { a: "1" });
  const out = await runCli(["raw", "GET", "app:event"], { url: t.url });
  assert.deepEqual(out, {
    code: 1,
    stdout: "",
    stderr: "error: WRONGTYPE Operation against a key holding the wrong kind of value\n",
  });
});

backendTest("after use, ack GROUP BADID names the bad ID", async (store, t) => {
  await store.add("app:event", { a: "1" });
  await store.createGroup("app:event", "workers", { start: "0" });
  const out = await runCli([], { url: t.url, stdin: "use app:event\nack workers notanid\n" });
  assert.equal(out.code, 2);
  assert.equal(out.stdout, "app:event\n");
  assert.equal(
    out.stderr,
    "error: Invalid stream ID 'notanid': expected an ID like 1526919030474-0 (usage: ack STREAM GROUP ID…)\n",
  );
});

Deno.test("a bad store URL is reported without a command's usage, exit 2", async () => {
  const out = await runCli(["--url", "foo://x", "len", "s"]);
  assert.deepEqual(out, {
    code: 2,
    stdout: "",
    stderr:
      "error: Unsupported store URL 'foo://x': use redis://host:port, rediss://host:port, file:PATH or memory:\n",
  });
});

backendTest("add STREAM - takes FIELD=VALUE lines and says what was added", async (store, t) => {
  const ok = await runCli(["add", "s", "-"], {
    url: t.url,
    stdin: "sensor_id=s1 temp=0.4\nsensor_id=s2 temp=0.5\n",
  });
  assert.equal(ok.code, 0, ok.stderr);
  assert.deepEqual(
    (await store.range("s")).map((e) => e.fields),
    [{ sensor_id: "s1", temp: "0.4" }, { sensor_id: "s2", temp: "0.5" }],
  );
  const none = await runCli(["add", "s", "-"], { url: t.url, stdin: "oops\n" });
  assert.equal(none.code, 1);
  assert.deepEqual(lines(none.stderr), [
    `error: line 1: not JSON (Unexpected token 'o', "oops" is not valid JSON) nor FIELD=VALUE words like sensor_id=s1 temp=0.4`,
    "error: 1 bad line skipped; nothing was added",
  ]);
  assert.equal(await store.len("s"), 2);
});

backendTest(
  "range STREAM + - --rev reads newest first, as XREVRANGE's bounds",
  async (store, t) => {
    await store.add("big", { n: "1" }, { id: "1-1" });
    await store.add("big", { n: "2" }, { id: "1-2" });
    const rev = await runCli(["range", "big", "+", "-", "--rev"], { url: t.url });
    assert.deepEqual(rev, { code: 0, stdout: "1-2\tn=2\n1-1\tn=1\n", stderr: "" });
    const wrong = await runCli(["range", "big", "+", "-"], { url: t.url });
    assert.deepEqual(wrong, {
      code: 2,
      stdout: "",
      stderr:
        "error: START comes first: range STREAM - + (add --rev for newest first) (usage: range STREAM [START [END]] [--count N] [--rev])\n",
    });
  },
);

backendTest(
  "a group named with an escape sequence prints escaped, never raw",
  async (_store, t) => {
    const out = await runCli([], {
      url: t.url,
      stdin: 'group create s "\\x1b[31mred" --mkstream\ngroups s\n',
    });
    assert.equal(out.stderr, "");
    assert.equal(out.stdout, "created group \\x1b[31mred on s\n\\x1b[31mred\t0\t0\t0-0\t-\t0\n");
    assert.ok(!out.stdout.includes("\x1b"));
  },
);

backendTest("top --once prints one frame without the Ctrl-C hint", async (store, t) => {
  await store.add("s", { a: "1" });
  const out = await runCli(["top", "--once"], { url: t.url });
  assert.equal(out.code, 0, out.stderr);
  const [header] = lines(out.stdout);
  assert.match(header, /^rstream top {2}\S+ {2}\* {2}1 stream {2}\d\d:\d\d:\d\d$/);
});

Deno.test("help's examples run as written: no command that exists only once compiled", async () => {
  for (const command of ["add", "top"]) {
    const out = await runCli(["help", command], { url: "memory:" });
    const examples = out.stdout.slice(out.stdout.indexOf("Examples:\n") + 10);
    assert.ok(lines(examples).length > 0, out.stdout);
    for (const line of lines(examples)) assert.doesNotMatch(line, /^ {2}rstream /);
  }
  const add = await runCli(["help", "add"], { url: "memory:" });
  assert.match(add.stdout, /^ {2}deno task -q start add app:event - < events\.ndjson$/m);
});

Deno.test("help XADD and help @stream answer like redis-cli", async () => {
  const xadd = await runCli(["help", "XADD"], { url: "memory:" });
  assert.equal(xadd.code, 0);
  assert.deepEqual(lines(xadd.stdout), [
    "",
    "  XADD key [NOMKSTREAM] [<MAXLEN | MINID> [= | ~] threshold [LIMIT count]] <* | id> field value [field value ...]",
    "  summary: append an entry to a stream",
    "  group: stream",
    "  shell: add",
    "",
  ]);
  const group = await runCli(["help", "@stream"], { url: "memory:" });
  assert.equal(group.code, 0);
  const syntax = lines(group.stdout).filter((line) => /^ {2}X[A-Z]+ /.test(line));
  assert.deepEqual(syntax.map((line) => line.trim().split(" ")[0]), [
    "XACK",
    "XADD",
    "XAUTOCLAIM",
    "XCLAIM",
    "XDEL",
    "XGROUP",
    "XINFO",
    "XLEN",
    "XPENDING",
    "XRANGE",
    "XREAD",
    "XREADGROUP",
    "XREVRANGE",
    "XSETID",
    "XTRIM",
  ]);
});

Deno.test("GET k points to raw GET k; a typo still gets its suggestion", async () => {
  const out = await runCli([], { url: "memory:", stdin: "GET k\nlne\n" });
  assert.equal(out.code, 2);
  assert.deepEqual(lines(out.stderr), [
    "error: 'GET' is a Redis command, not a stream command; send it as is with: raw GET k (usage: raw COMMAND ARGS…)",
    "error: unknown command 'lne'; did you mean len? (usage: help [COMMAND])",
  ]);
});

backendTest("with --json, errors are one JSON object on stderr", async (store, t) => {
  await store.set("k", "v");
  const usage = await runCli(["--json", "len"], { url: t.url });
  assert.deepEqual(usage, {
    code: 2,
    stdout: "",
    stderr: '{"error":"missing required argument \'STREAM\'","usage":"len STREAM"}\n',
  });
  const failure = await runCli(["--json", "add", "k", "a=1"], { url: t.url });
  assert.equal(failure.code, 1);
  assert.deepEqual(JSON.parse(failure.stderr), {
    error: "Key 'k' is not a stream (XADD); use another key or delete this one first",
  });
  assert.equal(lines(failure.stderr).length, 1);
});

backendTest("usage errors exit 2 and failures exit 1, one-shot and piped", async (store, t) => {
  await store.set("k", "v");
  assert.equal((await runCli(["len"], { url: t.url })).code, 2);
  assert.equal((await runCli(["add", "k", "a=1"], { url: t.url })).code, 1);
  assert.equal((await runCli([], { url: t.url, stdin: "add k a=1\nlen\n" })).code, 1);
  assert.equal((await runCli([], { url: t.url, stdin: "len\nadd k a=1\n" })).code, 2);
});

backendTest("piped pending and consumers print idle times in milliseconds", async (store, t) => {
  await store.add("s", { a: "1" }, { id: "1-1" });
  await store.createGroup("s", "g", { start: "0" });
  await store.readGroup("s", "g", { consumer: "alice" });
  await new Promise((resolve) => setTimeout(resolve, 20));
  const out = await runCli(["pending", "s", "g"], { url: t.url });
  assert.equal(out.code, 0, out.stderr);
  const rows = lines(out.stdout);
  assert.deepEqual(rows.slice(0, 4), [
    "pending\t1",
    "smallest-id\t1-1",
    "greatest-id\t1-1",
    "consumer alice\t1",
  ]);
  assert.match(rows[4], /^1-1\talice\t\d+\t1$/);
  assert.ok(Number(rows[4].split("\t")[2]) >= 20, rows[4]);
  const consumers = await runCli(["consumers", "s", "g"], { url: t.url });
  assert.match(consumers.stdout, /^alice\t1\t\d+\t(\d+|-)\n$/);
});
