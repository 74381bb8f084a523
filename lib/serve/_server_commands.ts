/**
 * The commands `rstream serve` answers itself, not the store: AUTH, HELLO,
 * SELECT, QUIT, CLIENT, INFO, COMMAND, CONFIG, FUNCTION FLUSH and
 * MULTI/EXEC/DISCARD, with Redis 7.0's replies and error texts.
 *
 * @module
 */

import { ReplyError } from "../errors.ts";
import type { CommandConnection, RedisReply } from "../connection.ts";
import { commandSpecs, lookupCommand } from "../embedded/command_table.ts";
import { _NIL_ARRAY, type _ServeReply, _Status } from "./_encode_reply.ts";
import type { ClientState } from "./server.ts";

/** What the server commands know about the server. */
export interface ServerState {
  readonly connection: CommandConnection;
  readonly password: string | undefined;
  readonly port: number;
  readonly storeLabel: string;
  readonly started: number;
  clients(): readonly ClientState[];
  blockedClients(): number;
  /** CONFIG SET values the server keeps (the rest it refuses). */
  readonly config: Map<string, string>;
  /** Counters of INFO commandstats, errorstats and stats (reset by CONFIG RESETSTAT). */
  readonly stats: ServeStats;
}

/** What INFO commandstats, errorstats and stats count. */
export interface ServeStats {
  /** Per command name (lower case): calls, time in µs, failed and rejected calls. */
  commands: Map<string, { calls: number; usec: number; failed: number; rejected: number }>;
  /** Error replies by their first word (`ERR`, `WRONGTYPE`, …). */
  errors: Map<string, number>;
  /** All error replies. */
  totalErrors: number;
  /** All commands run. */
  totalCommands: number;
}

/** A fresh set of counters. */
export function newStats(): ServeStats {
  return { commands: new Map(), errors: new Map(), totalErrors: 0, totalCommands: 0 };
}

const REJECTED = /^(ERR (wrong number of arguments|unknown command|unknown subcommand)|NOAUTH)/;

/** Counts one command's reply in `stats` (Redis counts an error by its first word). */
export function countReply(
  stats: ServeStats,
  args: readonly string[],
  reply: unknown,
  usec: number,
): void {
  stats.totalCommands++;
  let name = args[0]!.toLowerCase();
  if (args.length > 1 && ["xgroup", "xinfo", "client", "config", "command"].includes(name)) {
    name = `${name}|${args[1]!.toLowerCase()}`;
  }
  let entry = stats.commands.get(name);
  if (entry === undefined) {
    entry = { calls: 0, usec: 0, failed: 0, rejected: 0 };
    stats.commands.set(name, entry);
  }
  if (reply instanceof Error) {
    const code = reply.message.split(" ", 1)[0]!;
    stats.errors.set(code, (stats.errors.get(code) ?? 0) + 1);
    stats.totalErrors++;
    if (REJECTED.test(reply.message)) {
      entry.rejected++;
      return;
    }
    entry.failed++;
  }
  entry.calls++;
  entry.usec += usec;
}

const OK = new _Status("OK");
const QUEUED = new _Status("QUEUED");

/** The commands the server answers itself, by lower-case name. */
const LOCAL = new Set([
  "auth",
  "hello",
  "select",
  "quit",
  "client",
  "info",
  "command",
  "config",
  "function",
  "multi",
  "exec",
  "discard",
  "reset",
]);

/** The settings CONFIG GET answers (read-only unless listed in SETTABLE). */
function configValues(state: ServerState): Record<string, string> {
  return {
    "databases": "1",
    "port": String(state.port),
    "bind": "",
    "save": "",
    "appendonly": "no",
    "maxmemory": "0",
    "maxclients": "10000",
    "timeout": "0",
    "proto-max-bulk-len": "67108864",
    "stream-node-max-entries": state.config.get("stream-node-max-entries") ?? "100",
    "stream-node-max-bytes": state.config.get("stream-node-max-bytes") ?? "4096",
    "cluster-enabled": "no",
    "requirepass": "",
    "slowlog-log-slower-than": "10000",
    "notify-keyspace-events": "",
  };
}

