import assert from "node:assert/strict";
import { runScript, scriptTest, spawnScript } from "./_scripts.ts";

const reading = (sensor: string, temp: string) => ({ sensor_id: sensor, temp, humidity: "0.5" });
const shown = (fields: Record<string, string>) => JSON.stringify(fields);

scriptTest(
  "consumer processes and acks each entry of the group and exits after --max",
  async (t) => {
    const entries = [
      reading("sensor1", "0.1"),
      reading("sensor2", "0.2"),
      reading("sensor3", "0.3"),
    ];
    const ids = await t.store.addMany("app:event", entries);
    const out = await runScript(
      "rstream-consume",
      ["workers", "c1", "--start-from", "0", "--max", "3", "--block", "100", "--url", t.url],
      { cwd: t.cwd },
    );
    assert.equal(out.code, 0, out.stderr.join("\n"));
    assert.deepEqual(out.stdout, [
      "Reading stream...",
      ...ids.flatMap((
        id,
        i,
      ) => [`processing ${id} ${shown(entries[i]!)}`, `finished processing ${id}`]),
    ]);
    assert.deepEqual(out.stderr, ["created group workers on app:event starting at 0"]);
    assert.equal((await t.store.pendingSummary("app:event", "workers")).count, 0);
    assert.equal((await t.store.groups("app:event"))[0]!.lastDeliveredId, ids[2]);
  },
);

scriptTest("consumer --json prints one object per event", async (t) => {
  const id = await t.store.add("app:event", reading("sensor1", "0.1"));
  const out = await runScript(
    "rstream-consume",
    ["workers", "c1", "--start-from", "0", "--max", "1", "--json", "--url", t.url],
    { cwd: t.cwd },
  );
  assert.equal(out.code, 0, out.stderr.join("\n"));
  assert.deepEqual(out.stdout.map((line) => JSON.parse(line)), [
    { event: "reading", stream: "app:event", group: "workers" },
    {
      event: "processing",
      id,
      stream: "app:event",
      fields: reading("sensor1", "0.1"),
      deliveries: 1,
      consumer: "c1",
    },
    { event: "finished", id },
  ]);
});

scriptTest("consumer finishes and acks the entry in flight on SIGTERM and exits 0", async (t) => {
  const id = await t.store.add("app:event", reading("sensor1", "0.1"));
  await using consumer = spawnScript(
    "rstream-consume",
    ["workers", "c1", "--start-from", "0", "--work-ms", "1500", "--url", t.url],
    { cwd: t.cwd },
  );
  await consumer.waitForLine(/^processing /);
  assert.equal((await t.store.pendingSummary("app:event", "workers")).count, 1);
  consumer.kill("SIGTERM");
  const out = await consumer.done;
  assert.equal(out.code, 0, out.stderr.join("\n"));
  assert.deepEqual(out.stdout, [
    "Reading stream...",
    `processing ${id} ${shown(reading("sensor1", "0.1"))}`,
    `finished processing ${id}`,
  ]);
  assert.equal((await t.store.pendingSummary("app:event", "workers")).count, 0);
});

scriptTest(
  "consumer leaves a reading above --fail-above pending until another consumer claims it",
  async (t) => {
    const [hot, cool] = await t.store.addMany("app:event", [
      reading("sensor1", "0.9"),
      reading("sensor2", "0.2"),
    ]);
    const first = await runScript(
      "rstream-consume",
      ["workers", "c1", "--start-from", "0", "--fail-above", "0.7", "--max", "2", "--block", "100"]
        .concat(["--url", t.url]),
      { cwd: t.cwd },
    );
    assert.equal(first.code, 0, first.stderr.join("\n"));
    assert.deepEqual(first.stdout, [
      "Reading stream...",
      `processing ${hot} ${shown(reading("sensor1", "0.9"))}`,
      `failed processing ${hot}: temp 0.9 is above 0.7; left pending`,
      `processing ${cool} ${shown(reading("sensor2", "0.2"))}`,
      `finished processing ${cool}`,
    ]);
    const pending = await t.store.pending("app:event", "workers");
    assert.deepEqual(pending.map((p) => [p.id, p.consumer, p.deliveries]), [[hot, "c1", 1]]);

    await new Promise((resolve) => setTimeout(resolve, 150));
    const second = await runScript(
      "rstream-consume",
      ["workers", "c2", "--claim-idle", "100", "--max", "1", "--block", "100", "--url", t.url],
      { cwd: t.cwd },
    );
    assert.equal(second.code, 0, second.stderr.join("\n"));
    assert.deepEqual(second.stdout, [
      "Reading stream...",
      `claimed ${hot}`,
      `processing ${hot} ${shown(reading("sensor1", "0.9"))} (delivery 2)`,
      `finished processing ${hot}`,
    ]);
    assert.equal((await t.store.pendingSummary("app:event", "workers")).count, 0);
  },
);

