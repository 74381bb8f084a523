/**
 * Moves spooled readings to Redis, in order and in batches, deleting each
 * from the spool only after Redis confirmed it.
 *
 * Exactly-once across crashes rests on the `spool_id` and `spool_seq` each
 * reading carries: when the outcome of a batch is unknown (the process was
 * killed, or the connection failed mid-batch) the forwarder first reads back
 * the newest entries of the target stream, finds which of this spool's
 * sequence numbers Redis already has, and drops those from the spool before
 * sending the rest. Matching on the spool ID as well as the device keeps a
 * replaced spool file, whose sequence starts again at 1, from taking its new
 * readings for the old file's.
 *
 * @module
 */

import { ConnectionError, NoPermissionError, ReplyError, StreamError } from "../errors.ts";
import { openStore, type OpenStoreOptions } from "../open_store.ts";
import type { Spool } from "./spool.ts";
import type { Fields, StreamStore, TrimOptions } from "../store.ts";
import { abortableSleep, Backoff } from "../backoff.ts";
import { StallDetector } from "../stall.ts";

/** Something the forwarder did, for logging. */
export type ForwardEvent =
  | { type: "connected"; url: string }
  | { type: "forwarded"; count: number; firstSeq: number; lastSeq: number; lastId: string }
  | { type: "already-forwarded"; count: number; firstSeq: number; lastSeq: number }
  | { type: "unreachable"; error: Error; retryInMs: number; spooled: number }
  | { type: "stalled"; waitedMs: number; spooled: number }
  | { type: "error"; error: Error; retryInMs: number };

/** Options of {@linkcode forwardSpool}. */
export interface ForwardOptions {
  /** The Redis URL to forward to (`redis://` or `rediss://`). */
  url: string;
  /** Stops forwarding; a batch in flight is abandoned (and re-checked on the next start). */
  signal?: AbortSignal;
  /** Readings per batch (default 100). */
  batchSize?: number;
  /** First retry delay after a failure, doubled up to `maxRetryMs` (default 250). */
  minRetryMs?: number;
  /** Largest retry delay (default 5000). */
  maxRetryMs?: number;
  /** Give up one connection attempt after this long (default 5000). */
  connectTimeoutMs?: number;
  /** Report a batch waiting this long for Redis as `stalled` (default 5000). */
  stallMs?: number;
  /** How far back, in entries, to look for readings Redis already has (default 10000). */
  scanLimit?: number;
  /** Check the spool at least this often when nothing is appended in-process (default 1000). */
  pollMs?: number;
  /** Receives what happens, for logging. */
  onEvent?: (event: ForwardEvent) => void;
  /** Trimming applied with each XADD, e.g. `{ maxLen: 100000, approximate: true }`. */
  trim?: TrimOptions;
  /** Passed to {@linkcode openStore} (TLS settings). */
  storeOptions?: OpenStoreOptions;
}

/** What {@linkcode forwardSpool} did. */
export interface ForwardStats {
  /** Readings added to Redis by this run. */
  forwarded: number;
  /** Readings found already in Redis (sent before a crash) and dropped from the spool. */
  alreadyForwarded: number;
}

const ABORTED = Symbol("aborted");