/** Settings CONFIG SET takes; the stream node sizes are passed to the store. */
const SETTABLE = new Set(["stream-node-max-entries", "stream-node-max-bytes"]);

function err(text: string): ReplyError {
  return new ReplyError(text);
}

function lower(text: string): string {
  return text.toLowerCase();
}

/**
 * Runs `args` when it is a server command (or must be refused before the
 * store: NOAUTH, MULTI queueing); `undefined` when the store should run it.
 */
export function serverCommand(
  state: ServerState,
  client: ClientState,
  args: readonly string[],
): Promise<_ServeReply> | undefined {
  const name = lower(args[0]!);
  if (!client.authenticated && name !== "auth" && name !== "hello" && name !== "quit") {
    return Promise.resolve(err("NOAUTH Authentication required."));
  }
  if (client.multi !== undefined && !["exec", "discard", "multi", "quit", "reset"].includes(name)) {
    try {
      if (!LOCAL.has(name)) lookupCommand(args);
    } catch (error) {
      client.multiFailed = true;
      return Promise.resolve(error as Error);
    }
    client.multi.push(args);
    return Promise.resolve(QUEUED);
  }
  if (!LOCAL.has(name)) return undefined;
  // An error reply, thrown or rejected, is the command's reply.
  return Promise.resolve().then(() => run(state, client, name, args)).catch((error) =>
    error instanceof Error ? error : new Error(String(error))
  );
}

function arity(name: string): ReplyError {
  return err(`ERR wrong number of arguments for '${name}' command`);
}

function run(
  state: ServerState,
  client: ClientState,
  name: string,
  args: readonly string[],
): Promise<_ServeReply> {
  const reply = (value: _ServeReply) => Promise.resolve(value);
  switch (name) {
    case "auth": {
      if (args.length < 2 || args.length > 3) throw arity("auth");
      if (state.password === undefined) {
        throw err(
          "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?",
        );
      }
      return reply(
        authenticate(state, client, args.length === 3 ? args[1]! : "default", args.at(-1)!),
      );
    }
    case "hello":
      return reply(hello(state, client, args));
    case "select": {
      if (args.length !== 2) throw arity("select");
      if (!/^-?[0-9]+$/.test(args[1]!)) throw err("ERR value is not an integer or out of range");
      if (Number(args[1]) !== 0) throw err("ERR DB index is out of range");
      return reply(OK);
    }
    case "quit":
      client.closing = true;
      return reply(OK);
    case "reset":
      client.multi = undefined;
      client.multiFailed = false;
      client.name = "";
      client.authenticated = state.password === undefined;
      return reply(new _Status("RESET"));
    case "client":
      return reply(clientCommand(state, client, args));
    case "info":
      return info(state, args.slice(1)).then((text) => text);
    case "command":
      return reply(command(args));
    case "config":
      return config(state, args);
    case "function":
      if (args.length >= 2 && lower(args[1]!) === "flush") return reply(OK);
      throw err(`ERR unknown subcommand '${args[1] ?? ""}'. Try FUNCTION HELP.`);
    case "multi":
      if (args.length !== 1) throw arity("multi");
      if (client.multi !== undefined) throw err("ERR MULTI calls can not be nested");
      client.multi = [];
      client.multiFailed = false;
      return reply(OK);
    case "discard":
      if (client.multi === undefined) throw err("ERR DISCARD without MULTI");
      client.multi = undefined;
      client.multiFailed = false;
      return reply(OK);
    case "exec":
      return exec(state, client);
  }
  throw err(`ERR unknown command '${args[0]}'`);
}

