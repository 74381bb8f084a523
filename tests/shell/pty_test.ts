import assert from "node:assert/strict";
import { openStore } from "../../lib/open_store.ts";
import type { StreamStore } from "../../lib/store.ts";
import { type BackendName, BACKENDS } from "../_backends.ts";
import { ignoreRedis, startRedis } from "../_redis_server.ts";
import { startShell, type Terminal, tmuxUnavailable } from "./_tmux.ts";

interface ShellContext {
  store: StreamStore;
  url: string;
  /** What the prompt calls the store. */
  label: string;
  historyFile: string;
  backend: BackendName;
  open(): Promise<Terminal>;
}

/** Registers `name [redis]` and `name [embedded]`, each with a fresh store and a temp history. */
function shellTest(name: string, fn: (t: ShellContext) => Promise<void>) {
  for (const backend of BACKENDS) {
    Deno.test({
      name: `${name} [${backend}]`,
      ignore: tmuxUnavailable !== undefined || (backend === "redis" && ignoreRedis),
      sanitizeResources: false,
      sanitizeOps: false,
      async fn() {
        const dir = await Deno.makeTempDir({ prefix: "rstream-shell-" });
        try {
          await using redis = backend === "redis" ? await startRedis() : undefined;
          const url = redis?.url ?? `file:${dir}/streams.db`;
          await using store = await openStore(url);
          const historyFile = `${dir}/history`;
          await fn({
            store,
            url,
            label: redis ? redis.url : "embedded",
            historyFile,
            backend,
            open: () => startShell(url, { historyFile }),
          });
        } finally {
          await Deno.remove(dir, { recursive: true });
        }
      },
    });
  }
}

shellTest("the shell prompts with the store and stream in use and prints tables", async (t) => {
  await t.store.add("app:event", { sensor_id: "sensor2", temp: "0.42" }, { id: "1700000000000-0" });
  await t.store.add("app:event", { temp: "0.5" }, { id: "1700000000001-0" });
  await using term = await t.open();
  await term.waitFor(new RegExp(`rstream ${t.label}>$`));
  await term.type("use app:event");
  await term.send("Enter");
  await term.type("range");
  await term.send("Enter");
  // Wait for the prompt after the table, not the table's last line: under load the
  // screen was read between the two.
  const screen = await term.waitFor(/└─+[┴─]*┘\nrstream \S+ app:event>$/);
  assert.equal(
    screen,
    [
      `rstream ${t.label}: 'help' lists the commands, Tab completes, Ctrl-D quits`,
      `rstream ${t.label}> use app:event`,
      "app:event",
      `rstream ${t.label} app:event> range`,
      "┌─────────────────┬─────────────────────────┬───────────┬──────┐",
      "│ ID              │ TIME                    │ sensor_id │ temp │",
      "├─────────────────┼─────────────────────────┼───────────┼──────┤",
      "│ 1700000000000-0 │ 2023-11-14 22:13:20.000 │ sensor2   │ 0.42 │",
      "│ 1700000000001-0 │ 2023-11-14 22:13:20.001 │           │ 0.5  │",
      "└─────────────────┴─────────────────────────┴───────────┴──────┘",
      `rstream ${t.label} app:event>`,
    ].join("\n"),
  );
});

shellTest("Tab completes commands, stream names and group names from the store", async (t) => {
  await t.store.add("app:event", { a: "1" });
  await t.store.createGroup("app:event", "workers");
  await using term = await t.open();
  await term.waitFor(new RegExp(`rstream ${t.label}>$`));
  await term.type("readg");
  await term.send("Tab");
  await term.waitFor(/> readgroup$/);
  await term.type("app:");
  await term.send("Tab");
  await term.waitFor(/> readgroup app:event$/);
  await term.type("wo");
  await term.send("Tab");
  const screen = await term.waitFor(/> readgroup app:event workers$/);
  assert.equal(screen.split("\n").at(-1), `rstream ${t.label}> readgroup app:event workers`);
});

shellTest(
  "Ctrl-C stops tail and returns to the prompt; Ctrl-C clears a line; Ctrl-D quits",
  async (t) => {
    await using term = await t.open();
    await term.waitFor(new RegExp(`rstream ${t.label}>$`));
    await term.type("tail s");
    await term.send("Enter");
    await new Promise((r) => setTimeout(r, 500));
    await t.store.add("s", { temp: "0.4" }, { id: "1700000000000-0" });
    await term.waitFor("1700000000000-0  2023-11-14 22:13:20.000  temp=0.4");
    await term.send("C-c");
    await term.waitFor(/temp=0.4\n\^C\nrstream \S+>$/);
    await term.type("half typed");
    await term.send("C-c");
    await term.waitFor(/half typed\^C\nrstream \S+>$/);
    await term.type("len s");
    await term.send("Enter");
    await term.waitFor(/len s\n1\nrstream \S+>$/);
    await term.send("C-d");
    await term.waitFor("[exited 0]");
  },
);

