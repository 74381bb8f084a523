import assert from "node:assert/strict";
import { runScript, scriptTest, spawnScript } from "./_scripts.ts";

const ID = /^\d+-\d+$/;

scriptTest("producer prints 'message <id> sent' and adds the article's reading", async (t) => {
  const out = await runScript("rstream-produce", ["sensor1", "--url", t.url], { cwd: t.cwd });
  assert.equal(out.code, 0, out.stderr.join("\n"));
  assert.equal(out.stdout.length, 1);
  const id = /^message (\S+) sent$/.exec(out.stdout[0]!)?.[1];
  assert.match(id ?? "", ID);
  const [entry] = await t.store.range("app:event");
  assert.equal(entry!.id, id);
  assert.deepEqual(Object.keys(entry!.fields), ["sensor_id", "temp", "humidity"]);
  assert.equal(entry!.fields.sensor_id, "sensor1");
  for (const name of ["temp", "humidity"]) {
    const value = Number(entry!.fields[name]);
    assert.ok(value >= 0 && value < 1, `${name} ${entry!.fields[name]} in [0, 1)`);
  }
});

scriptTest("producer --json prints one {id, stream, fields} object per reading", async (t) => {
  const out = await runScript(
    "rstream-produce",
    ["sensor2", "--url", t.url, "--json", "--count", "3", "--stream", "s"],
    { cwd: t.cwd },
  );
  assert.equal(out.code, 0, out.stderr.join("\n"));
  const printed = out.stdout.map((line) => JSON.parse(line));
  const stored = await t.store.range("s");
  assert.deepEqual(printed, stored.map((e) => ({ id: e.id, stream: "s", fields: e.fields })));
  assert.equal(stored.length, 3);
});

scriptTest(
  "producer --rate sends --count readings in batches and trims with --maxlen",
  async (t) => {
    const started = performance.now();
    const out = await runScript(
      "rstream-produce",
      ["s1", "--url", t.url, "--count", "3000", "--rate", "20000", "--maxlen", "1000"],
      { cwd: t.cwd },
    );
    const seconds = (performance.now() - started) / 1000;
    assert.equal(out.code, 0, out.stderr.join("\n"));
    assert.equal(out.stdout.length, 3000);
    const length = await t.store.len("app:event");
    // MAXLEN ~ keeps at least 1000 and trims whole nodes: well below 3000.
    assert.ok(length >= 1000 && length < 3000, `XLEN ${length}`);
    console.log(`  3000 readings at --rate 20000 on ${t.backend}: ${seconds.toFixed(2)} s`);
  },
);

scriptTest("producer --id adds with the explicit ID", async (t) => {
  const out = await runScript(
    "rstream-produce",
    ["s1", "--url", t.url, "--id", "1526919030474-55"],
    {
      cwd: t.cwd,
    },
  );
  assert.deepEqual(out.stdout, ["message 1526919030474-55 sent"]);
  assert.equal((await t.store.range("app:event"))[0]!.id, "1526919030474-55");
});

for (
  const [args, message] of [
    [[], "error: missing SENSOR_ID"],
    [["s1", "--count=-1"], "error: --count must be a whole number >= 0, got '-1'"],
    [
      ["s1", "--count", "2", "--id", "5-0"],
      "error: --id needs --count 1: each entry needs its own ID",
    ],
    [["s1", "--rate", "0"], "error: --rate must be greater than 0, got 0"],
    [["s1", "--interval", "5", "--rate", "5"], "error: give either --interval or --rate, not both"],
    [["s1", "--bogus"], "error: unknown option --bogus"],
    [["s1", "--json=1"], "error: option --json takes no value: write --json alone"],
    [["s1", "s2"], "error: expected one SENSOR_ID, got 2: s1 s2"],
    [
      ["s1", "--id", "0-0"],
      "error: --id: Invalid stream ID '0-0': XADD needs an ID greater than 0-0",
    ],
  ] as const
) {
  scriptTest(
    `producer exits 2 with one error line and a one-line hint when given ${JSON.stringify(args)}`,
    async (t) => {
      const out = await runScript("rstream-produce", [...args, "--url", t.url], { cwd: t.cwd });
      assert.equal(out.code, 2);
      assert.deepEqual(out.stdout, []);
      assert.equal(out.stderr[0], message);
      assert.deepEqual(out.stderr.slice(1), ["(deno task produce --help lists the options)"]);
      assert.equal(await t.store.len("app:event"), 0);
    },
  );
}

scriptTest("producer --spool without a Redis URL exits 2", async (t) => {
  const out = await runScript("rstream-produce", ["s1", "--spool", ".rstream/spool.db"], {
    cwd: t.cwd,
  });
  assert.equal(out.code, 2);
  assert.match(out.stderr[0]!, /^error: --spool forwards to Redis: give --url redis:\/\/HOST:PORT/);
}, { backends: ["embedded"] });

scriptTest("producer stops cleanly on SIGTERM: exit 0, every printed ID stored", async (t) => {
  await using producer = spawnScript(
    "rstream-produce",
    ["sensor1", "--url", t.url, "--count", "0", "--interval", "20"],
    { cwd: t.cwd },
  );
  await producer.waitForLine(/^message \S+ sent$/);
  await new Promise((resolve) => setTimeout(resolve, 200));
  producer.kill("SIGTERM");
  const out = await producer.done;
  assert.equal(out.code, 0, out.stderr.join("\n"));
  assert.deepEqual(out.stderr, []);
  const ids = out.stdout.map((line) => /^message (\S+) sent$/.exec(line)![1]);
  assert.deepEqual((await t.store.range("app:event")).map((e) => e.id), ids);
});

scriptTest("producer exits 1 with one line when Redis is unreachable", async (t) => {
  const out = await runScript("rstream-produce", ["s1", "--url", "redis://127.0.0.1:1"], {
    cwd: t.cwd,
  });
  assert.equal(out.code, 1);
  assert.deepEqual(out.stdout, []);
  assert.equal(out.stderr.length, 1);
  assert.match(
    out.stderr[0]!,
    /^error: Cannot reach Redis at redis:\/\/127\.0\.0\.1:1: connection refused/,
  );
}, { backends: ["embedded"] });

scriptTest("producer --json prints a usage error as one JSON object on stderr", async (t) => {
  const out = await runScript("rstream-produce", ["s1", "--json", "--bogus", "--url", t.url], {
    cwd: t.cwd,
  });
  assert.equal(out.code, 2);
  assert.deepEqual(out.stdout, []);
  assert.deepEqual(out.stderr, [
    '{"error":"unknown option --bogus","hint":"(deno task produce --help lists the options)"}',
  ]);
}, { backends: ["embedded"] });