function authenticate(
  state: ServerState,
  client: ClientState,
  user: string,
  password: string,
): _ServeReply {
  if (user !== "default" || !timingSafeEqual(password, state.password ?? "")) {
    throw err("WRONGPASS invalid username-password pair or user is disabled.");
  }
  client.authenticated = true;
  return OK;
}

/** Compares two strings in time that depends only on their lengths. */
function timingSafeEqual(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

function hello(state: ServerState, client: ClientState, args: readonly string[]): _ServeReply {
  if (args.length >= 2) {
    if (!/^[0-9]+$/.test(args[1]!)) {
      throw err("ERR Protocol version is not an integer or out of range");
    }
    if (args[1] !== "2") {
      throw err(
        args[1] === "3"
          ? "NOPROTO unsupported protocol version: rstream serve speaks RESP2 only; use HELLO 2 or no HELLO"
          : "NOPROTO unsupported protocol version",
      );
    }
  }
  for (let i = 2; i < args.length; i++) {
    const opt = lower(args[i]!);
    if (opt === "auth" && i + 2 < args.length) {
      if (state.password === undefined) {
        throw err(
          "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?",
        );
      }
      authenticate(state, client, args[i + 1]!, args[i + 2]!);
      i += 2;
    } else if (opt === "setname" && i + 1 < args.length) {
      client.name = args[++i]!;
    } else {
      throw err(`ERR Syntax error in HELLO option '${args[i]}'`);
    }
  }
  if (!client.authenticated) {
    throw err(
      "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time",
    );
  }
  return [
    "server",
    "redis",
    "version",
    "7.0.15",
    "proto",
    2,
    "id",
    client.id,
    "mode",
    "standalone",
    "role",
    "master",
    "modules",
    [],
  ];
}

function clientLine(c: ClientState, now: number): string {
  return `id=${c.id} addr=${c.addr} laddr=${c.laddr} fd=0 name=${c.name} age=${
    Math.floor((now - c.since) / 1000)
  } idle=0 flags=${c.blocked ? "b" : "N"} db=0 sub=0 psub=0 ssub=0 multi=${
    c.multi === undefined ? -1 : c.multi.length
  } qbuf=0 qbuf-free=0 argv-mem=0 multi-mem=0 obl=0 oll=0 omem=0 tot-mem=0 events=r cmd=${c.lastCommand} user=default redir=-1 resp=2`;
}

function clientCommand(
  state: ServerState,
  client: ClientState,
  args: readonly string[],
): _ServeReply {
  const sub = lower(args[1] ?? "");
  const now = Date.now();
  switch (sub) {
    case "setname":
      if (args.length !== 3) throw arity("client|setname");
      if (/[\s]/.test(args[2]!) || /[^\x21-\x7e]/.test(args[2]!)) {
        throw err("ERR Client names cannot contain spaces, newlines or special characters.");
      }
      client.name = args[2]!;
      return OK;
    case "getname":
      if (args.length !== 2) throw arity("client|getname");
      return client.name === "" ? null : client.name;
    case "id":
      if (args.length !== 2) throw arity("client|id");
      return client.id;
    case "info":
      return `${clientLine(client, now)}\n`;
    case "list":
      return state.clients().map((c) => `${clientLine(c, now)}\n`).join("");
    case "setinfo":
      return OK;
    case "kill": {
      // CLIENT KILL ID n | CLIENT KILL ADDR a | CLIENT KILL addr
      const clients = state.clients();
      let killed = 0;
      for (let i = 2; i < args.length; i += 2) {
        const filter = lower(args[i]!);
        const value = args[i + 1];
        for (const c of clients) {
          if (
            (args.length === 3 && c.addr === args[2]) ||
            (filter === "id" && String(c.id) === value) ||
            (filter === "addr" && c.addr === value)
          ) {
            if (c !== client) c.close();
            else c.closing = true;
            killed++;
          }
        }
        if (args.length === 3) break;
      }
      if (args.length === 3) {
        if (killed === 0) throw err("ERR No such client");
        return OK;
      }
      return killed;
    }
    default:
      throw err(`ERR unknown subcommand '${args[1] ?? ""}'. Try CLIENT HELP.`);
  }
}

async function info(state: ServerState, sections: readonly string[]): Promise<string> {
  const wanted = new Set(sections.map(lower));
  const all = wanted.size === 0 || wanted.has("all") || wanted.has("everything") ||
    wanted.has("default");
  const keys = await state.connection.send(["DBSIZE"]) as number;
  const out: string[] = [];
  const section = (name: string, lines: Record<string, string | number>) => {
    if (!all && !wanted.has(name.toLowerCase())) return;
    out.push(`# ${name}\r\n`);
    for (const [k, v] of Object.entries(lines)) out.push(`${k}:${v}\r\n`);
    out.push("\r\n");
  };
  const uptime = Math.floor((Date.now() - state.started) / 1000);
  section("Server", {
    redis_version: "7.0.15",
    redis_mode: "standalone",
    rstream_serve: "1",
    rstream_store: state.storeLabel,
    os: Deno.build.os,
    arch_bits: 64,
    process_id: Deno.pid,
    tcp_port: state.port,
    uptime_in_seconds: uptime,
    uptime_in_days: Math.floor(uptime / 86400),
  });
  section("Clients", {
    connected_clients: state.clients().length,
    blocked_clients: state.blockedClients(),
    tracking_clients: 0,
    maxclients: 10000,
  });
  section("Persistence", {
    loading: 0,
    rdb_changes_since_last_save: 0,
    rdb_bgsave_in_progress: 0,
    rdb_last_bgsave_status: "ok",
    aof_enabled: 0,
    aof_rewrite_in_progress: 0,
    rstream_storage: state.storeLabel === "memory:" ? "memory" : "sqlite-wal",
  });
  section("Stats", {
    total_commands_processed: state.stats.totalCommands,
    total_error_replies: state.stats.totalErrors,
  });
  if (wanted.has("commandstats") || wanted.has("everything") || wanted.has("all")) {
    out.push("# Commandstats\r\n");
    for (const [name, c] of state.stats.commands) {
      out.push(
        `cmdstat_${name}:calls=${c.calls},usec=${Math.round(c.usec)},usec_per_call=${
          c.calls === 0 ? "0.00" : (c.usec / c.calls).toFixed(2)
        },rejected_calls=${c.rejected},failed_calls=${c.failed}\r\n`,
      );
    }
    out.push("\r\n");
  }
  if (wanted.has("errorstats") || wanted.has("everything") || wanted.has("all")) {
    out.push("# Errorstats\r\n");
    for (const [code, count] of state.stats.errors) {
      out.push(`errorstat_${code}:count=${count}\r\n`);
    }
    out.push("\r\n");
  }
  section("Replication", { role: "master", connected_slaves: 0 });
  section("Keyspace", keys > 0 ? { db0: `keys=${keys},expires=0,avg_ttl=0` } : {});
  return out.join("");
}

function command(args: readonly string[]): _ServeReply {
  const specs = commandSpecs().filter((s) => !s.name.includes("|"));
  const entry = (s: { name: string; arity: number; write: boolean }): RedisReply => {
    const keyless = [
      "ping",
      "echo",
      "dbsize",
      "flushdb",
      "flushall",
      "scan",
      "keys",
      "xread",
      "xreadgroup",
      "xgroup",
      "xinfo",
    ].includes(s.name);
    return [
      s.name,
      s.arity,
      [s.write ? "write" : "readonly"],
      keyless ? 0 : 1,
      keyless ? 0 : (["del", "unlink", "exists"].includes(s.name) ? -1 : 1),
      keyless ? 0 : 1,
    ];
  };
  const sub = lower(args[1] ?? "");
  if (args.length === 1) return specs.map(entry);
  if (sub === "count") return specs.length + LOCAL.size;
  if (sub === "docs") return [];
  if (sub === "list") return specs.map((s) => s.name);
  if (sub === "info") {
    return args.slice(2).map((n) => {
      const s = specs.find((x) => x.name === lower(n));
      return s === undefined ? null : entry(s);
    });
  }
  throw err(`ERR unknown subcommand '${args[1]}'. Try COMMAND HELP.`);
}

async function config(state: ServerState, args: readonly string[]): Promise<_ServeReply> {
  const sub = lower(args[1] ?? "");
  if (sub === "get") {
    if (args.length < 3) throw arity("config|get");
    const values = configValues(state);
    const out: string[] = [];
    for (const pattern of args.slice(2)) {
      const re = new RegExp(
        `^${pattern.replace(/[.+^${}()|\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`,
        "i",
      );
      for (const [k, v] of Object.entries(values)) {
        if (re.test(k) && !out.includes(k)) out.push(k, v);
      }
    }
    return out;
  }
  if (sub === "set") {
    if (args.length < 4 || args.length % 2 !== 0) throw arity("config|set");
    for (let i = 2; i < args.length; i += 2) {
      const key = lower(args[i]!);
      if (!SETTABLE.has(key)) {
        throw err(
          `ERR Unknown option or number of arguments for CONFIG SET - '${args[i]}'`,
        );
      }
      if (!/^[0-9]+$/.test(args[i + 1]!)) {
        throw err(
          `ERR CONFIG SET failed (possibly related to argument '${
            args[i]
          }') - argument couldn't be parsed into an integer`,
        );
      }
    }
    for (let i = 2; i < args.length; i += 2) {
      const key = lower(args[i]!);
      state.config.set(key, args[i + 1]!);
      await state.connection.send(["CONFIG", "SET", key, args[i + 1]!]).catch(() => null);
    }
    return OK;
  }
  if (sub === "resetstat") {
    state.stats.commands.clear();
    state.stats.errors.clear();
    state.stats.totalErrors = 0;
    state.stats.totalCommands = 0;
    return OK;
  }
  if (sub === "rewrite") return OK;
  throw err(`ERR unknown subcommand '${args[1] ?? ""}'. Try CONFIG HELP.`);
}

async function exec(state: ServerState, client: ClientState): Promise<_ServeReply> {
  const queued = client.multi;
  const failed = client.multiFailed;
  client.multi = undefined;
  client.multiFailed = false;
  if (queued === undefined) throw err("ERR EXEC without MULTI");
  if (failed) throw err("EXECABORT Transaction discarded because of previous errors.");
  const replies: _ServeReply[] = [];
  let run: (readonly string[])[] = [];
  const flush = async () => {
    if (run.length === 0) return;
    // One pipeline is one SQLite transaction (up to GROUP_LIMIT commands).
    replies.push(...await state.connection.pipeline(run));
    run = [];
  };
  for (const args of queued) {
    const name = lower(args[0]!);
    if (LOCAL.has(name)) {
      await flush();
      try {
        replies.push(await run_(state, client, name, args));
      } catch (error) {
        replies.push(error as Error);
      }
      continue;
    }
    run.push(withoutBlock(args));
  }
  await flush();
  return replies.map((r) => (r === _NIL_ARRAY ? null : r)) as RedisReply;
}

function run_(state: ServerState, client: ClientState, name: string, args: readonly string[]) {
  return run(state, client, name, args);
}

/** Inside MULTI a blocking read does not block (Redis runs it as if without BLOCK). */
function withoutBlock(args: readonly string[]): readonly string[] {
  const name = lower(args[0]!);
  if (name !== "xread" && name !== "xreadgroup") return args;
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (lower(args[i]!) === "streams") {
      out.push(...args.slice(i));
      break;
    }
    if (lower(args[i]!) === "block" && i + 1 < args.length) {
      i++;
      continue;
    }
    out.push(args[i]!);
  }
  return out;
}
