import assert from "node:assert/strict";
import { backendTest } from "../_backends.ts";
import { freePort, ignoreRedis } from "../_redis_server.ts";
import { lines, runCli } from "./_cli.ts";

backendTest(
  "rstream add prints the ID and range prints tab-separated lines when piped",
  async (store, t) => {
    const added = await runCli([
      "add",
      "app:event",
      "--id",
      "1700000000000-0",
      "sensor_id=s2",
      "temp=0.42",
    ], { url: t.url });
    assert.deepEqual(added, { code: 0, stdout: "1700000000000-0\n", stderr: "" });
    await store.add("app:event", { note: "tab\there" }, { id: "1700000000001-0" });
    const range = await runCli(["range", "app:event"], { url: t.url });
    assert.equal(range.stderr, "");
    assert.equal(
      range.stdout,
      "1700000000000-0\tsensor_id=s2\ttemp=0.42\n1700000000001-0\tnote=tab\\there\n",
    );
  },
);

backendTest(
  "rstream --json range prints one {stream,id,fields} object per line",
  async (store, t) => {
    await store.add("s", { a: "1" }, { id: "5-1" });
    await store.add("s", { b: "2" }, { id: "5-2" });
    const out = await runCli(["--json", "range", "s", "-", "+", "--rev"], { url: t.url });
    assert.equal(
      out.stdout,
      '{"stream":"s","id":"5-2","fields":{"b":"2"}}\n{"stream":"s","id":"5-1","fields":{"a":"1"}}\n',
    );
  },
);

backendTest(
  "rstream range pages through more entries than one page, in order",
  async (store, t) => {
    const ids = await store.addMany(
      "s",
      Array.from({ length: 1203 }, (_, i) => ({ n: String(i) })),
    );
    const all = await runCli(["range", "s"], { url: t.url });
    assert.deepEqual(lines(all.stdout).map((line) => line.split("\t")[0]), ids);
    const last = await runCli(["range", "s", "--rev", "--count", "700"], { url: t.url });
    const printed = lines(last.stdout);
    assert.equal(printed.length, 700);
    assert.equal(printed[0], `${ids[1202]}\tn=1202`);
    assert.equal(printed[699], `${ids[503]}\tn=503`);
  },
);

backendTest(
  "rstream add STREAM - adds each JSON line and names a bad line by number",
  async (store, t) => {
    const out = await runCli(["add", "s", "-"], {
      url: t.url,
      stdin: '{"temp":0.4,"ok":true}\nnot json\n\n{"sensor_id":"s2"}\n[1]\n',
    });
    assert.equal(out.code, 1);
    assert.equal(lines(out.stdout).length, 2);
    assert.deepEqual(lines(out.stderr), [
      `error: line 2: not JSON (Unexpected token 'o', "not json" is not valid JSON) nor FIELD=VALUE words like sensor_id=s1 temp=0.4`,
      'error: line 5: expected a JSON object like {"temp":"0.4"}, got [1]',
      "error: 2 bad lines skipped; the other 2 lines were added",
    ]);
    const entries = await store.range("s");
    assert.deepEqual(entries.map((e) => e.fields), [{ temp: "0.4", ok: "true" }, {
      sensor_id: "s2",
    }]);
    assert.deepEqual(entries.map((e) => e.id), lines(out.stdout));
  },
);

backendTest(
  "piped lines run one after another; after 'use' the stream may be left out",
  async (store, t) => {
    const out = await runCli([], {
      url: t.url,
      stdin: [
        "use app:event",
        "add --id 1-1 temp=0.4",
        'add --id 1-2 note="hot day" temp=0.5',
        "len",
        "range - + --count 1",
        "del 1-1",
        "range",
        "",
      ].join("\n"),
    });
    assert.equal(out.stderr, "");
    assert.equal(out.code, 0);
    assert.equal(
      out.stdout,
      "app:event\n1-1\n1-2\n2\n1-1\ttemp=0.4\n1\n1-2\tnote=hot day\ttemp=0.5\n",
    );
    assert.equal(await store.len("app:event"), 1);
  },
);

