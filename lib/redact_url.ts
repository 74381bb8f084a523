/**
 * Prints a store URL without its credentials.
 *
 * @example Passwords never reach output
 * ```ts
 * import { redactUrl } from "@rstream/rstream";
 * import assert from "node:assert/strict";
 * assert.equal(redactUrl("redis://app:s3cret@db.example:6379/2"), "redis://db.example:6379/2");
 * ```
 */
export function redactUrl(url: string): string {
  // Everything between the scheme and the LAST `@` goes: a password may hold
  // raw `@`, `/`, `?` or `#` (base64 passwords hold `/`), and a malformed URL
  // (`redis:user:pw@host`, `redis//…`) must not print it either.
  if (/^(file|memory):/i.test(url)) return url; // paths, no credentials: an `@` there stays
  return url.replace(/^([a-z][a-z0-9+.-]*:?(?:\/\/?)?)[^]*@/i, "$1");
}

/** Replaces every occurrence of `secret` in `text` with `***`. */
export function scrubSecret(text: string, secret: string | undefined): string {
  return secret ? text.split(secret).join("***") : text;
}
