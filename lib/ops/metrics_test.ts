import assert from "node:assert/strict";
import { Counter, Gauge, Histogram, MetricsRegistry } from "./metrics.ts";
import { HealthState } from "./health.ts";
import { jsonLogLine } from "./log.ts";
import { formatTraceparent, parseTraceparent } from "./tracing.ts";

Deno.test("Counter.render() escapes backslashes, quotes and newlines in label values and help", () => {
  const counter = new Counter({ name: "c_total", help: "a\\b\nc", labelNames: ["stream"] });
  counter.inc({ stream: 'we"ird\\na\nme' });
  assert.equal(
    counter.render(),
    '# HELP c_total a\\\\b\\nc\n# TYPE c_total counter\nc_total{stream="we\\"ird\\\\na\\nme"} 1\n',
  );
});

Deno.test("Counter.inc() refuses a negative step and a missing label", () => {
  const counter = new Counter({ name: "c_total", help: "c", labelNames: ["stream", "group"] });
  assert.throws(() => counter.inc({ stream: "s", group: "g" }, -1), RangeError);
  assert.throws(() => counter.inc({ stream: "s" }), /needs the label 'group'/);
  assert.deepEqual(counter.values(), []);
});

Deno.test("Counter() refuses invalid metric and label names", () => {
  assert.throws(() => new Counter({ name: "9bad", help: "" }), /Invalid metric name/);
  assert.throws(() => new Counter({ name: "ok", help: "", labelNames: ["le"] }), /Invalid label/);
  assert.throws(() => new Counter({ name: "ok", help: "", labelNames: ["__x"] }), /Invalid label/);
});

Deno.test("Gauge.render() writes NaN and infinities as Prometheus does", () => {
  const gauge = new Gauge({ name: "g", help: "g", labelNames: ["k"] });
  gauge.set({ k: "nan" }, NaN);
  gauge.set({ k: "inf" }, Infinity);
  gauge.set({ k: "neg" }, -Infinity);
  assert.deepEqual(gauge.render().split("\n").slice(2, 5), [
    'g{k="nan"} NaN',
    'g{k="inf"} +Inf',
    'g{k="neg"} -Inf',
  ]);
});

Deno.test("Histogram.observe() counts a value equal to a bound in that bucket and above all in +Inf", () => {
  const histogram = new Histogram({ name: "h", help: "h", labelNames: ["s"], buckets: [1, 2] });
  for (const value of [1, 2, 2.5, 0]) histogram.observe({ s: "a" }, value);
  assert.deepEqual(histogram.values(), [{
    labels: { s: "a" },
    count: 4,
    sum: 5.5,
    buckets: [{ le: 1, count: 2 }, { le: 2, count: 3 }, { le: Infinity, count: 4 }],
  }]);
  assert.equal(
    histogram.render(),
    '# HELP h h\n# TYPE h histogram\nh_bucket{s="a",le="1"} 2\nh_bucket{s="a",le="2"} 3\n' +
      'h_bucket{s="a",le="+Inf"} 4\nh_sum{s="a"} 5.5\nh_count{s="a"} 4\n',
  );
  assert.throws(() => new Histogram({ name: "x", help: "", buckets: [2, 1] }), /ascending/);
});

Deno.test("MetricsRegistry.render() runs its collectors first and keeps registration order", () => {
  const registry = new MetricsRegistry();
  const b = registry.gauge({ name: "b", help: "b" });
  registry.counter({ name: "a_total", help: "a" });
  let reads = 0;
  registry.onCollect(() => b.set({}, ++reads));
  assert.equal(
    registry.render(),
    "# HELP b b\n# TYPE b gauge\nb 1\n# HELP a_total a\n# TYPE a_total counter\na_total 0\n",
  );
  assert.match(registry.render(), /^b 2$/m);
});

Deno.test("HealthState.health() names the oldest problem and recovers when all are cleared", () => {
  const health = new HealthState();
  health.set("stall", "XREADGROUP has not returned for 1000 ms");
  health.set("probe", "XINFO GROUPS has not returned for\n250 ms");
  assert.equal(health.health().reason, "unhealthy: XREADGROUP has not returned for 1000 ms");
  health.clear("stall");
  assert.equal(health.health().reason, "unhealthy: XINFO GROUPS has not returned for 250 ms");
  health.clear("probe");
  assert.deepEqual(health.health(), { ok: true, reason: "ok" });
});

Deno.test("jsonLogLine() redacts a password in an error given as text and keeps extra fields", () => {
  const line = JSON.parse(jsonLogLine("error", {
    event: "failed",
    id: "1-0",
    deliveries: 2,
    error: "AUTH failed for rediss://u:hunter2@db:6380",
  }));
  assert.equal(line.error, "AUTH failed for rediss://db:6380");
  assert.equal(line.deliveries, 2);
  assert.ok(!JSON.stringify(line).includes("hunter2"));
});

Deno.test("parseTraceparent() reads back what formatTraceparent() wrote and refuses other versions", () => {
  const context = {
    traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
    spanId: "00f067aa0ba902b7",
    traceFlags: 0,
  };
  assert.deepEqual(parseTraceparent(formatTraceparent(context)), context);
  assert.equal(
    parseTraceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
    undefined,
  );
  assert.equal(
    parseTraceparent("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"),
    undefined,
  );
});
