/**
 * The operations options of the producer and consumer, end to end: the
 * scripts run as subprocesses with the binaries' permissions, a private
 * redis-server, and the test scrapes `/metrics`, `/healthz` and `/readyz`
 * over HTTP as Prometheus or a probe would.
 *
 * @module
 */

import assert from "node:assert/strict";
import { waitFor } from "../_backends.ts";
import { freePort, ignoreRedis, startRedis } from "../_redis_server.ts";
import { runScript, scriptTest, spawnScript } from "../scripts/_scripts.ts";
import { startOtlpReceiver } from "./_otlp.ts";
import { openStore } from "../../lib/open_store.ts";

/** `/metrics` parsed: the value of each sample line, keyed by its name and labels as printed. */
async function scrape(port: number): Promise<Map<string, number>> {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`);
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  const samples = new Map<string, number>();
  for (const line of (await response.text()).split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const at = line.lastIndexOf(" ");
    samples.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return samples;
}

async function probe(port: number, path: "/healthz" | "/readyz") {
  const response = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: response.status, text: await response.text() };
}

const LABELS = '{stream="app:event",group="workers"}';

scriptTest(
  "consume --metrics-port counts exactly what was handled, failed, reclaimed and dead-lettered",
  async ({ url, cwd, store }) => {
    // 40 readings that pass and 10 that fail: each failure is reclaimed after 100 ms
    // and, past --max-deliveries 1, dead-lettered.
    const temps = Array.from({ length: 50 }, (_, i) => (i % 5 === 4 ? "0.9" : "0.1"));
    await store.addMany("app:event", temps.map((temp, i) => ({ sensor_id: `s${i}`, temp })));
    const port = freePort();
    await using consumer = spawnScript("rstream-consume", [
      "workers",
      "c1",
      "--url",
      url,
      "--start-from",
      "0",
      "--count",
      "10",
      "--block",
      "100",
      "--fail-above",
      "0.7",
      "--claim-idle",
      "100",
      "--max-deliveries",
      "1",
      "--metrics-port",
      String(port),
      "--metrics-interval",
      "100",
    ], { cwd });
    let samples = new Map<string, number>();
    await waitFor(async () => {
      samples = await scrape(port).catch(() => new Map());
      return samples.get(`rstream_consumer_dead_lettered_total${LABELS}`) === 10 &&
        samples.get(`rstream_group_pending${LABELS}`) === 0;
    }, { what: "10 dead letters and nothing pending", timeoutMs: 15_000 });
    assert.equal(samples.get(`rstream_consumer_handled_total${LABELS}`), 40);
    assert.equal(samples.get(`rstream_consumer_failed_total${LABELS}`), 10);
    assert.equal(samples.get(`rstream_consumer_reclaimed_total${LABELS}`), 10);
    assert.equal(samples.get(`rstream_consumer_deleted_total${LABELS}`), 0);
    // The handler ran 50 times: 40 successes and 10 failures (dead letters do not run it).
    assert.equal(samples.get(`rstream_consumer_handler_duration_seconds_count${LABELS}`), 50);
    assert.equal(
      samples.get(
        `rstream_consumer_handler_duration_seconds_bucket{stream="app:event",group="workers",le="+Inf"}`,
      ),
      50,
    );
    assert.equal(samples.get(`rstream_consumer_in_flight${LABELS}`), 0);
    assert.equal(samples.get(`rstream_consumer_stalled${LABELS}`), 0);
    assert.equal(samples.get(`rstream_consumer_healthy${LABELS}`), 1);
    assert.equal(samples.get(`rstream_consumer_ready${LABELS}`), 1);
    // What the server says agrees.
    assert.equal(await store.len("app:event:dead-letter"), 10);
    assert.equal((await store.pendingSummary("app:event", "workers")).count, 0);
    const [group] = await store.groups("app:event");
    assert.equal(samples.get(`rstream_group_lag${LABELS}`), group!.lag ?? NaN);
    assert.deepEqual(await probe(port, "/healthz"), { status: 200, text: "ok\n" });
    assert.deepEqual(await probe(port, "/readyz"), { status: 200, text: "ready\n" });
    consumer.kill("SIGTERM");
    assert.equal((await consumer.exited()).code, 0);
  },
);

Deno.test({
  name:
    "consume --metrics-port answers /healthz 503 while redis-server is stopped (SIGSTOP) and 200 again after SIGCONT",
  ignore: ignoreRedis,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const cwd = await Deno.makeTempDir({ prefix: "rstream-ops-" });
    await using redis = await startRedis();
    const port = freePort();
    try {
      await using consumer = spawnScript("rstream-consume", [
        "workers",
        "c1",
        "--url",
        redis.url,
        "--block",
        "200",
        "--metrics-port",
        String(port),
        "--metrics-interval",
        "200",
      ], { cwd });
      await waitFor(
        async () => (await probe(port, "/readyz").catch(() => undefined))?.status === 200,
        {
          what: "/readyz 200",
          timeoutMs: 10_000,
        },
      );
      assert.deepEqual(await probe(port, "/healthz"), { status: 200, text: "ok\n" });
      redis.process.kill("SIGSTOP");
      let down = { status: 0, text: "" };
      try {
        await waitFor(async () => (down = await probe(port, "/healthz")).status === 503, {
          what: "/healthz 503 while redis-server is stopped",
          timeoutMs: 5000,
        });
        assert.match(down.text, /^unhealthy: XINFO GROUPS has not returned for \d+ ms\n$/);
        assert.equal((await scrape(port)).get(`rstream_consumer_healthy${LABELS}`), 0);
      } finally {
        redis.process.kill("SIGCONT");
      }
      await waitFor(async () => (await probe(port, "/healthz")).status === 200, {
        what: "/healthz 200 after SIGCONT",
        timeoutMs: 5000,
      });
      assert.equal((await scrape(port)).get(`rstream_consumer_healthy${LABELS}`), 1);
      consumer.kill("SIGTERM");
      assert.equal((await consumer.exited()).code, 0);
    } finally {
      redis.process.kill("SIGCONT");
      await Deno.remove(cwd, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "produce --spool --metrics-port counts spooled and dropped readings and is unhealthy while Redis refuses",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const cwd = await Deno.makeTempDir({ prefix: "rstream-ops-" });
    const port = freePort();
    try {
      // Nothing listens on the Redis port: the spool fills, the oldest are dropped.
      await using producer = spawnScript("rstream-produce", [
        "sensor1",
        "--url",
        `redis://127.0.0.1:${freePort()}`,
        "--spool",
        ".rstream/spool.db",
        "--spool-max",
        "20",
        "--count",
        "30",
        "--rate",
        "1000000",
        "--drain-ms",
        "20000",
        "--metrics-port",
        String(port),
        "--metrics-interval",
        "100",
      ], { cwd });
      const labels = '{stream="app:event"}';
      let samples = new Map<string, number>();
      await waitFor(async () => {
        samples = await scrape(port).catch(() => new Map());
        return samples.get(`rstream_producer_spooled_total${labels}`) === 30 &&
          samples.get(`rstream_producer_spool_length${labels}`) === 20;
      }, { what: "30 readings spooled, 20 kept", timeoutMs: 15_000 });
      assert.equal(samples.get(`rstream_producer_dropped_total${labels}`), 10);
      assert.equal(samples.get(`rstream_producer_sent_total${labels}`), 0);
      assert.equal(samples.get(`rstream_producer_add_duration_seconds_count${labels}`), 30);
      assert.ok(samples.get(`rstream_producer_spool_oldest_age_seconds${labels}`)! >= 0);
      const health = await probe(port, "/healthz");
      assert.equal(health.status, 503);
      assert.match(health.text, /^unhealthy: cannot forward: .+; \d+ readings spooled\n$/);
      assert.deepEqual(await probe(port, "/readyz"), { status: 200, text: "ready\n" });
      producer.kill("SIGTERM");
      assert.equal((await producer.exited()).code, 0);
    } finally {
      await Deno.remove(cwd, { recursive: true });
    }
  },
});

