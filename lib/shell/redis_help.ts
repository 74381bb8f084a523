/**
 * `help XADD` and `help @stream`, as redis-cli answers them: the Redis
 * syntax of each stream command, what it does, and the shell command that
 * does the same. Also the hint for a Redis command that is not a stream
 * command (`GET k` → `raw GET k`).
 *
 * @module
 */

/** A stream command's Redis syntax, summary and the shell's equivalent. */
interface RedisCommandHelp {
  syntax: string;
  summary: string;
  shell?: string;
}

const HELP: Record<string, RedisCommandHelp> = {
  XACK: { syntax: "key group id [id ...]", summary: "acknowledge pending entries", shell: "ack" },
  XADD: {
    syntax:
      "key [NOMKSTREAM] [<MAXLEN | MINID> [= | ~] threshold [LIMIT count]] <* | id> field value [field value ...]",
    summary: "append an entry to a stream",
    shell: "add",
  },
  XAUTOCLAIM: {
    syntax: "key group consumer min-idle-time start [COUNT count] [JUSTID]",
    summary: "claim idle pending entries, scanning from start",
    shell: "autoclaim",
  },
  XCLAIM: {
    syntax:
      "key group consumer min-idle-time id [id ...] [IDLE ms] [TIME unix-time-milliseconds] [RETRYCOUNT count] [FORCE] [JUSTID] [LASTID lastid]",
    summary: "take over pending entries",
    shell: "claim",
  },
  XDEL: { syntax: "key id [id ...]", summary: "delete entries", shell: "del" },
  XGROUP: {
    syntax:
      "CREATE key group <id | $> [MKSTREAM] [ENTRIESREAD n] | SETID key group <id | $> | DESTROY key group | CREATECONSUMER key group consumer | DELCONSUMER key group consumer",
    summary: "manage consumer groups",
    shell: "group create|setid|destroy|createconsumer|delconsumer",
  },
  XINFO: {
    syntax: "STREAM key [FULL [COUNT count]] | GROUPS key | CONSUMERS key group",
    summary: "stream, group and consumer information",
    shell: "info, groups, consumers",
  },
  XLEN: { syntax: "key", summary: "the number of entries", shell: "len" },
  XPENDING: {
    syntax: "key group [[IDLE min-idle-time] start end count [consumer]]",
    summary: "the pending entries of a group",
    shell: "pending",
  },
  XRANGE: {
    syntax: "key start end [COUNT count]",
    summary: "entries between two IDs",
    shell: "range",
  },
  XREAD: {
    syntax: "[COUNT count] [BLOCK milliseconds] STREAMS key [key ...] id [id ...]",
    summary: "read entries after IDs, optionally waiting",
    shell: "tail",
  },
  XREADGROUP: {
    syntax:
      "GROUP group consumer [COUNT count] [BLOCK milliseconds] [NOACK] STREAMS key [key ...] id [id ...]",
    summary: "read entries through a consumer group",
    shell: "readgroup",
  },
  XREVRANGE: {
    syntax: "key end start [COUNT count]",
    summary: "entries between two IDs, newest first",
    shell: "range --rev",
  },
  XSETID: {
    syntax: "key last-id [ENTRIESADDED entries-added] [MAXDELETEDID max-deleted-id]",
    summary: "set the stream's last ID",
    shell: "setid",
  },
  XTRIM: {
    syntax: "key <MAXLEN | MINID> [= | ~] threshold [LIMIT count]",
    summary: "evict old entries",
    shell: "trim",
  },
};

/**
 * redis-cli's `help COMMAND` text for a stream command, or `undefined`.
 *
 * @example help XLEN, as redis-cli prints it
 * ```ts
 * import { redisCommandHelp } from "./redis_help.ts";
 * import assert from "node:assert/strict";
 * assert.equal(
 *   redisCommandHelp("xlen"),
 *   "\n  XLEN key\n  summary: the number of entries\n  group: stream\n  shell: len\n\n",
 * );
 * assert.equal(redisCommandHelp("GET"), undefined);
 * ```
 */
export function redisCommandHelp(name: string): string | undefined {
  const upper = name.toUpperCase();
  const help = HELP[upper];
  if (!help) return undefined;
  return `\n  ${upper} ${help.syntax}\n  summary: ${help.summary}\n  group: stream\n${
    help.shell ? `  shell: ${help.shell}\n` : ""
  }\n`;
}

/**
 * redis-cli's `help @stream`: every stream command's syntax and summary.
 *
 * @example Starts with XACK
 * ```ts
 * import { redisGroupHelp } from "./redis_help.ts";
 * import assert from "node:assert/strict";
 * assert.ok(redisGroupHelp().startsWith("\n  XACK key group id [id ...]\n"));
 * ```
 */
export function redisGroupHelp(): string {
  return Object.keys(HELP).map((name) => redisCommandHelp(name)!).join("");
}

/** Commands of Redis that are not stream commands, which `raw` sends as is. */
const OTHER_REDIS_COMMANDS = new Set(
  ("APPEND AUTH BITCOUNT BLPOP BRPOP CLIENT CLUSTER CONFIG COPY DBSIZE DECR DECRBY DEL DUMP ECHO " +
    "EVAL EVALSHA EXISTS EXPIRE EXPIREAT FLUSHALL FLUSHDB FUNCTION GEOADD GET GETDEL GETEX " +
    "GETRANGE GETSET HDEL HELLO HEXISTS HGET HGETALL HINCRBY HKEYS HLEN HMGET HMSET HSET HVALS " +
    "INCR INCRBY INFO KEYS LINDEX LLEN LPOP LPUSH LRANGE LREM LSET MEMORY MGET MONITOR MSET " +
    "OBJECT PERSIST PEXPIRE PFADD PFCOUNT PING PSUBSCRIBE PTTL PUBLISH RANDOMKEY RENAME RPOP RPUSH " +
    "SADD SCAN SCARD SCRIPT SELECT SET SETEX SETNX SINTER SISMEMBER SLOWLOG SMEMBERS SPOP SREM " +
    "STRLEN SUBSCRIBE TIME TTL TYPE UNLINK WAIT ZADD ZCARD ZCOUNT ZINCRBY ZRANGE ZRANK ZREM " +
    "ZREVRANGE ZSCORE")
    .split(" "),
);

/**
 * Whether a word names a Redis command that is not a stream command
 * (`GET`, `hgetall`), so the shell can point to `raw`.
 *
 * @example GET is Redis, lne is a typo
 * ```ts
 * import { isOtherRedisCommand } from "./redis_help.ts";
 * import assert from "node:assert/strict";
 * assert.equal(isOtherRedisCommand("get"), true);
 * assert.equal(isOtherRedisCommand("lne"), false);
 * ```
 */
export function isOtherRedisCommand(word: string): boolean {
  return OTHER_REDIS_COMMANDS.has(word.toUpperCase());
}
