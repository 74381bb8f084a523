/**
 * The seed article's consumers: `deno task consume GROUP CONSUMER` is a member
 * of a consumer group, run by the library's at-least-once worker
 * ({@linkcode consume}); `deno task consume --reader CONSUMER` is the plain
 * reader that resumes from its checkpoint `<CONSUMER>:lastid`
 * ({@linkcode readFromCheckpoint}). Run with `--help` for the options.
 *
 * @module
 */

import {
  ConnectionError,
  consume,
  consumeTopic,
  type Delivery,
  type Fields,
  NoGroupError,
  openStore,
  readFromCheckpoint,
  StoreFileError,
  type StreamStore,
  type WorkerEvent,
} from "../mod.ts";
import {
  errorText,
  EXIT_USAGE,
  failureOutput,
  recoveryLine,
  shutdownSignal,
  sleep,
  warningText,
} from "./_cli.ts";
import { CONSUMER_USAGE, type ConsumerOptions, parseConsumerArgs } from "./_consumer_options.ts";
import { type ConsumerOps, type OpsArgs, opsUsage, startConsumerOps, takeOpsArgs } from "./_ops.ts"; // ops (issue 19)

/** Prints one event as text or as one JSON object. */
type Printer = (event: string, data: Record<string, unknown>, text: string) => void;

function printer(json: boolean): Printer {
  return (event, data, text) => console.log(json ? JSON.stringify({ event, ...data }) : text);
}

/** The article's processing: simulated work, and a failure when temp is above the threshold. */
async function work(options: ConsumerOptions, fields: Fields): Promise<void> {
  const { min, max } = options.work;
  const ms = min + Math.floor(Math.random() * (max - min + 1));
  if (ms > 0) await sleep(ms); // not cut short by a stop: the entry is finished and acked
  const temp = Number(fields.temp);
  if (options.failAbove !== undefined && temp > options.failAbove) {
    throw new Error(`temp ${fields.temp} is above ${options.failAbove}`);
  }
}

async function runGroup(
  store: StreamStore,
  options: ConsumerOptions,
  signal: AbortSignal,
  ops: ConsumerOps,
): Promise<number> {
  const print = ops.printer ?? printer(options.json);
  /** The error of the last warning printed, until the line that says it is over. */
  let warned: unknown;
  const onEvent = (event: WorkerEvent) => {
    switch (event.type) {
      case "handled":
        print("finished", { id: event.delivery.id }, `finished processing ${event.delivery.id}`);
        break;
      case "failed":
        print(
          "failed",
          { id: event.delivery.id, error: errorText(event.error) },
          `failed processing ${event.delivery.id}: ${errorText(event.error)}; left pending`,
        );
        break;
      case "dead-lettered":
        print(
          "dead-lettered",
          {
            id: event.delivery.id,
            deliveries: event.delivery.deliveries,
            deadLetterStream: event.deadLetterStream,
            error: event.error,
          },
          `dead-lettered ${event.delivery.id} to ${event.deadLetterStream} after ${
            event.delivery.deliveries - 1
          } deliveries: ${event.error}`,
        );
        break;
      case "reclaimed":
        print("claimed", { ids: event.ids }, `claimed ${event.ids.join(" ")}`);
        break;
      case "deleted":
        print("deleted", { id: event.id }, `skipped ${event.id}: deleted from the stream`);
        break;
      case "group-created":
        console.error(`created group ${event.group} on ${event.stream} starting at ${event.start}`);
        break;
      case "consumer-removed":
        console.error(`removed idle consumer ${event.consumer}`);
        break;
      case "unhealthy":
        console.error(
          `warning: ${event.operation} has not returned for ${event.waitedMs} ms; the store is not answering`,
        );
        break;
      case "healthy":
        console.error(`the store answers again after ${event.unhealthyMs} ms`);
        // That line says a timed-out connection is back; other trouble gets its own line.
        if (warned instanceof ConnectionError) warned = undefined;
        break;
      case "error":
        console.error(
          `warning: ${warningText(event.error)}${
            event.repeated ? ` (and ${event.repeated} times more)` : ""
          }`,
        );
        // A vanished group is re-created: its `created group` line says that is over.
        if (!(event.error instanceof NoGroupError)) warned = event.error;
        break;
      case "recovered":
        if (warned !== undefined) console.error(recoveryLine(warned, "consuming"));
        warned = undefined;
        break;
    }
  };
  const handler = async (delivery: Delivery) => {
    print(
      "processing",
      {
        id: delivery.id,
        stream: delivery.stream,
        fields: delivery.fields,
        deliveries: delivery.deliveries,
        consumer: delivery.consumer,
      },
      `processing ${delivery.id} ${JSON.stringify(delivery.fields)}${
        delivery.deliveries > 1 ? ` (delivery ${delivery.deliveries})` : ""
      }`,
    );
    await work(options, delivery.fields);
  };
  print("reading", { stream: options.stream, group: options.group }, "Reading stream...");
  const common = {
    store,
    group: options.group!,
    consumer: options.consumer,
    start: options.startFrom,
    count: options.count,
    blockMs: options.blockMs,
    concurrency: options.concurrency,
    signal,
    onEvent: ops.onEvent(onEvent),
    ...(options.claimIdleMs !== undefined ? { claimIdleMs: options.claimIdleMs } : {}),
    ...(options.maxDeliveries !== undefined ? { maxDeliveries: options.maxDeliveries } : {}),
    ...(options.deadLetter !== undefined ? { deadLetterStream: options.deadLetter } : {}),
    ...(options.removeIdleConsumersMs !== undefined
      ? { removeIdleConsumersMs: options.removeIdleConsumersMs }
      : {}),
    ...(options.max !== undefined ? { maxHandled: options.max } : {}),
  };
  if (options.partitions !== undefined) {
    await consumeTopic(ops.handler(handler), {
      ...common,
      topic: options.stream,
      partitions: options.partitions,
      ...(options.forcePartitions ? { force: true } : {}),
    });
  } else {
    await consume(ops.handler(handler), { ...common, stream: options.stream });
  }
  return 0;
}

