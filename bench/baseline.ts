/**
 * Part 1: the baseline, redis-benchmark XADD with the article's payload on
 * one connection (`-c 1`), without pipelining (`-P 1`) and with 100 commands
 * per round trip (`-P 100`, the depth rstream's batches are compared with).
 *
 * @module
 */

import { parseRedisBenchmarkCsv } from "./report.ts";

/** The article's reading as XADD arguments after the ID. */
export const PAYLOAD_ARGS = ["sensor_id", "sensor2", "temp", "0.42", "humidity", "0.61"];

/** Runs `redis-benchmark -c 1 -n N -P depth --csv XADD key * …` and returns its requests/s. */
export async function redisBenchmarkXadd(
  port: number,
  options: { n: number; pipeline: number; key: string },
): Promise<number> {
  const args = [
    "-h",
    "127.0.0.1",
    "-p",
    String(port),
    "-c",
    "1",
    "-n",
    String(options.n),
    "-P",
    String(options.pipeline),
    "--csv",
    "XADD",
    options.key,
    "*",
    ...PAYLOAD_ARGS,
  ];
  const out = await new Deno.Command("redis-benchmark", { args, stdout: "piped", stderr: "piped" })
    .output();
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success) {
    throw new Error(
      `redis-benchmark ${args.join(" ")} failed: ${new TextDecoder().decode(out.stderr)}`,
    );
  }
  return parseRedisBenchmarkCsv(text);
}