/** Resolves with the promise's value, or with ABORTED as soon as `signal` aborts. */
function unlessAborted<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T | typeof ABORTED> {
  if (!signal) return promise;
  promise.catch(() => {}); // an abandoned promise must not reject unhandled
  if (signal.aborted) return Promise.resolve(ABORTED);
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve(ABORTED);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

async function connect(url: string, options: ForwardOptions): Promise<StreamStore> {
  const timeoutMs = options.connectTimeoutMs ?? 5000;
  const opening = openStore(url, { ...options.storeOptions, connectTimeoutMs: timeoutMs });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      // A paused server accepts the socket but never answers the handshake.
      opening.then((store) => store.close(), () => {});
      reject(
        new ConnectionError(`Cannot reach Redis: no answer within ${timeoutMs} ms`),
      );
    }, timeoutMs + 1000);
  });
  try {
    return await Promise.race([opening, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * Server answers (NOPERM, WRONGTYPE, …) stay as they are; anything else that
 * failed a command (socket closed, reconnect timed out) means Redis is
 * unreachable.
 */
function asConnectionError(error: unknown): Error {
  if (error instanceof ConnectionError) return error;
  if (error instanceof StreamError || error instanceof ReplyError) return error;
  const text = error instanceof Error
    ? error.message || error.constructor.name || error.name
    : String(error);
  return new ConnectionError(`Cannot reach Redis: ${text}`, { cause: error });
}

/**
 * Which of the spool's readings the target stream already has: scans the
 * stream newest first for entries of this spool (its `spool_device` and
 * `spool_id`), down to the oldest spooled sequence number or `scanLimit`
 * entries. With `legacy` (the oldest spooled reading predates spool IDs and
 * has no `spool_id`) this device's entries without `spool_id` count too.
 */
async function seqsInRedis(
  store: StreamStore,
  spool: Spool,
  options: { firstSeq: number; scanLimit: number; legacy: boolean },
): Promise<Set<number>> {
  const ours = (fields: Fields) =>
    fields.spool_device === spool.device &&
    (fields.spool_id === spool.id || (options.legacy && fields.spool_id === undefined));
  const found = new Set<number>();
  const page = 500;
  let end = "+";
  let scanned = 0;
  while (scanned < options.scanLimit) {
    const entries = await store.range(spool.stream, { reverse: true, end, count: page });
    for (const entry of entries) {
      if (!ours(entry.fields)) continue;
      const seq = Number(entry.fields.spool_seq);
      if (seq < options.firstSeq) return found; // older than anything spooled
      found.add(seq);
    }
    scanned += entries.length;
    if (entries.length < page) break;
    end = `(${entries[entries.length - 1]!.id}`;
  }
  return found;
}

/**
 * Forwards the spool's readings to Redis until `signal` aborts: in order, in
 * batches of `batchSize` pipelined XADDs, deleting them from the spool after
 * Redis confirmed them. While Redis is unreachable (also at start) it retries
 * with backoff and never throws; readings keep accumulating in the spool.
 *
 * @example Forward a spooled reading
 * ```ts
 * import { forwardSpool, openSpool, openStore } from "@rstream/rstream";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * await using spool = await openSpool(`${dir}/spool.db`, { stream: "app:event", device: "sensor2" });
 * await spool.append({ sensor_id: "sensor2", temp: "0.42", humidity: "0.1" });
 * // Forward to a central store: "redis://…" in production, a file here.
 * const stop = new AbortController();
 * const stats = await forwardSpool(spool, {
 *   url: `file:${dir}/central.db`,
 *   signal: stop.signal,
 *   onEvent: (event) => event.type === "forwarded" && stop.abort(),
 * });
 * assert.equal(stats.forwarded, 1);
 * assert.equal(await spool.length(), 0);
 * await using central = await openStore(`file:${dir}/central.db`);
 * assert.equal(await central.len("app:event"), 1);
 * ```
 */
export async function forwardSpool(spool: Spool, options: ForwardOptions): Promise<ForwardStats> {
  const { signal, onEvent = () => {} } = options;
  const batchSize = options.batchSize ?? 100;
  const minRetryMs = options.minRetryMs ?? 250;
  const maxRetryMs = options.maxRetryMs ?? 5000;
  const stallMs = options.stallMs ?? 5000;
  const stats: ForwardStats = { forwarded: 0, alreadyForwarded: 0 };
  let store: StreamStore | undefined;
  let uncertain = true; // unknown which spooled readings Redis has: check first
  const retry = new Backoff({ initialMs: minRetryMs, maxMs: maxRetryMs });
  const backoff = async (error: unknown) => {
    const err = asConnectionError(error);
    const retryInMs = retry.next();
    if (err instanceof ConnectionError) {
      onEvent({ type: "unreachable", error: err, retryInMs, spooled: await spool.length() });
    } else onEvent({ type: "error", error: err, retryInMs });
    await abortableSleep(retryInMs, signal);
  };
  // A batch waiting for Redis is reported as stalled every stallMs while it waits.
  using stalls = new StallDetector({
    repeat: true,
    onStall: async ({ waitedMs }) => {
      try {
        onEvent({ type: "stalled", waitedMs, spooled: await spool.length() });
      } catch (error) {
        // A rejection here would be unhandled and end the process: report it instead.
        onEvent({ type: "error", error: asError(error), retryInMs: 0 });
      }
    },
  });
  try {
    while (!signal?.aborted) {
      try {
        if (!store) {
          const opened = await unlessAborted(connect(options.url, options), signal);
          if (opened === ABORTED) break;
          store = opened;
          onEvent({ type: "connected", url: store.displayUrl });
        }
        if (uncertain) {
          const first = await spool.peek(1);
          if (first.length > 0) {
            const checking = seqsInRedis(store, spool, {
              firstSeq: first[0]!.seq,
              scanLimit: options.scanLimit ?? 10_000,
              legacy: first[0]!.fields.spool_id === undefined,
            });
            const found = await unlessAborted(checking, signal).catch((error) => {
              if (!(error instanceof NoPermissionError)) throw error;
              // The user may only XADD: forward anyway, a crash may then duplicate a batch.
              onEvent({ type: "error", error, retryInMs: 0 });
              return new Set<number>();
            });
            if (found === ABORTED) break;
            if (found.size > 0) {
              await spool.remove([...found]);
              stats.alreadyForwarded += found.size;
              onEvent({
                type: "already-forwarded",
                count: found.size,
                firstSeq: Math.min(...found),
                lastSeq: Math.max(...found),
              });
            }
          }
          uncertain = false;
        }
        const batch = await spool.peek(batchSize);
        if (batch.length === 0) {
          await spool.appended({ timeoutMs: options.pollMs ?? 1000, signal });
          continue;
        }
        uncertain = true;
        const adding = store.addMany(
          spool.stream,
          batch.map((reading) => reading.fields),
          options.trim,
        );
        const ids = await unlessAborted(stalls.track("XADD", stallMs, adding), signal);
        if (ids === ABORTED) break;
        await spool.remove(batch.map((reading) => reading.seq));
        // Only now: had the removal failed, the next round must first check what Redis has.
        uncertain = false;
        stats.forwarded += batch.length;
        retry.reset();
        onEvent({
          type: "forwarded",
          count: batch.length,
          firstSeq: batch[0]!.seq,
          lastSeq: batch[batch.length - 1]!.seq,
          lastId: ids[ids.length - 1] ?? "",
        });
      } catch (error) {
        await backoff(error);
      }
    }
  } finally {
    await store?.close().catch(() => {});
  }
  return stats;
}