async function runReader(
  store: StreamStore,
  options: ConsumerOptions,
  signal: AbortSignal,
  ops: ConsumerOps,
): Promise<number> {
  const print = ops.printer ?? printer(options.json);
  let current: string | undefined;
  try {
    await readFromCheckpoint(async (entry) => {
      current = entry.id;
      print(
        "processing",
        { id: entry.id, stream: options.stream, fields: entry.fields },
        `processing ${entry.id} ${JSON.stringify(entry.fields)}`,
      );
      await work(options, entry.fields);
      print("finished", { id: entry.id }, `finished processing ${entry.id}`);
    }, {
      store,
      stream: options.stream,
      consumer: options.consumer,
      start: options.startFrom as "$" | "0",
      blockMs: options.blockMs,
      count: options.count,
      signal,
      ...(options.max !== undefined ? { maxHandled: options.max } : {}),
      onIdle: (lastId) => print("idle", { lastId }, `No new messages after ID: ${lastId}`),
      // The article's lines, so a reader can follow it side by side.
      onStart: ({ lastId, resumed }) =>
        print(
          "start",
          { lastId, resumed },
          resumed
            ? `Resume from ID: ${lastId}`
            : options.startFrom === "0"
            ? "Starting from beginning"
            : `Starting from latest ID: ${lastId}`,
        ),
    });
  } catch (error) {
    if (error instanceof StoreFileError) {
      console.error(failureOutput(error, { json: options.json })); // the store's file, not the entry
      return 1;
    }
    console.error(
      `error: ${current ? `processing ${current} failed: ` : ""}${
        errorText(error)
      }; the checkpoint ${options.consumer}:lastid stays before it, so the next run reads it again`,
    );
    return 1;
  }
  return 0;
}

async function main(args: string[]): Promise<number> {
  let options: ConsumerOptions | "help";
  let ops: OpsArgs;
  const usage = `${CONSUMER_USAGE}\n${opsUsage("consumer")}`;
  try {
    let rest: string[];
    ({ ops, rest } = takeOpsArgs(args, "consumer"));
    options = parseConsumerArgs(rest);
  } catch (error) {
    console.error(failureOutput(error, { json: args.includes("--json"), task: "consume" }));
    return EXIT_USAGE;
  }
  if (options === "help") {
    console.log(usage);
    return 0;
  }
  using shutdown = shutdownSignal();
  let store: StreamStore;
  try {
    store = await openStore(options.url);
  } catch (error) {
    console.error(failureOutput(error, { json: options.json }));
    return 1;
  }
  try {
    await using opsRun = await startConsumerOps(ops, options, store);
    return options.mode === "group"
      ? await runGroup(opsRun.store, options, shutdown.signal, opsRun)
      : await runReader(store, options, shutdown.signal, opsRun);
  } catch (error) {
    console.error(failureOutput(error, { json: options.json }));
    return 1;
  } finally {
    await store.close();
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
