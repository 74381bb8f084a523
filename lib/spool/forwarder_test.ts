// forwardSpool() against a real target store: a private redis-server, or an
// embedded store in a temporary file (both backends where the behaviour does
// not need a server process to pause).
import assert from "node:assert/strict";
import { openSpool, type Spool, type SpoolOptions } from "./spool.ts";
import {
  type ForwardEvent,
  type ForwardOptions,
  forwardSpool,
  type ForwardStats,
} from "./forwarder.ts";
import { backendTest, waitFor } from "../../tests/_backends.ts";
import { ignoreRedis, startRedis } from "../../tests/_redis_server.ts";

const SPOOL: SpoolOptions = { stream: "app:event", device: "sensor1" };
const U64_MAX = "18446744073709551615";

/** A temporary directory, removed on dispose. */
async function tempDir(): Promise<{ path: string } & AsyncDisposable> {
  const path = await Deno.makeTempDir({ prefix: "rstream-spool-unit-" });
  return {
    path,
    [Symbol.asyncDispose]: () => Deno.remove(path, { recursive: true }),
  };
}

/** Forwards to `url` until the spool is empty, then stops the forwarder. */
async function drain(
  spool: Spool,
  url: string,
  options: Partial<ForwardOptions> = {},
): Promise<{ stats: ForwardStats; events: ForwardEvent[] }> {
  const events: ForwardEvent[] = [];
  const stop = new AbortController();
  const forwarding = forwardSpool(spool, {
    url,
    signal: stop.signal,
    minRetryMs: 10,
    pollMs: 20,
    onEvent: (event) => events.push(event),
    ...options,
  });
  try {
    await waitFor(async () => await spool.length() === 0, { what: "the spool to drain" });
  } finally {
    stop.abort();
  }
  return { stats: await forwarding, events };
}

backendTest(
  "forwardSpool() forwards a re-created spool's readings although the stream holds the old spool's sequence numbers",
  async (store, { url }) => {
    await using dir = await tempDir();
    const path = `${dir.path}/.rstream/spool.db`;
    let oldId: string;
    {
      await using old = await openSpool(path, SPOOL);
      for (let i = 1; i <= 5; i++) await old.append({ temp: `old ${i}` });
      assert.deepEqual((await drain(old, url)).stats, { forwarded: 5, alreadyForwarded: 0 });
      oldId = old.id;
    }
    await Deno.remove(`${dir.path}/.rstream`, { recursive: true }); // rm -rf .rstream
    await using spool = await openSpool(path, SPOOL);
    for (let i = 1; i <= 3; i++) await spool.append({ temp: `new ${i}` });
    // The first round always checks what Redis has: 1..3 are there, but from the old spool.
    assert.deepEqual((await drain(spool, url)).stats, { forwarded: 3, alreadyForwarded: 0 });
    assert.match(spool.id, /^[0-9a-f]{16}$/);
    assert.notEqual(spool.id, oldId);
    const entries = await store.range("app:event");
    assert.deepEqual(
      entries.map((
        { fields },
      ) => [fields.spool_device, fields.spool_id, fields.spool_seq, fields.temp]),
      [
        ...[1, 2, 3, 4, 5].map((seq) => ["sensor1", oldId, String(seq), `old ${seq}`]),
        ...[1, 2, 3].map((seq) => ["sensor1", spool.id, String(seq), `new ${seq}`]),
      ],
    );
  },
);

backendTest(
  "forwardSpool() still drops readings Redis already has from the same spool after a lost batch",
  async (store, { url }) => {
    await using dir = await tempDir();
    await using spool = await openSpool(`${dir.path}/spool.db`, SPOOL);
    for (let i = 1; i <= 4; i++) await spool.append({ temp: `${i}` });
    // A batch that reached Redis before the process died: same spool, same sequence numbers.
    const sent = await spool.peek(2);
    await store.addMany("app:event", sent.map((reading) => reading.fields));
    assert.deepEqual((await drain(spool, url)).stats, { forwarded: 2, alreadyForwarded: 2 });
    const entries = await store.range("app:event");
    assert.deepEqual(entries.map(({ fields }) => fields.spool_seq), ["1", "2", "3", "4"]);
    assert.ok(entries.every(({ fields }) => fields.spool_id === spool.id));
  },
);

