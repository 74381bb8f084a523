/**
 * Prints a store URL without its credentials.
 *
 * @example Passwords never reach output
 * ```ts
 * import { redactUrl } from "@rstream/rstream";
 * console.assert(redactUrl("redis://app:s3cret@db.example:6379/2") === "redis://db.example:6379/2");
 * ```
 */
export function redactUrl(url: string): string {
  // The userinfo ends at the last `@` before the path, as URL parsers read it, so a
  // password holding a raw `@` is dropped whole.
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i, "$1");
}

/** Replaces every occurrence of `secret` in `text` with `***`. */
export function scrubSecret(text: string, secret: string | undefined): string {
  return secret ? text.split(secret).join("***") : text;
}