backendTest(
  "a bad line prints one error line with the usage and writes nothing",
  async (store, t) => {
    await store.add("s", { a: "1" }, { id: "1-1" });
    await store.set("k", "v");
    const out = await runCli([], {
      url: t.url,
      stdin: [
        "rnage s",
        "len",
        "len s extra",
        "range s abc",
        "range s - + --count -1",
        "range s - + --count many",
        "add s --id 1-0 b=2",
        "add s --id 0-1-2 b=2",
        "add s novalue",
        'add s "a=1',
        "del s 1-1 bad",
        "add k a=1",
        "readgroup s nogroup c",
        "trim s",
        "",
      ].join("\n"),
    });
    assert.equal(out.code, 2, "the code of the first failed line: a usage error");
    assert.equal(out.stdout, "");
    assert.deepEqual(lines(out.stderr), [
      "error: unknown command 'rnage'; did you mean range? (usage: help [COMMAND])",
      "error: missing required argument 'STREAM' (usage: len STREAM)",
      "error: too many arguments for 'len'. Expected 1 argument but got 2. (usage: len STREAM)",
      "error: Invalid range bound 'abc': expected -, +, an ID like 1526919030474-0 or 1526919030474, optionally prefixed with ( (usage: range STREAM [START [END]] [--count N] [--rev])",
      "error: option '--count <N>' argument '-1' is invalid. expected an integer >= 0 (usage: range STREAM [START [END]] [--count N] [--rev])",
      "error: option '--count <N>' argument 'many' is invalid. expected an integer >= 0 (usage: range STREAM [START [END]] [--count N] [--rev])",
      "error: Cannot add to 's': ID 1-0 is not greater than the stream's last ID 1-1; use '*' or an ID above 1-1",
      "error: Invalid stream ID '0-1-2': expected <ms>-<seq> with decimal numbers (usage: add STREAM FIELD=VALUE… [--id ID] [--maxlen N] [--minid ID] [--approx])",
      "error: expected FIELD=VALUE, got 'novalue' (usage: add STREAM FIELD=VALUE… [--id ID] [--maxlen N] [--minid ID] [--approx])",
      "error: unterminated double quote starting at column 7",
      "error: Invalid stream ID 'bad': expected an ID like 1526919030474-0 (usage: del STREAM ID…)",
      "error: Key 'k' is not a stream (XADD); use another key or delete this one first",
      "error: No consumer group 'nogroup' on stream 's' (XREADGROUP); create it first (group create, or createGroup() with mkStream)",
      "error: give --maxlen N or --minid ID (usage: trim STREAM [--maxlen N] [--minid ID] [--approx])",
    ]);
    assert.deepEqual(await store.range("s"), [{ id: "1-1", fields: { a: "1" } }]);
  },
);

