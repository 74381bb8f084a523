/**
 * Colors, through Node's built-in `util.styleText` (no dependency; it never
 * reads the environment when told not to validate the stream). Whether to
 * color is decided once, by the caller (`--no-color`, `NO_COLOR`, TTY).
 *
 * @module
 */

import { styleText } from "node:util";

type Format = Parameters<typeof styleText>[0];

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
    color ? styleText(format, text, { validateStream: false }) : text;
  return {
    head: make("bold"),
    id: make("cyan"),
    dim: make("dim"),
    field: make("yellow"),
    error: make("red"),
    warn: make("magenta"),
  };
}
