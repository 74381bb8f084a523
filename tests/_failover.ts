/**
 * Test helper: a producer adding with WAIT 1 and a `consume()` worker on one
 * store while `failover()` kills the master and waits for the new one; then
 * checks that every add acknowledged with its replica was processed and that
 * nothing is left pending, and prints the figures.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { StreamStore } from "../lib/store.ts";
import { consume } from "../lib/worker/consume.ts";

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What a failover run measured. */
export interface FailoverFigures {
  sent: number;
  acked: number;
  processed: number;
  lost: number;
  recoveryMs: number;
  failoverMs: number;
  errors: number;
}

/**
 * Runs the producer and the worker on `store`, calls `kill()` (kill -9 of the
 * master) and `promote()` (waits for the new master, restarts the old one as
 * its replica), and asserts no acknowledged add was lost.
 */
export async function failoverUnderLoad(
  store: StreamStore,
  options: {
    label: string;
    /** Kills the master (kill -9). */
    kill: () => Promise<void>;
    /** Waits for the new master and restarts the old one as its replica. */
    promote: () => Promise<void>;
    deadlineMs?: number;
  },
): Promise<FailoverFigures> {
  const stream = "failover:event";
  await store.createGroup(stream, "g", { start: "0", mkStream: true });
  const processed = new Set<string>();
  const acked: string[] = [];
  const errors: unknown[] = [];
  const stop = new AbortController();
  const worker = consume((delivery) => {
    processed.add(delivery.id);
  }, {
    store,
    stream,
    group: "g",
    consumer: "c1",
    count: 100,
    blockMs: 200,
    claimIdleMs: 1000,
    signal: stop.signal,
    onEvent: (event) => {
      if (event.type === "error") errors.push(event.error);
    },
  });
  let sent = 0;
  let killedAt = 0;
  let recoveredAt = 0;
  let producing = true;
  const producer = (async () => {
    for (let n = 0; producing; n++) {
      sent++;
      const started = performance.now();
      try {
        const id = await store.add(stream, { n: String(n) }, {
          replicas: 1,
          replicaTimeoutMs: 500,
        });
        acked.push(id!);
        if (killedAt && started > killedAt && !recoveredAt) recoveredAt = performance.now();
      } catch (error) {
        errors.push(error);
      }
    }
  })();
  await pause(300);
  await options.kill();
  killedAt = performance.now();
  await options.promote();
  const failedOverAt = performance.now();
  const deadline = Date.now() + (options.deadlineMs ?? 15_000);
  while (!recoveredAt && Date.now() < deadline) await pause(50);
  await pause(300);
  producing = false;
  await producer;
  while (acked.some((id) => !processed.has(id)) && Date.now() < deadline) await pause(50);
  await pause(300); // the last acks
  stop.abort();
  await worker;
  const figures: FailoverFigures = {
    sent,
    acked: acked.length,
    processed: processed.size,
    lost: acked.filter((id) => !processed.has(id)).length,
    recoveryMs: Math.round(recoveredAt - killedAt),
    failoverMs: Math.round(failedOverAt - killedAt),
    errors: errors.length,
  };
  console.log(
    `${options.label}: sent ${figures.sent}, acked ${figures.acked}, processed ${figures.processed}, lost ${figures.lost}, recovery ${figures.recoveryMs} ms (failover ${figures.failoverMs} ms), errors ${figures.errors}`,
  );
  const kinds = new Map<string, number>();
  for (const error of errors) {
    const line = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    kinds.set(line, (kinds.get(line) ?? 0) + 1);
  }
  for (const [line, n] of kinds) console.log(`  ${n} x ${line}`);
  assert.ok(recoveredAt > 0, "the producer resumed");
  assert.equal(figures.lost, 0);
  assert.equal((await store.pendingSummary(stream, "g")).count, 0);
  return figures;
}