shellTest("an error prints one line and the shell carries on", async (t) => {
  await using term = await t.open();
  await term.waitFor(new RegExp(`rstream ${t.label}>$`));
  await term.type("rnage s");
  await term.send("Enter");
  await term.type("range s 'unterminated");
  await term.send("Enter");
  await term.type("quit");
  await term.send("Enter");
  const screen = await term.waitFor("[exited 0]");
  assert.equal(
    screen,
    [
      `rstream ${t.label}: 'help' lists the commands, Tab completes, Ctrl-D quits`,
      `rstream ${t.label}> rnage s`,
      "error: unknown command 'rnage'; did you mean range? (usage: help [COMMAND])",
      `rstream ${t.label}> range s 'unterminated`,
      "error: unterminated single quote starting at column 9",
      `rstream ${t.label}> quit`,
      "[exited 0]",
    ].join("\n"),
  );
});

shellTest(
  "history is saved to RSTREAM_HISTORY and Up recalls it in the next session",
  async (t) => {
    {
      await using term = await t.open();
      await term.waitFor(new RegExp(`rstream ${t.label}>$`));
      await term.type("len first");
      await term.send("Enter");
      await term.type("len second");
      await term.send("Enter");
      await term.send("C-d");
      await term.waitFor("[exited 0]");
    }
    assert.equal(await Deno.readTextFile(t.historyFile), "len first\nlen second\n");
    await using term = await t.open();
    await term.waitFor(new RegExp(`rstream ${t.label}>$`));
    await term.send("Up");
    await term.send("Up");
    const screen = await term.waitFor(/> len first$/);
    assert.equal(screen.split("\n").at(-1), `rstream ${t.label}> len first`);
  },
);

