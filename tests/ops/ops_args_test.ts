import assert from "node:assert/strict";
import { takeOpsArgs } from "../../scripts/_ops.ts";

Deno.test("takeOpsArgs() takes the operations options out and leaves the script's own", () => {
  const { ops, rest } = takeOpsArgs(
    ["workers", "c1", "--metrics-port", "9464", "--count", "5", "--metrics-bind=0.0.0.0"],
    "consumer",
  );
  assert.deepEqual(ops, {
    metricsPort: 9464,
    metricsBind: "0.0.0.0",
    metricsIntervalMs: 5000,
    logFormat: "text",
    traceContext: false,
  });
  assert.deepEqual(rest, ["workers", "c1", "--count", "5"]);
});

Deno.test("takeOpsArgs() leaves --trace-context to the consumer's parser, which refuses it", () => {
  assert.equal(takeOpsArgs(["s1", "--trace-context"], "producer").ops.traceContext, true);
  assert.deepEqual(takeOpsArgs(["g", "c", "--trace-context"], "consumer").rest, [
    "g",
    "c",
    "--trace-context",
  ]);
});

Deno.test("takeOpsArgs() refuses bad values with one line naming the option", () => {
  const cases: [string[], RegExp][] = [
    [["--metrics-port", "70000"], /^--metrics-port must be 0\.\.65535, got 70000$/],
    [["--metrics-port"], /^option --metrics-port needs a value$/],
    [["--metrics-bind", "0.0.0.0"], /^--metrics-bind needs --metrics-port PORT$/],
    [["--metrics-port", "1", "--metrics-bind", "a b"], /^--metrics-bind must be an address/],
    [["--log-format", "xml"], /^--log-format must be text or json, got 'xml'$/],
    [["--reader", "r1", "--metrics-port", "1"], /^--metrics-port is for consumer groups/],
    [["--metrics-port", "1", "--metrics-interval", "5"], /^--metrics-interval must be >= 10/],
  ];
  for (const [args, message] of cases) {
    assert.throws(() => takeOpsArgs(args, "consumer"), { message }, args.join(" "));
  }
});

Deno.test("takeOpsArgs() stops at -- and passes what follows through", () => {
  assert.deepEqual(takeOpsArgs(["--", "--metrics-port", "1"], "producer").rest, [
    "--",
    "--metrics-port",
    "1",
  ]);
});