scriptTest(
  "consumer moves an entry to the dead-letter stream after --max-deliveries",
  async (t) => {
    const hot = await t.store.add("app:event", reading("sensor1", "0.9"));
    const out = await runScript(
      "rstream-consume",
      ["workers", "c1", "--start-from", "0", "--fail-above", "0.7", "--claim-idle", "50"]
        .concat(["--max-deliveries", "2", "--max", "3", "--block", "50", "--url", t.url]),
      { cwd: t.cwd },
    );
    assert.equal(out.code, 0, out.stderr.join("\n"));
    assert.equal(
      out.stdout.at(-1),
      `dead-lettered ${hot} to app:event:dead-letter after 2 deliveries: temp 0.9 is above 0.7`,
    );
    assert.equal(out.stdout.filter((line) => line.startsWith("failed processing")).length, 2);
    assert.equal((await t.store.pendingSummary("app:event", "workers")).count, 0);
    const [letter] = await t.store.range("app:event:dead-letter");
    assert.ok(letter, "a dead letter was written");
  },
);

scriptTest(
  "consumer --reader resumes from <CONSUMER>:lastid and reports idle blocks",
  async (t) => {
    const [a, b] = await t.store.addMany("app:event", [reading("s1", "0.1"), reading("s2", "0.2")]);
    const first = await runScript(
      "rstream-consume",
      ["--reader", "r1", "--start-from", "0", "--max", "2", "--url", t.url],
      { cwd: t.cwd },
    );
    assert.equal(first.code, 0, first.stderr.join("\n"));
    assert.deepEqual(first.stdout, [
      "Starting from beginning",
      `processing ${a} ${shown(reading("s1", "0.1"))}`,
      `finished processing ${a}`,
      `processing ${b} ${shown(reading("s2", "0.2"))}`,
      `finished processing ${b}`,
    ]);
    assert.equal(await t.store.get("r1:lastid"), b);

    const c = await t.store.add("app:event", reading("s3", "0.3"));
    await using reader = spawnScript(
      "rstream-consume",
      ["--reader", "r1", "--block", "100", "--url", t.url],
      { cwd: t.cwd },
    );
    await reader.waitForLine(/^No new messages after ID: /);
    reader.kill("SIGTERM");
    const out = await reader.done;
    assert.equal(out.code, 0, out.stderr.join("\n"));
    assert.deepEqual(out.stdout.slice(0, 4), [
      `Resume from ID: ${b}`,
      `processing ${c} ${shown(reading("s3", "0.3"))}`,
      `finished processing ${c}`,
      `No new messages after ID: ${c}`,
    ]);
    assert.ok(out.stdout.slice(4).every((line) => line === `No new messages after ID: ${c}`));
    assert.equal(await t.store.get("r1:lastid"), c);
  },
);

for (
  const [args, message] of [
    [["workers"], "error: missing CONSUMER"],
    [["--reader"], "error: missing CONSUMER"],
    [
      ["--reader", "r1", "--concurrency", "2"],
      "error: --concurrency is for consumer groups, not --reader",
    ],
    [["--reader", "r1", "--start-from", "5-0"], "error: --start-from must be $ or 0, got '5-0'"],
    [
      ["g", "c", "--work-ms", "3-1"],
      "error: --work-ms must be MS or MIN-MAX (like 1000-3000), got '3-1'",
    ],
    [
      ["g", "c", "--block", "500", "--remove-idle-consumers", "500"],
      "error: --remove-idle-consumers (500) must exceed --block (500): a consumer blocked in a read looks idle that long",
    ],
  ] as const
) {
  scriptTest(
    `consumer exits 2 with one error line and a one-line hint when given ${JSON.stringify(args)}`,
    async (t) => {
      const out = await runScript("rstream-consume", [...args, "--url", t.url], { cwd: t.cwd });
      assert.equal(out.code, 2);
      assert.deepEqual(out.stdout, []);
      assert.equal(out.stderr[0], message);
      assert.deepEqual(out.stderr.slice(1), ["(deno task consume --help lists the options)"]);
      assert.deepEqual(await t.store.streams(), []);
    },
    { backends: ["embedded"] },
  );
}

scriptTest("consumer --reader without a checkpoint says where it starts: latest", async (t) => {
  const id = await t.store.add("app:event", reading("s1", "0.1"));
  await using reader = spawnScript(
    "rstream-consume",
    ["--reader", "r2", "--block", "100", "--url", t.url],
    { cwd: t.cwd },
  );
  await reader.waitForLine(/^No new messages after ID: /);
  reader.kill("SIGTERM");
  const out = await reader.done;
  assert.equal(out.code, 0, out.stderr.join("\n"));
  assert.deepEqual(out.stdout.slice(0, 2), [
    `Starting from latest ID: ${id}`,
    `No new messages after ID: ${id}`,
  ]);
});

scriptTest("consumer --json prints a failure as one JSON object on stderr, exit 1", async (t) => {
  const out = await runScript("rstream-consume", ["workers", "c1", "--json", "--url", "foo://x"], {
    cwd: t.cwd,
  });
  assert.equal(out.code, 1);
  assert.deepEqual(out.stdout, []);
  assert.deepEqual(out.stderr, [
    `{"error":"Unsupported store URL 'foo://x': use redis://host:port, rediss://host:port, file:PATH or memory:"}`,
  ]);
}, { backends: ["embedded"] });
