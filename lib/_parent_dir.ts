/**
 * The directory part of a file path, without loading `node:path` (which
 * starts Deno's Node compatibility layer: ~10 ms of start-up for one
 * function).
 *
 * @module
 */

/** The directory of `path` (`.` for a bare file name); `/` and `\` both separate. */
export function parentDir(path: string): string {
  const cut = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  if (cut === -1) return ".";
  if (cut === 0) return path[0]!;
  if (cut === 2 && /^[A-Za-z]:/.test(path)) return path.slice(0, 3); // C:\file
  return path.slice(0, cut);
}
