/**
 * The soak's floor: a script that does nothing but stay alive, so that its
 * RSS is what `deno run` itself takes with the same flags.
 *
 *   deno run FLAGS bench/_idle.ts MS
 *
 * @module
 */

setTimeout(() => {}, Number(Deno.args[0]));