/** Removes a directory, retrying while a just-killed process may still be writing into it. */
async function removeSoon(dir: string): Promise<void> {
  for (let attempt = 1;; attempt++) {
    try {
      return await Deno.remove(dir, { recursive: true });
    } catch (error) {
      if (attempt >= 20 || error instanceof Deno.errors.NotFound) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** What the machine needs to reach the npm registry (proxy, private CA), passed on as is. */
function networkEnv(): Record<string, string> {
  const names = [
    "NODE_EXTRA_CA_CERTS",
    "SSL_CERT_FILE",
    "DENO_CERT",
    "DENO_TLS_CA_STORE",
    "HTTPS_PROXY",
  ]
    .concat([
      "HTTP_PROXY",
      "NO_PROXY",
      "https_proxy",
      "http_proxy",
      "no_proxy",
      "NPM_CONFIG_REGISTRY",
    ]);
  return Object.fromEntries(
    names.flatMap((name) => {
      const value = Deno.env.get(name);
      return value === undefined ? [] : [[name, value]];
    }),
  );
}

const npmUnreachable = await fetch("https://registry.npmjs.org/commander", {
  method: "HEAD",
  signal: AbortSignal.timeout(5000),
}).then((response) => response.ok ? undefined : `npm registry: HTTP ${response.status}`, String);
if (npmUnreachable) console.warn(`Fresh-cache PTY test ignored: ${npmUnreachable}`);

Deno.test({
  name:
    "deno task start on an empty Deno cache shows the banner and a prompt that stays, and runs what is typed",
  ignore: tmuxUnavailable !== undefined || npmUnreachable !== undefined,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    // Twice, each on its own empty cache: the progress line's race with the prompt
    // does not lose every time, so one clean start proves little.
    for (const attempt of [1, 2]) {
      const dir = await Deno.makeTempDir({ prefix: "rstream-fresh-" });
      try {
        await using term = await startShell(`file:${dir}/streams.db`, {
          historyFile: `${dir}/history`,
          env: { DENO_DIR: `${dir}/deno-dir`, ...networkEnv() },
          viaTask: true,
        });
        await term.waitFor(/rstream embedded>$/, 60_000);
        // The downloads are over before the prompt: nothing redraws over it afterwards.
        await new Promise((resolve) => setTimeout(resolve, 2000));
        const screen = await term.screen();
        assert.deepEqual(screen.split("\n").slice(-2), [
          "rstream embedded: 'help' lists the commands, Tab completes, Ctrl-D quits",
          "rstream embedded>",
        ], `attempt ${attempt}`);
        assert.ok(!/Download/.test(screen), screen);
        await term.type("len app:event");
        await term.send("Enter");
        const after = await term.waitFor(/^0\nrstream embedded>$/m);
        assert.deepEqual(after.split("\n").slice(-3), [
          "rstream embedded> len app:event",
          "0",
          "rstream embedded>",
        ]);
      } finally {
        await removeSoon(dir);
      }
    }
  },
});

shellTest("Ctrl-R searches the history backwards and Enter runs the match", async (t) => {
  await using term = await t.open();
  const prompt = `rstream ${t.label}>`;
  await term.waitFor(new RegExp(`${prompt}$`));
  for (const line of ["add s --id 1-1 a=1", "len s", "range s"]) {
    await term.type(line);
    await term.send("Enter");
    await term.waitFor(new RegExp(`${line}\\n[^]*${prompt}$`));
  }
  await term.send("C-r");
  await term.type("le");
  let screen = await term.waitFor(/\(reverse-i-search\)'le': len s$/);
  await term.send("Enter");
  screen = await term.waitFor(new RegExp(`${prompt} len s\\n1\\n${prompt}$`));
  assert.deepEqual(screen.split("\n").slice(-3), [`${prompt} len s`, "1", prompt]);

  await term.send("C-r");
  await term.type("a=");
  await term.waitFor(/\(reverse-i-search\)'a=': add s --id 1-1 a=1$/);
  await term.type("z");
  await term.waitFor(/\(failed reverse-i-search\)'a=z':$/);
  await term.send("C-g");
  screen = await term.waitFor(new RegExp(`${prompt}$`));
  assert.equal(screen.split("\n").at(-1), prompt);
  assert.equal(await t.store.len("s"), 1, "the cancelled search ran nothing");
});

shellTest("status replies print bare like redis-cli; bulk strings stay quoted", async (t) => {
  await t.store.add("s", { a: "1" }, { id: "1-1" });
  await using term = await t.open();
  const prompt = `rstream ${t.label}>`;
  await term.waitFor(new RegExp(`${prompt}$`));
  for (const line of ["raw PING", "XGROUP CREATE s g $", "raw TYPE s", "XRANGE s - +"]) {
    await term.type(line);
    await term.send("Enter");
    await term.waitFor(new RegExp(`${line.replace(/[$+]/g, "\\$&")}\\n[^]*${prompt}$`));
  }
  const screen = await term.screen();
  assert.deepEqual(
    screen.split("\n"),
    [
      `rstream ${t.label}: 'help' lists the commands, Tab completes, Ctrl-D quits`,
      `${prompt} raw PING`,
      "PONG",
      `${prompt} XGROUP CREATE s g $`,
      "OK",
      `${prompt} raw TYPE s`,
      "stream",
      `${prompt} XRANGE s - +`,
      '1) 1) "1-1"',
      '   2) 1) "a"',
      '      2) "1"',
      prompt,
    ],
  );
});

shellTest("after use, Tab completes the group when the stream is typed out too", async (t) => {
  await t.store.add("app:event", { a: "1" });
  await t.store.createGroup("app:event", "workers");
  await using term = await t.open();
  await term.waitFor(new RegExp(`rstream ${t.label}>$`));
  await term.type("use app:event");
  await term.send("Enter");
  await term.waitFor(new RegExp(`rstream ${t.label} app:event>$`));
  await term.type("readgroup app:event w");
  await term.send("Tab");
  const screen = await term.waitFor(/> readgroup app:event workers$/); // (lines are right-trimmed)
  assert.equal(
    screen.split("\n").at(-1),
    `rstream ${t.label} app:event> readgroup app:event workers`,
  );
});

shellTest("clear clears the terminal, leaving the prompt", async (t) => {
  await using term = await t.open();
  const prompt = `rstream ${t.label}>`;
  await term.waitFor(new RegExp(`${prompt}$`));
  await term.type("help len");
  await term.send("Enter");
  await term.waitFor(/Examples:\n {2}len app:event\n/);
  await term.type("clear");
  await term.send("Enter");
  const screen = await term.waitFor(new RegExp(`^${prompt}$`));
  assert.equal(screen, prompt);
});
