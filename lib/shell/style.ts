/**
 * Colors as plain SGR escape codes, the ones `node:util`'s `styleText`
 * writes (no dependency, and no `node:util` to load on a one-shot command).
 * Whether to color is decided once, by the caller (`--no-color`, `NO_COLOR`, TTY).
 *
 * @module
 */

/** SGR open and close codes, as `styleText` uses them. */
const CODES = {
  bold: [1, 22],
  cyan: [36, 39],
  dim: [2, 22],
  yellow: [33, 39],
  red: [31, 39],
  magenta: [35, 39],
} as const;

type Format = keyof typeof CODES;

/** Styling functions; identity functions when colors are off. */
export interface Style {
  /** Table headers, command names. */
  head(text: string): string;
  /** Stream IDs. */
  id(text: string): string;
  /** Times, secondary text. */
  dim(text: string): string;
  /** Field names. */
  field(text: string): string;
  /** Errors. */
  error(text: string): string;
  /** Warnings, values that need attention (lag, old pending). */
  warn(text: string): string;
}

/** Returns the styling functions, colored or not. */
export function styleFor(color: boolean): Style {
  const make = (format: Format) => (text: string) =>
    color ? `\x1b[${CODES[format][0]}m${text}\x1b[${CODES[format][1]}m` : text;
  return {
    head: make("bold"),
    id: make("cyan"),
    dim: make("dim"),
    field: make("yellow"),
    error: make("red"),
    warn: make("magenta"),
  };
}