backendTest("a one-shot command exits 2 with one error line on bad input", async (_store, t) => {
  const out = await runCli(["range", "s", "x"], { url: t.url });
  assert.equal(out.code, 2);
  assert.equal(out.stdout, "");
  assert.equal(lines(out.stderr).length, 1);
  assert.match(out.stderr, /^error: Invalid range bound 'x'.*\(usage: range STREAM/);
});

backendTest(
  "stream commands in Redis syntax print like redis-cli, and like redis-cli --json",
  async (_store, t) => {
    const out = await runCli([], {
      url: t.url,
      stdin: "XADD s 1-1 temp 0.4\nxlen s\nXRANGE s - +\nXRANGE nosuch - +\n",
    });
    assert.equal(out.stderr, "");
    assert.equal(out.stdout, "1-1\n1\n1-1\ntemp\n0.4\n\n");
    const json = await runCli(["--json", "XRANGE", "s", "-", "+"], { url: t.url });
    assert.equal(json.stdout, '[["1-1",["temp","0.4"]]]\n');
    const group = await runCli(["--json", "XGROUP", "CREATE", "s", "g", "0"], { url: t.url });
    assert.equal(group.stdout, '"OK"\n');
  },
);

backendTest("group commands create, read, ack and report pending as JSON", async (store, t) => {
  await store.add("s", { a: "1" }, { id: "1-1" });
  await store.add("s", { a: "2" }, { id: "1-2" });
  const out = await runCli(["--json"], {
    url: t.url,
    stdin: [
      "group create s g --from 0",
      "group create s g",
      "readgroup s g alice --count 1",
      "readgroup s g bob",
      "ack s g 1-1",
      "pending s g --consumer bob",
      "autoclaim s g carol --min-idle 0",
      "consumers s g",
      "",
    ].join("\n"),
  });
  assert.equal(out.stderr, "");
  const printed = lines(out.stdout).map((line) => JSON.parse(line));
  assert.deepEqual(printed.slice(0, 5), [
    { stream: "s", group: "g", created: true },
    { stream: "s", group: "g", created: false },
    { stream: "s", id: "1-1", fields: { a: "1" } },
    { stream: "s", id: "1-2", fields: { a: "2" } },
    { stream: "s", group: "g", acked: 1 },
  ]);
  assert.deepEqual(printed[5].map((p: { id: string; consumer: string }) => [p.id, p.consumer]), [[
    "1-2",
    "bob",
  ]]);
  assert.deepEqual(printed[6].entries, [{ id: "1-2", fields: { a: "2" } }]);
  assert.deepEqual(printed[7].map((c: { name: string; pending: number }) => [c.name, c.pending]), [
    ["alice", 0],
    ["bob", 0],
    ["carol", 1],
  ]);
});

backendTest(
  "tail prints entries added after it started, then stops at --count",
  async (store, t) => {
    await store.add("s", { old: "1" }, { id: "1-1" });
    const tail = runCli(["tail", "s", "--count", "2"], { url: t.url });
    // Entries added while tail runs: it resolves $ first, so add until it has seen two.
    let n = 0;
    const adder = setInterval(() => store.add("s", { n: String(n++) }).catch(() => {}), 100);
    const out = await tail.finally(() => clearInterval(adder));
    assert.equal(out.code, 0, out.stderr);
    const printed = lines(out.stdout);
    assert.equal(printed.length, 2);
    assert.ok(printed.every((line) => !line.includes("old=1")), out.stdout);
    const fromStart = await runCli(["tail", "s", "--from", "0", "--count", "1"], { url: t.url });
    assert.equal(fromStart.stdout, "1-1\told=1\n");
  },
);

backendTest(
  "top --once --json prints one snapshot; top --once prints one frame",
  async (store, t) => {
    await store.add("s", { a: "1" });
    await store.createGroup("s", "g", { start: "0" });
    const json = await runCli(["--json", "top", "--once"], { url: t.url });
    const snapshot = JSON.parse(json.stdout);
    assert.equal(snapshot.streams[0].name, "s");
    assert.equal(snapshot.streams[0].length, 1);
    assert.equal(snapshot.streams[0].groups[0].lag, 1);
    const frame = await runCli(["top", "--once"], { url: t.url });
    assert.match(frame.stdout, /^STREAM\s+LENGTH\s+ADDS\/S\s+FIRST-AGE\s+LAST-AGE\s+GROUPS$/m);
    assert.match(frame.stdout, /^s\s+1\s+-\s+\S+\s+\S+\s+1$/m);
    assert.match(frame.stdout, /^s g\s+0\s+0\s+1\s+-$/m);
  },
);

Deno.test({
  name: "rstream prints one error line and exits 1 when Redis is down, without the password",
  ignore: ignoreRedis,
  async fn() {
    const url = `redis://app:s3cret@127.0.0.1:${freePort()}`;
    const out = await runCli(["len", "s"], { url });
    assert.equal(out.code, 1);
    assert.equal(out.stdout, "");
    assert.equal(lines(out.stderr).length, 1);
    assert.match(
      out.stderr,
      /^error: Cannot (reach|connect to) (Redis at )?redis:\/\/127\.0\.0\.1:\d+/,
    );
    assert.ok(!out.stderr.includes("s3cret"), out.stderr);
  },
});

Deno.test("rstream --version prints deno.json's version", async () => {
  const { default: denoJson } = await import("../../deno.json", { with: { type: "json" } });
  const out = await runCli(["--version"]);
  assert.deepEqual(out, { code: 0, stdout: `${denoJson.version}\n`, stderr: "" });
});

backendTest(
  "raw sends any command on Redis; the embedded store answers non-stream ones with its error",
  async (_store, t) => {
    const out = await runCli(["raw", "PING"], { url: t.url });
    if (t.backend === "redis") {
      assert.deepEqual(out, { code: 0, stdout: "PONG\n", stderr: "" });
    } else {
      const config = await runCli(["raw", "CONFIG", "GET", "maxmemory"], { url: t.url });
      assert.equal(config.code, 1);
      assert.equal(config.stdout, "");
      assert.match(config.stderr, /^error: ERR .*\n$/);
    }
  },
);

Deno.test("rstream --help and help COMMAND print usage under the start task's permissions", async () => {
  const help = await runCli(["--help"]);
  assert.equal(help.code, 0, help.stderr);
  assert.match(
    help.stdout,
    /^Usage: rstream \[-u URL \| -h HOST -p PORT -a PASSWORD …\] \[--json\|--csv\|--raw\] \[COMMAND ARGS…\]\n/,
  );
  assert.match(help.stdout, /^ {2}range +list entries between two IDs/m);
  const len = await runCli(["help", "len"], { url: "memory:" });
  assert.equal(len.stderr, "");
  assert.match(len.stdout, /^Usage: len STREAM\n[\s\S]*Examples:\n {2}len app:event\n$/);
});
