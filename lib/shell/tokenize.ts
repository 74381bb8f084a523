/**
 * Splitting a command line into arguments the way redis-cli does
 * (`sdssplitargs`): words separated by blanks; `"…"` with `\n`, `\t`, `\xHH`
 * and `\<char>` escapes; `'…'` with only `\'`. `$`, `*`, `>` and `-` are plain
 * characters (they are stream IDs here), which is why a POSIX-shell
 * tokenizer does not fit.
 *
 * @module
 */

/** A quote was opened and never closed, or a closing quote is glued to more text. */
export class UnbalancedQuoteError extends Error {
  override name = "UnbalancedQuoteError";
}

/** What {@linkcode scanLine} found: the complete words, and the word being typed at the end. */
export interface ScannedLine {
  /** The complete words before the last one. */
  words: string[];
  /** The last word, decoded so far (`""` when the line ends with a blank). */
  partial: string;
  /** Where the last word starts in the line (its raw text is `line.slice(partialStart)`). */
  partialStart: number;
  /** The quote still open at the end of the line, if any. */
  openQuote?: '"' | "'";
}

const ESCAPES: Record<string, string> = { n: "\n", r: "\r", t: "\t", b: "\b", a: "\x07" };

/**
 * Scans a line leniently (for completion): never throws; an open quote is
 * reported in `openQuote`.
 */
export function scanLine(line: string): ScannedLine {
  const words: string[] = [];
  let i = 0;
  for (;;) {
    while (i < line.length && /\s/.test(line[i])) i++;
    const start = i;
    if (i >= line.length) return { words, partial: "", partialStart: start };
    let word = "";
    let quote: '"' | "'" | undefined;
    let done = false;
    while (!done) {
      if (i >= line.length) {
        return {
          words,
          partial: word,
          partialStart: start,
          ...(quote ? { openQuote: quote } : {}),
        };
      }
      const c = line[i];
      if (quote === '"') {
        if (
          c === "\\" && line[i + 1] === "x" && /^[0-9a-fA-F]{2}$/.test(line.slice(i + 2, i + 4))
        ) {
          word += String.fromCharCode(parseInt(line.slice(i + 2, i + 4), 16));
          i += 4;
        } else if (c === "\\" && i + 1 < line.length) {
          word += ESCAPES[line[i + 1]] ?? line[i + 1];
          i += 2;
        } else if (c === '"') {
          quote = undefined;
          i++;
          if (i < line.length && !/\s/.test(line[i])) {
            throw new UnbalancedQuoteError(
              `closing quote must be followed by a space, at column ${i + 1}`,
            );
          }
        } else {
          word += c;
          i++;
        }
      } else if (quote === "'") {
        if (c === "\\" && line[i + 1] === "'") {
          word += "'";
          i += 2;
        } else if (c === "'") {
          quote = undefined;
          i++;
          if (i < line.length && !/\s/.test(line[i])) {
            throw new UnbalancedQuoteError(
              `closing quote must be followed by a space, at column ${i + 1}`,
            );
          }
        } else {
          word += c;
          i++;
        }
      } else if (/\s/.test(c)) {
        done = true;
      } else if (c === '"' || c === "'") {
        quote = c;
        i++;
      } else {
        word += c;
        i++;
      }
    }
    words.push(word);
  }
}

/**
 * Splits a command line into arguments, as redis-cli does.
 *
 * @example Quotes keep spaces; `$` and `*` stay as typed
 * ```ts
 * import { splitArgs } from "./tokenize.ts";
 * import assert from "node:assert/strict";
 * const args = splitArgs(`add app:event note="it's hot" temp=0.4 --id '*'`);
 * assert.equal(args.join("|"), "add|app:event|note=it's hot|temp=0.4|--id|*");
 * ```
 *
 * @throws {UnbalancedQuoteError} for an unterminated quote or a closing quote glued to text.
 */
export function splitArgs(line: string): string[] {
  const scanned = scanLine(line);
  if (scanned.openQuote) {
    throw new UnbalancedQuoteError(
      `unterminated ${scanned.openQuote === '"' ? "double" : "single"} quote starting at column ${
        scanned.partialStart + 1
      }`,
    );
  }
  return line.slice(scanned.partialStart).trim() === ""
    ? scanned.words
    : [...scanned.words, scanned.partial];
}

/** Quotes a word for display or completion when it needs it (blanks, quotes, empty). */
export function quoteArg(word: string): string {
  if (word !== "" && !/[\s"'\\]/.test(word)) return word;
  return `"${
    word.replace(/[\\"]/g, (c) => `\\${c}`).replace(/\n/g, "\\n").replace(/\t/g, "\\t")
      .replace(/\r/g, "\\r")
  }"`;
}
