/**
 * The seed article's producer: `deno task produce SENSOR_ID [options]`
 * publishes sensor readings `{sensor_id, temp, humidity}` to `app:event`
 * and prints `message <id> sent`. With `--spool PATH` each reading is first
 * committed to an embedded spool and forwarded to Redis in the background.
 * Run with `--help` for the options.
 *
 * @module
 */

import {
  addOnce,
  AuthenticationError,
  Backoff,
  ConnectionError,
  type Fields,
  type ForwardEvent,
  forwardSpool,
  openSpool,
  openStore,
  openTopic,
  partitionOf,
  resolveStoreUrl,
  StoreLockedError,
  type StreamStore,
} from "../mod.ts";
import {
  EXIT_USAGE,
  failureOutput,
  isOutOfMemory,
  recoveryLine,
  shutdownSignal,
  sleep,
  troubleOf,
  UsageError,
  warningText,
} from "./_cli.ts";
import {
  makeReading,
  parseProducerArgs,
  PRODUCER_USAGE,
  type ProducerOptions,
} from "./_producer_options.ts";
import { opsUsage, type ProducerOps, startProducerOps, takeOpsArgs } from "./_ops.ts"; // ops (issue 19)

/** The operations hooks (metrics, JSON logs, traces), set in main(). */
let ops: ProducerOps | undefined;

/** Largest batch sent in one round trip at high rates. */
const MAX_BATCH = 1000;
/** How long a stop waits for a reading in flight before giving up. */
const STOP_GRACE_MS = 5000;

/**
 * Calls `send(n)` until `count` readings went out (0 = until aborted): one at
 * a time with `intervalMs` between, or at `rate` per second in batches of
 * whatever is due. A send in progress is never interrupted.
 */
async function pace(
  options: ProducerOptions,
  signal: AbortSignal,
  send: (n: number) => Promise<void>,
): Promise<number> {
  const total = options.count === 0 ? Infinity : options.count;
  let sent = 0;
  if (options.rate !== undefined) {
    const rate = options.rate;
    const t0 = performance.now();
    while (sent < total && !signal.aborted) {
      const due = Math.min(total, Math.floor((performance.now() - t0) * rate / 1000) + 1);
      if (due > sent) {
        const n = Math.min(due - sent, MAX_BATCH);
        await send(n);
        sent += n;
      } else await sleep(Math.max(1, t0 + (sent * 1000) / rate - performance.now()), signal);
    }
    return sent;
  }
  while (sent < total && !signal.aborted) {
    await send(1);
    sent++;
    if (sent < total && options.intervalMs > 0) await sleep(options.intervalMs, signal);
  }
  return sent;
}

function print(options: ProducerOptions, line: { id?: string; seq?: number; fields: Fields }) {
  if (ops?.logReading(line)) return;
  if (options.json) {
    console.log(JSON.stringify({
      ...(line.id !== undefined ? { id: line.id } : { spool_seq: line.seq }),
      stream: options.stream,
      fields: line.fields,
    }));
  } else if (line.id !== undefined) console.log(`message ${line.id} sent`);
  else console.log(`reading ${line.seq} spooled`);
}

async function sendDirect(
  store: StreamStore,
  options: ProducerOptions,
  readings: Fields[],
): Promise<void> {
  const trim = {
    ...(options.maxLen !== undefined ? { maxLen: options.maxLen, approximate: true } : {}),
    ...(options.waitReplicas ? { replicas: options.waitReplicas } : {}),
  };
  if (readings.length === 1 && options.id !== undefined && /^\d+-\d+$/.test(options.id)) {
    // An explicit ID makes the retry after a lost reply exactly-once: a copy already stored is found.
    const { id } = await addOnce(store, options.stream, readings[0]!, { ...trim, id: options.id });
    print(options, { id, fields: readings[0]! });
    return;
  }
  if (readings.length === 1) {
    const id = await store.add(options.stream, readings[0]!, { ...trim, id: options.id ?? "*" });
    print(options, { id: id!, fields: readings[0]! });
    return;
  }
  const ids = await store.addMany(options.stream, readings, trim);
  ids.forEach((id, i) => print(options, { id, fields: readings[i]! }));
}

/** How often a producer that keeps retrying repeats its warning. */
const WARN_EVERY_MS = 30_000;

/**
 * Errors a retry can fix: Redis unreachable, Redis refusing on a reconnect the
 * password it accepted before (restarted with another one), Redis out of
 * memory, or the embedded store locked by another process.
 */
function isTransient(error: unknown): boolean {
  return error instanceof ConnectionError || error instanceof StoreLockedError ||
    (error instanceof AuthenticationError && error.reconnecting) || isOutOfMemory(error);
}

