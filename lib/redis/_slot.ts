/**
 * Redis Cluster key slots: CRC16 (XMODEM) of the key, or of its hash tag
 * (the part between the first `{` and the next `}`, when not empty), modulo
 * 16384 — and which key a command has, in one place.
 *
 * @module
 */

/** Number of hash slots in a Redis Cluster. */
export const _SLOTS = 16384;

const TABLE = (() => {
  const table = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let crc = i << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? (crc << 1) ^ 0x1021 : crc << 1;
    table[i] = crc & 0xffff;
  }
  return table;
})();

const encoder = new TextEncoder();

function crc16(bytes: Uint8Array, start: number, end: number): number {
  let crc = 0;
  for (let i = start; i < end; i++) {
    crc = ((crc << 8) ^ TABLE[((crc >> 8) ^ bytes[i]!) & 0xff]!) & 0xffff;
  }
  return crc;
}

/** The hash slot of a key (hash tags honoured), as Redis Cluster computes it. */
export function _keySlot(key: string): number {
  const bytes = encoder.encode(key);
  const open = bytes.indexOf(0x7b); // {
  if (open !== -1) {
    const close = bytes.indexOf(0x7d, open + 1); // }
    if (close > open + 1) return crc16(bytes, open + 1, close) % _SLOTS;
  }
  return crc16(bytes, 0, bytes.length) % _SLOTS;
}

/** Commands whose key is their third word (`XGROUP CREATE key …`, `XINFO STREAM key`). */
const CONTAINERS = new Set(["XGROUP", "XINFO", "OBJECT", "MEMORY"]);

/** Commands without a key: they go to any master (or, for WAIT, where the previous command went). */
const KEYLESS = new Set([
  "PING",
  "ECHO",
  "INFO",
  "SCAN",
  "DBSIZE",
  "CLUSTER",
  "WAIT",
  "CLIENT",
  "COMMAND",
  "CONFIG",
  "TIME",
  "FLUSHALL",
  "FLUSHDB",
  "KEYS",
  "RANDOMKEY",
  "SELECT",
  "AUTH",
  "HELLO",
  "ASKING",
  "READONLY",
  "LASTSAVE",
  "ROLE",
  "ACL",
  "MULTI",
  "EXEC",
  "DISCARD",
]);

/**
 * The keys a command names: the streams after `STREAMS` for XREAD/XREADGROUP
 * (the first half of what follows it), the third word for XGROUP/XINFO
 * subcommands, none for server commands, else the second word.
 */
export function _commandKeys(args: readonly string[]): string[] {
  const name = args[0]?.toUpperCase() ?? "";
  if (name === "XREAD" || name === "XREADGROUP") {
    const at = _streamsIndex(args);
    if (at === -1) return [];
    return args.slice(at + 1, at + 1 + Math.floor((args.length - at - 1) / 2));
  }
  if (KEYLESS.has(name)) return [];
  if (CONTAINERS.has(name)) {
    const sub = args[1]?.toUpperCase();
    if (sub === "HELP" || args.length < 3) return [];
    return [args[2]!];
  }
  return args.length > 1 ? [args[1]!] : [];
}

/**
 * Where the STREAMS keyword of an XREAD/XREADGROUP is (-1 when absent),
 * skipping option values: a group, consumer or count named "streams" is not it.
 */
export function _streamsIndex(args: readonly string[]): number {
  for (let i = 1; i < args.length; i++) {
    const word = args[i]!.toUpperCase();
    if (word === "STREAMS") return i;
    if (word === "GROUP") i += 2;
    else if (word === "COUNT" || word === "BLOCK") i++;
  }
  return -1;
}
