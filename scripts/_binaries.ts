/**
 * The binaries `deno task compile` builds and the permissions (and V8
 * settings) baked into each.
 *
 * One table, read by scripts/compile.ts (to build), by the tests (to run each
 * entry point with exactly these flags, and to check that none grants
 * everything) and mirrored by the `produce`/`consume` tasks in deno.json.
 *
 * @module
 */

/** Where the default embedded store and the spool live, relative to the working directory. */
export const DATA_DIR = ".rstream";

/** Environment variables the store opener reads (see lib/open_store.ts). */
export const STORE_ENV = ["REDIS_URL", "RSTREAM_DB", "RSTREAM_TLS_CA"] as const;

/**
 * Environment variables the operations options read (scripts/_ops.ts):
 * `OTEL_DENO` says whether Deno's OpenTelemetry is on, so `@opentelemetry/api`
 * is loaded only then. The `OTEL_EXPORTER_*` settings are read by the Deno
 * runtime itself and need no permission.
 */
export const OPS_ENV = ["OTEL_DENO"] as const;

/**
 * Permissions of the producer and consumer: any host (also what
 * `--metrics-port` binds, on `--metrics-bind`) (the Redis URL is only
 * known at run time), the store's three variables, and files only under
 * `.rstream/` of the working directory. `node:sqlite` opens the database,
 * its `-wal`/`-shm`/`-journal` files and creates the directory: all inside it.
 * `--no-prompt` makes a missing permission an error instead of a prompt.
 */
export const SCRIPT_PERMISSIONS: readonly string[] = [
  "--allow-net",
  `--allow-env=${[...STORE_ENV, ...OPS_ENV].join(",")}`,
  `--allow-read=${DATA_DIR}`,
  `--allow-write=${DATA_DIR}`,
  "--no-prompt",
];

/**
 * V8 settings of the producer and consumer, baked in beside their permissions
 * and passed by the deno.json tasks and the package launchers:
 * `--max-semi-space-size=2` caps each of the young generation's two
 * semi-spaces at 2 MB. Under a steady allocation rate V8 otherwise keeps
 * growing them (the producer's new space was 13 MB after 30 s): in the
 * bench's soak at 5,000 readings/s (docs/performance.md) the consumer reached
 * 119 MB and the producer 76 MB without it, 78 and 67 MB with it, at the same
 * CPU. The cost is at full speed, where survivors of a 1,000-reading batch are
 * promoted sooner: the producer sending 200,000 readings as fast as it can
 * takes ~8 % more CPU (1 MB cost ~22 %, so 2 it is).
 */
export const SCRIPT_V8_FLAGS: readonly string[] = ["--v8-flags=--max-semi-space-size=2"];

/** One binary of `deno task compile`. */
export interface Binary {
  /** Output file name (`.exe` is added for Windows targets). */
  name: string;
  /** Entry point, relative to the repository root. */
  entry: string;
  /** Permission flags baked in at compile time. */
  permissions: readonly string[];
  /** Runtime flags baked in with them (`--v8-flags=…`); none for the CLI. */
  runtimeFlags: readonly string[];
  /** Modules loaded by dynamic import, included explicitly. */
  include: readonly string[];
}

/** The embedded backend is imported dynamically by openStore(). */
const EMBEDDED = ["lib/embedded/connection.ts"];
/** `rstream serve` is imported dynamically by cli.ts. */
const SERVE = ["lib/serve/main.ts"];

/** What `deno task compile` builds. */
export const BINARIES: readonly Binary[] = [
  {
    name: "rstream",
    entry: "cli.ts",
    // The shell also reads its history path and terminal settings. History is written
    // only under .rstream/ (RSTREAM_HISTORY=.rstream/history). `rstream serve` listens
    // (--allow-net also covers --bind and --forward) and reads RSTREAM_SERVE_PASSWORD; its
    // store stays under .rstream/ like the shell's. A test runs cli.ts with exactly these flags.
    permissions: [
      "--allow-net",
      `--allow-env=${
        [
          ...STORE_ENV,
          "REDISCLI_AUTH",
          "RSTREAM_HISTORY",
          "HOME",
          "NO_COLOR",
          "TERM",
          "RSTREAM_SERVE_PASSWORD",
        ]
          .join(",")
      }`,
      `--allow-read=${DATA_DIR}`,
      `--allow-write=${DATA_DIR}`,
      "--no-prompt",
    ],
    runtimeFlags: [],
    include: [...EMBEDDED, ...SERVE],
  },
  {
    name: "rstream-produce",
    entry: "scripts/producer.ts",
    permissions: SCRIPT_PERMISSIONS,
    runtimeFlags: SCRIPT_V8_FLAGS,
    include: EMBEDDED,
  },
  {
    name: "rstream-consume",
    entry: "scripts/consumer.ts",
    permissions: SCRIPT_PERMISSIONS,
    runtimeFlags: SCRIPT_V8_FLAGS,
    include: EMBEDDED,
  },
];

/** The targets `deno compile --target` accepts that we ship. */
export const TARGETS = [
  "x86_64-unknown-linux-gnu",
  "aarch64-unknown-linux-gnu",
  "x86_64-apple-darwin",
  "aarch64-apple-darwin",
  "x86_64-pc-windows-msvc",
] as const;

/** A shipped compile target. */
export type Target = typeof TARGETS[number];

/**
 * The `deno compile` arguments for one binary; `target` absent = the host,
 * written to `dist/NAME`, else to `dist/TARGET/NAME`.
 */
export function compileArgs(binary: Binary, options: { target?: Target } = {}): string[] {
  const exe = options.target?.includes("windows") ? ".exe" : "";
  const output = options.target
    ? `dist/${options.target}/${binary.name}${exe}`
    : `dist/${binary.name}`;
  return [
    "compile",
    "--config",
    "deno.json",
    "--frozen-lockfile",
    "--exclude-unused-npm",
    ...binary.permissions,
    ...binary.runtimeFlags,
    ...binary.include.flatMap((path) => ["--include", path]),
    ...(options.target ? ["--target", options.target] : []),
    "--output",
    output,
    binary.entry,
  ];
}
