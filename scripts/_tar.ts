/**
 * A small ustar writer and reader, enough for `deno task package`: it writes
 * the `.tar.gz` packages (directories and regular files, owner 0, sorted) and
 * reads the runtime out of an npm tarball, without starting `tar`.
 *
 * @module
 */

/** One file or directory of an archive. */
export interface TarEntry {
  /** Path inside the archive, `/`-separated; a directory's ends with `/`. */
  path: string;
  /** File contents (empty for a directory). */
  data?: Uint8Array;
  /** Permission bits (default 0o644 for files, 0o755 for directories). */
  mode?: number;
}

const BLOCK = 512;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

function writeString(header: Uint8Array, offset: number, length: number, text: string): void {
  const bytes = encoder.encode(text);
  if (bytes.length > length) throw new RangeError(`tar field too long: '${text}'`);
  header.set(bytes, offset);
}

function writeOctal(header: Uint8Array, offset: number, length: number, value: number): void {
  writeString(header, offset, length, value.toString(8).padStart(length - 1, "0") + "\0");
}

function splitPath(path: string): { name: string; prefix: string } {
  if (encoder.encode(path).length <= 100) return { name: path, prefix: "" };
  const cut = path.lastIndexOf("/", path.length - 2);
  const name = path.slice(cut + 1);
  const prefix = path.slice(0, cut);
  if (cut < 0 || encoder.encode(name).length > 100 || encoder.encode(prefix).length > 155) {
    throw new RangeError(`path too long for ustar: '${path}'`);
  }
  return { name, prefix };
}

function header(entry: TarEntry, mtime: number): Uint8Array {
  const directory = entry.path.endsWith("/");
  const block = new Uint8Array(BLOCK);
  const { name, prefix } = splitPath(entry.path);
  writeString(block, 0, 100, name);
  writeOctal(block, 100, 8, entry.mode ?? (directory ? 0o755 : 0o644));
  writeOctal(block, 108, 8, 0);
  writeOctal(block, 116, 8, 0);
  writeOctal(block, 124, 12, directory ? 0 : entry.data?.length ?? 0);
  writeOctal(block, 136, 12, mtime);
  block.fill(0x20, 148, 156); // the checksum counts its own field as spaces
  block[156] = directory ? 0x35 : 0x30; // '5' directory, '0' file
  writeString(block, 257, 6, "ustar\0");
  writeString(block, 263, 2, "00");
  writeString(block, 265, 32, "root");
  writeString(block, 297, 32, "root");
  writeString(block, 345, 155, prefix);
  const sum = block.reduce((total, byte) => total + byte, 0);
  writeString(block, 148, 8, sum.toString(8).padStart(6, "0") + "\0 ");
  return block;
}

/**
 * Writes entries, in the order given, as an uncompressed ustar archive.
 *
 * @example An archive holds its files' bytes and reads back
 * ```ts
 * import { readTar, writeTar } from "./_tar.ts";
 * import assert from "node:assert/strict";
 * const tar = writeTar([
 *   { path: "pkg/" },
 *   { path: "pkg/VERSION", data: new TextEncoder().encode("0.1.0\n") },
 * ], { mtime: 0 });
 * assert.equal(tar.length, 512 * 5);
 * const [dir, file] = readTar(tar);
 * assert.deepEqual([dir!.path, file!.path, file!.mode], ["pkg/", "pkg/VERSION", 0o644]);
 * assert.equal(new TextDecoder().decode(file!.data), "0.1.0\n");
 * ```
 */
export function writeTar(entries: readonly TarEntry[], options: { mtime: number }): Uint8Array {
  let size = 2 * BLOCK;
  for (const entry of entries) {
    size += BLOCK + Math.ceil((entry.data?.length ?? 0) / BLOCK) * BLOCK;
  }
  const out = new Uint8Array(size);
  let offset = 0;
  for (const entry of entries) {
    out.set(header(entry, options.mtime), offset);
    offset += BLOCK;
    if (entry.data && !entry.path.endsWith("/")) {
      out.set(entry.data, offset);
      offset += Math.ceil(entry.data.length / BLOCK) * BLOCK;
    }
  }
  return out;
}

function readString(block: Uint8Array, offset: number, length: number): string {
  const field = block.subarray(offset, offset + length);
  const end = field.indexOf(0);
  return decoder.decode(end < 0 ? field : field.subarray(0, end));
}

function readOctal(block: Uint8Array, offset: number, length: number): number {
  const text = readString(block, offset, length).trim();
  return text === "" ? 0 : parseInt(text, 8);
}

/**
 * Reads the directories and regular files of a ustar (or GNU/pax) archive;
 * pax and GNU long-name records are honoured, links and devices skipped.
 *
 * @example Reading back what writeTar() wrote
 * ```ts
 * import { readTar, writeTar } from "./_tar.ts";
 * import assert from "node:assert/strict";
 * const data = new Uint8Array(1000).fill(7);
 * const [entry] = readTar(writeTar([{ path: "package/deno", data, mode: 0o755 }], { mtime: 1 }));
 * assert.deepEqual([entry!.path, entry!.mode, entry!.data.length], ["package/deno", 0o755, 1000]);
 * ```
 */
export function readTar(tar: Uint8Array): { path: string; mode: number; data: Uint8Array }[] {
  const entries: { path: string; mode: number; data: Uint8Array }[] = [];
  let offset = 0;
  let longName: string | undefined;
  while (offset + BLOCK <= tar.length) {
    const block = tar.subarray(offset, offset + BLOCK);
    if (block.every((byte) => byte === 0)) break;
    const size = readOctal(block, 124, 12);
    const type = String.fromCharCode(block[156] ?? 0x30);
    const data = tar.subarray(offset + BLOCK, offset + BLOCK + size);
    offset += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
    if (type === "x") {
      const path = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(decoder.decode(data))?.[1];
      if (path !== undefined) longName = path;
      continue;
    }
    if (type === "L") {
      longName = readString(data, 0, data.length);
      continue;
    }
    const prefix = readString(block, 345, 155);
    const name = longName ?? (prefix ? `${prefix}/` : "") + readString(block, 0, 100);
    longName = undefined;
    if (type === "0" || type === "\0" || type === "5") {
      entries.push({ path: name, mode: readOctal(block, 100, 8), data });
    }
  }
  return entries;
}

/**
 * Compresses bytes with gzip (`CompressionStream`).
 *
 * @example Round trip through gzip and gunzip
 * ```ts
 * import { gunzip, gzip } from "./_tar.ts";
 * import assert from "node:assert/strict";
 * const text = "reading ".repeat(100);
 * const packed = await gzip(new TextEncoder().encode(text));
 * assert.deepEqual([packed[0], packed[1]], [0x1f, 0x8b]);
 * assert.equal(new TextDecoder().decode(await gunzip(packed)), text);
 * ```
 */
export async function gzip(data: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([data as Uint8Array<ArrayBuffer>]).stream()
    .pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/**
 * Decompresses gzip bytes (`DecompressionStream`).
 *
 * @example A gzip of nothing is nothing
 * ```ts
 * import { gunzip, gzip } from "./_tar.ts";
 * import assert from "node:assert/strict";
 * assert.equal((await gunzip(await gzip(new Uint8Array()))).length, 0);
 * ```
 */
export async function gunzip(data: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([data as Uint8Array<ArrayBuffer>]).stream()
    .pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