scriptTest(
  "produce --metrics-port counts exactly the readings the store confirmed while it runs",
  async ({ url, cwd, store }) => {
    const port = freePort();
    // A reading every 1.5 s: the test scrapes in the quiet time after the third.
    await using producer = spawnScript("rstream-produce", [
      "sensor1",
      "--url",
      url,
      "--count",
      "0",
      "--interval",
      "1500",
      "--metrics-port",
      String(port),
    ], { cwd });
    await waitFor(() => producer.stdout.length >= 3, { what: "3 readings", timeoutMs: 10_000 });
    const samples = await scrape(port);
    const printed = producer.stdout.filter((line) => /^message \S+ sent$/.test(line)).length;
    assert.equal(printed, 3);
    assert.equal(samples.get('rstream_producer_sent_total{stream="app:event"}'), 3);
    assert.equal(samples.get('rstream_producer_add_duration_seconds_count{stream="app:event"}'), 3);
    assert.equal(samples.get('rstream_producer_errors_total{stream="app:event"}'), 0);
    assert.equal(await store.len("app:event"), 3);
    assert.deepEqual(await probe(port, "/healthz"), { status: 200, text: "ok\n" });
    assert.deepEqual(await probe(port, "/readyz"), { status: 200, text: "ready\n" });
    producer.kill("SIGTERM");
    assert.equal((await producer.exited()).code, 0);
  },
);

