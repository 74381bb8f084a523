/**
 * An error reply from the server, carrying Redis's own text (for example
 * `NOGROUP No such key 's' or consumer group 'g' in XREADGROUP with GROUP option`).
 *
 * Both backends throw it from {@linkcode CommandConnection.send}; the typed
 * store turns the well-known ones into named errors (see `errors.ts`).
 *
 * @example Read the error code
 * ```ts
 * import { ReplyError } from "@rstream/rstream";
 * const error = new ReplyError("BUSYGROUP Consumer Group name already exists");
 * console.assert(error.code === "BUSYGROUP");
 * ```
 */
export class ReplyError extends Error {
  /** The error's name, for `instanceof`-free checks. */
  override name = "ReplyError";
  /** The first word of the reply, such as `ERR`, `NOGROUP` or `WRONGTYPE`. */
  readonly code: string;
  /** Creates an error from the server's reply text. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    const space = message.indexOf(" ");
    this.code = space === -1 ? message : message.slice(0, space);
  }
}