backendTest(
  "forwardSpool() sends a batch once when removing it from the spool failed",
  async (store, { url }) => {
    await using dir = await tempDir();
    await using spool = await openSpool(`${dir.path}/spool.db`, SPOOL);
    for (let i = 1; i <= 5; i++) await spool.append({ temp: `${i}` });
    const remove = spool.remove.bind(spool);
    let calls = 0;
    spool.remove = (seqs) => {
      if (++calls === 1) return Promise.reject(new Error("disk I/O error"));
      return remove(seqs);
    };
    const { stats } = await drain(spool, url);
    // The batch reached Redis; the next round finds it there instead of sending it again.
    assert.deepEqual(stats, { forwarded: 0, alreadyForwarded: 5 });
    const entries = await store.range("app:event");
    assert.deepEqual(entries.map(({ fields }) => fields.spool_seq), ["1", "2", "3", "4", "5"]);
  },
);

backendTest(
  "forwardSpool() keeps every reading in the spool while each XADD fails, then forwards each once",
  async (store, { url }) => {
    await using dir = await tempDir();
    await using spool = await openSpool(`${dir.path}/spool.db`, SPOOL);
    // The stream's last ID is the largest there is: every XADD * fails, while the
    // XREVRANGE that checks what Redis already has still works. (A string key would
    // fail that check first with WRONGTYPE, so no XADD would ever be sent.)
    await store.add("app:event", { blocker: "1" }, { id: `${U64_MAX}-${U64_MAX}` });
    for (let i = 1; i <= 5; i++) await spool.append({ temp: `${i}` });
    const events: ForwardEvent[] = [];
    const stop = new AbortController();
    const forwarding = forwardSpool(spool, {
      url,
      signal: stop.signal,
      minRetryMs: 10,
      maxRetryMs: 50,
      pollMs: 20,
      onEvent: (event) => events.push(event),
    });
    try {
      await waitFor(() => events.some((event) => event.type === "error"), {
        what: "the failed batch's error event",
      });
      const error = events.find((event) => event.type === "error");
      assert.ok(error?.type === "error");
      assert.match(error.error.message, /exhausted the last possible ID/, "the XADDs were sent");
      assert.deepEqual(
        (await spool.peek(10)).map((reading) => reading.seq),
        [1, 2, 3, 4, 5],
        "readings left the spool before Redis confirmed them",
      );
      await store.deleteStream("app:event"); // fixed: the forwarder's next retry goes through
      await waitFor(async () => await spool.length() === 0, { what: "the spool to drain" });
    } finally {
      stop.abort();
    }
    assert.deepEqual(await forwarding, { forwarded: 5, alreadyForwarded: 0 });
    const entries = await store.range("app:event");
    assert.deepEqual(
      entries.map(({ fields }) => [fields.spool_id, fields.spool_seq, fields.temp]),
      [1, 2, 3, 4, 5].map((seq) => [spool.id, String(seq), String(seq)]),
    );
  },
);

Deno.test({
  name:
    "forwardSpool() reports a spool length it cannot read during a stall as an error event and keeps forwarding",
  ignore: ignoreRedis,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using redis = await startRedis();
    await using dir = await tempDir();
    await using spool = await openSpool(`${dir.path}/spool.db`, SPOOL);
    const events: ForwardEvent[] = [];
    const stop = new AbortController();
    const forwarding = forwardSpool(spool, {
      url: redis.url,
      signal: stop.signal,
      stallMs: 50,
      pollMs: 20,
      onEvent: (event) => events.push(event),
    });
    try {
      await waitFor(() => events.some((event) => event.type === "connected"), {
        what: "the forwarder to connect",
      });
      const length = spool.length.bind(spool);
      redis.process.kill("SIGSTOP");
      try {
        spool.length = () => Promise.reject(new Error("disk I/O error"));
        await spool.append({ temp: "1" });
        await waitFor(() => events.some((event) => event.type === "error"), {
          what: "an error event while the batch stalls",
        });
      } finally {
        spool.length = length;
        redis.process.kill("SIGCONT");
      }
      await waitFor(() => events.some((event) => event.type === "forwarded"), {
        what: "forwarding after Redis resumed",
      });
    } finally {
      stop.abort();
    }
    assert.deepEqual(await forwarding, { forwarded: 1, alreadyForwarded: 0 });
    const error = events.find((event) => event.type === "error");
    assert.ok(error?.type === "error");
    assert.equal(error.error.message, "disk I/O error");
    assert.equal(error.retryInMs, 0);
  },
});