/**
 * Retries `attempt` after transient errors, with backoff, until it succeeds
 * or `signal` aborts (then the last error is thrown); any other error is
 * thrown at once. One warning when the trouble starts (and when it changes,
 * say from a lost connection to a refused password), repeated every 30 s
 * while it lasts, and one line when it is over.
 */
async function retryTransient<T>(
  attempt: () => Promise<T>,
  what: string,
  signal: AbortSignal,
): Promise<T> {
  const backoff = new Backoff({ initialMs: 50, maxMs: 1000 });
  let warned: { at: number; trouble: string } | undefined;
  let last: unknown;
  for (;;) {
    try {
      const result = await attempt();
      if (warned !== undefined) console.error(recoveryLine(last, what));
      return result;
    } catch (error) {
      if (!isTransient(error) || signal.aborted) throw error;
      last = error;
      const trouble = troubleOf(error);
      if (
        warned === undefined || warned.trouble !== trouble ||
        Date.now() - warned.at >= WARN_EVERY_MS
      ) {
        console.error(`warning: ${warningText(error)}; the reading is kept and retried`);
        warned = { at: Date.now(), trouble };
      }
      await backoff.wait(signal);
      if (signal.aborted) throw error;
    }
  }
}

/**
 * Sends `n` readings; when the connection is lost (Redis restarted, the
 * connection killed), Redis refuses the password on a reconnect or is out of
 * memory, or the embedded store is locked by another process, the same
 * readings are sent again once it is back, so a reading whose add was in
 * flight may be added twice (at least once), never skipped.
 */
function sendRetrying(
  store: StreamStore,
  options: ProducerOptions,
  n: number,
  signal: AbortSignal,
): Promise<void> {
  const readings = Array.from({ length: n }, () => makeReading(options.sensorId));
  return retryTransient(() => sendDirect(store, options, readings), "sending", signal);
}

/** Runs `work`; after a stop it waits at most STOP_GRACE_MS for it. */
async function withStopGrace(signal: AbortSignal, work: Promise<unknown>): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const grace = new Promise<false>((resolve) => {
    const start = () => timer = setTimeout(() => resolve(false), STOP_GRACE_MS);
    if (signal.aborted) start();
    else signal.addEventListener("abort", start, { once: true });
  });
  try {
    return await Promise.race([work.then(() => true), grace]);
  } finally {
    clearTimeout(timer);
  }
}

async function runDirect(options: ProducerOptions, signal: AbortSignal): Promise<number> {
  const store = ops!.store(await openStore(options.url));
  try {
    if (options.partitions !== undefined) {
      // One sensor is one partition key: its readings go to one partition, in order.
      const topic = await openTopic(store, options.stream, {
        partitions: options.partitions,
        ...(options.forcePartitions ? { force: true } : {}),
      });
      options = {
        ...options,
        stream: topic.streams[partitionOf(options.sensorId, topic.partitions)]!,
      };
    }
    const finished = await withStopGrace(
      signal,
      pace(options, signal, (n) => sendRetrying(store, options, n, signal)),
    );
    if (!finished) {
      console.error(
        `error: stopped with a reading in flight: ${store.displayUrl} did not answer within ${STOP_GRACE_MS} ms; it may or may not have been added`,
      );
      return 1;
    }
    return 0;
  } finally {
    await store.close();
  }
}

/**
 * Logs forwarder events on stderr, once per outage rather than once per retry,
 * and one line when the first batch after it is forwarded.
 */