scriptTest(
  "consume --log-format json prints one JSON object per line with time, level, event, stream, group, consumer and id",
  async ({ url, cwd, store }) => {
    await store.add("app:event", { sensor_id: "s1", temp: "0.9" });
    const result = await runScript("rstream-consume", [
      "workers",
      "c1",
      "--url",
      url,
      "--start-from",
      "0",
      "--fail-above",
      "0.7",
      "--max",
      "1",
      "--log-format",
      "json",
    ], { cwd });
    assert.equal(result.code, 0);
    const lines = [...result.stdout, ...result.stderr].map((line) => JSON.parse(line));
    const [id] = (await store.range("app:event")).map((e) => e.id);
    const events = lines.map((line) => [line.level, line.event, line.id]);
    assert.deepEqual(events, [
      ["info", "reading", undefined],
      ["info", "group-created", undefined],
      ["info", "processing", id],
      ["warn", "failed", id],
    ]);
    for (const line of lines) {
      assert.match(line.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.deepEqual([line.stream, line.group, line.consumer], ["app:event", "workers", "c1"]);
    }
    assert.equal(lines[3].error, "temp 0.9 is above 0.7");
  },
);

scriptTest(
  "consume --log-format json redacts the password of an unreachable Redis in its error line",
  async ({ cwd }) => {
    const result = await runScript("rstream-consume", [
      "workers",
      "c1",
      "--url",
      `redis://app:s3cret@127.0.0.1:${freePort()}`,
      "--log-format",
      "json",
    ], { cwd });
    assert.equal(result.code, 1);
    const lines = [...result.stdout, ...result.stderr];
    assert.ok(lines.length > 0);
    for (const line of lines) {
      assert.ok(!line.includes("s3cret"), line);
      const parsed = JSON.parse(line);
      assert.equal(parsed.level, "error");
    }
  },
  { backends: ["embedded"] },
);

scriptTest(
  "produce --trace-context and consume continue one trace from the publish span to the process span",
  async ({ url, cwd, store }) => {
    await using otlp = startOtlpReceiver();
    const produced = await runScript(
      "rstream-produce",
      ["sensor1", "--url", url, "--count", "2", "--trace-context"],
      { cwd, env: otlp.env("rstream-produce") },
    );
    assert.equal(produced.code, 0, produced.stderr.join("\n"));
    const consumed = await runScript(
      "rstream-consume",
      ["workers", "c1", "--url", url, "--start-from", "0", "--max", "2"],
      { cwd, env: otlp.env("rstream-consume") },
    );
    assert.equal(consumed.code, 0, consumed.stderr.join("\n"));
    await waitFor(() => otlp.spans.length >= 4, { what: "4 spans exported", timeoutMs: 5000 });
    const entries = await store.range("app:event");
    assert.equal(entries.length, 2);
    for (const entry of entries) {
      const [, traceId, spanId] = entry.fields.traceparent!.split("-");
      const publish = otlp.spans.find((s) => s.spanId === spanId)!;
      assert.deepEqual(
        [publish.name, publish.kind, publish.traceId, publish.service],
        ["publish app:event", 4, traceId, "rstream-produce"],
      );
      const process = otlp.spans.find((s) => s.parentSpanId === spanId)!;
      assert.deepEqual(
        [process.name, process.kind, process.traceId, process.service],
        ["process app:event", 5, traceId, "rstream-consume"],
      );
      const id = process.attributes.find((a) => a.key === "messaging.message.id");
      assert.deepEqual(id?.value, { stringValue: entry.id });
    }
  },
  { backends: ["redis"] },
);

scriptTest(
  "produce --spool --trace-context carries each publish span's traceparent through the spool",
  async ({ url, cwd, store }) => {
    await using otlp = startOtlpReceiver();
    const produced = await runScript(
      "rstream-produce",
      ["sensor1", "--url", url, "--spool", ".rstream/spool.db", "--count", "3", "--trace-context"],
      { cwd, env: otlp.env("rstream-produce") },
    );
    assert.equal(produced.code, 0, produced.stderr.join("\n"));
    await waitFor(() => otlp.spans.length >= 3, { what: "3 spans exported", timeoutMs: 5000 });
    const entries = await store.range("app:event");
    assert.deepEqual(entries.map((e) => e.fields.spool_seq), ["1", "2", "3"]);
    for (const entry of entries) {
      const [, traceId, spanId] = entry.fields.traceparent!.split("-");
      const publish = otlp.spans.find((s) => s.spanId === spanId);
      assert.deepEqual([publish?.name, publish?.traceId], ["publish app:event", traceId]);
    }
  },
  { backends: ["redis"] },
);

Deno.test("produce writes no traceparent field when --trace-context is not given", async () => {
  const cwd = await Deno.makeTempDir({ prefix: "rstream-ops-" });
  try {
    await Deno.mkdir(`${cwd}/.rstream`);
    const result = await runScript(
      "rstream-produce",
      ["sensor1", "--url", "file:.rstream/streams.db", "--count", "1"],
      { cwd },
    );
    assert.equal(result.code, 0);
    await using store = await openStore(`file:${cwd}/.rstream/streams.db`);
    const [entry] = await store.range("app:event");
    assert.deepEqual(Object.keys(entry!.fields).sort(), ["humidity", "sensor_id", "temp"]);
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});