function forwardLogger(options: ProducerOptions): (event: ForwardEvent) => void {
  /** What the last warning was about, until a batch is forwarded: the recovery line says it. */
  let failing: unknown;
  let down = false;
  let quiet = false; // after the first batch, and again after an outage, say nothing per batch
  let lastWarning = 0;
  const errors = new Map<string, { at: number; repeated: number }>();
  return (event) => {
    switch (event.type) {
      case "forwarded":
        if (failing !== undefined) {
          console.error(recoveryLine(failing, "forwarding spooled readings"));
        }
        if (!quiet) {
          console.error(
            `forwarded ${event.count} reading${
              event.count === 1 ? "" : "s"
            } to ${options.stream} (spool_seq ${event.firstSeq}..${event.lastSeq})`,
          );
        }
        failing = undefined;
        down = false;
        quiet = true;
        break;
      case "already-forwarded":
        console.error(
          `${event.count} spooled reading${
            event.count === 1 ? " was" : "s were"
          } already in ${options.stream} (spool_seq ${event.firstSeq}..${event.lastSeq}); removed from the spool`,
        );
        break;
      case "unreachable":
      case "stalled": {
        failing = event.type === "stalled" ? new ConnectionError("stalled") : event.error;
        const now = Date.now();
        if (down && now - lastWarning < 30_000) break;
        const why = event.type === "stalled"
          ? `Redis has not answered for ${Math.round(event.waitedMs / 1000)} s`
          : `${warningText(event.error)}`;
        console.error(
          `warning: ${why}; ${event.spooled} reading${
            event.spooled === 1 ? "" : "s"
          } spooled, forwarding when Redis is back`,
        );
        down = true;
        quiet = false;
        lastWarning = now;
        break;
      }
      case "error": {
        // retryInMs 0: reported only, forwarding goes on (a read-back the user's ACL denies).
        if (event.retryInMs > 0) failing = event.error;
        // The same error (NOPERM, OOM, …) on every retry: once per 30 s, with the count held back.
        const text = warningText(event.error);
        const now = Date.now();
        const seen = errors.get(text);
        if (seen && now - seen.at < 30_000) {
          seen.repeated++;
          break;
        }
        const more = seen?.repeated ? ` (and ${seen.repeated} times more)` : "";
        console.error(`warning: forwarding: ${text}${more}; the readings stay spooled`);
        errors.set(text, { at: now, repeated: 0 });
        break;
      }
    }
  };
}

async function runSpooled(options: ProducerOptions, signal: AbortSignal): Promise<number> {
  const url = resolveStoreUrl(options.url);
  if (!/^rediss?:\/\//.test(url)) {
    throw new UsageError(
      `--spool forwards to Redis: give --url redis://HOST:PORT or set REDIS_URL (the store would be ${url})`,
    );
  }
  await using spool = ops!.spool(
    await openSpool(options.spool!, {
      stream: options.stream,
      device: options.spoolDevice,
      maxEntries: options.spoolMax,
    }),
  );
  const stopForwarding = new AbortController();
  const forwarding = forwardSpool(spool, {
    url,
    signal: stopForwarding.signal,
    onEvent: ops!.onForwardEvent(forwardLogger(options)),
    ...(options.maxLen !== undefined
      ? { trim: { maxLen: options.maxLen, approximate: true } }
      : {}),
  });
  let lastDropWarning = 0;
  const spoolReading = async () => {
    const fields = makeReading(options.sensorId);
    const { reading, dropped } = await retryTransient(
      () => spool.append(fields),
      "spooling",
      signal,
    );
    print(options, { seq: reading.seq, fields: reading.fields });
    if (dropped > 0 && Date.now() - lastDropWarning > 5000) {
      lastDropWarning = Date.now();
      console.error(
        `warning: spool full (--spool-max ${options.spoolMax}): dropped the oldest readings, ${spool.dropped} so far`,
      );
    }
  };
  try {
    await pace(options, signal, async (n) => {
      for (let i = 0; i < n; i++) await spoolReading();
    });
    if (options.count !== 0) {
      const deadline = Date.now() + options.drainMs;
      while (!signal.aborted && Date.now() < deadline && await spool.length() > 0) {
        await sleep(50, signal);
      }
    }
  } finally {
    stopForwarding.abort();
    await forwarding;
    const left = await spool.length();
    if (left > 0 || spool.dropped > 0) {
      console.error(
        `spool: ${left} reading${left === 1 ? "" : "s"} still spooled in ${options.spool}${
          spool.dropped ? `, ${spool.dropped} dropped` : ""
        }; they are forwarded on the next run`,
      );
    }
  }
  return 0;
}

async function main(args: string[]): Promise<number> {
  let options: ProducerOptions | "help";
  let opsArgs;
  const usage = `${PRODUCER_USAGE}\n${opsUsage("producer")}`;
  try {
    const taken = takeOpsArgs(args, "producer");
    opsArgs = taken.ops;
    options = parseProducerArgs(taken.rest);
  } catch (error) {
    console.error(failureOutput(error, { json: args.includes("--json"), task: "produce" }));
    return EXIT_USAGE;
  }
  if (options === "help") {
    console.log(usage);
    return 0;
  }
  using shutdown = shutdownSignal();
  try {
    await using _opsRun = ops = await startProducerOps(opsArgs, options);
    return options.spool !== undefined
      ? await runSpooled(options, shutdown.signal)
      : await runDirect(options, shutdown.signal);
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(failureOutput(error, { json: options.json, task: "produce" }));
      return EXIT_USAGE;
    }
    console.error(failureOutput(error, { json: options.json }));
    return 1;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
