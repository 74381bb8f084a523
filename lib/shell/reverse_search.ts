/**
 * Ctrl-R reverse history search for the shell, which node:readline lacks:
 * the search state (pure, tested without a terminal) and a small keypress
 * hook on a readline interface that shows `(reverse-i-search)'QUERY': MATCH`
 * the way bash and redis-cli do.
 *
 * Keys while searching: typing narrows the query, Backspace widens it,
 * Ctrl-R finds the next older match, Enter runs the match, Esc or an arrow
 * key puts the match on the line for editing, Ctrl-G or Ctrl-C gives up.
 *
 * @module
 */

/**
 * The state of one reverse search over a history (newest first, as readline keeps it).
 *
 * @example Find the last `len` typed
 * ```ts
 * import { ReverseSearch } from "./reverse_search.ts";
 * import assert from "node:assert/strict";
 * const search = new ReverseSearch(["range s", "len s"]);
 * search.type("len");
 * assert.equal(search.prompt() + search.match, "(reverse-i-search)'len': len s");
 * ```
 */
export class ReverseSearch {
  #history: readonly string[];
  #query = "";
  #at = -1;

  /** Starts a search over `history`, newest entry first. */
  constructor(history: readonly string[]) {
    this.#history = history;
  }

  /** What was typed so far. */
  get query(): string {
    return this.#query;
  }

  /** The entry found, or `""` when none (yet). */
  get match(): string {
    return this.#at >= 0 ? this.#history[this.#at] : "";
  }

  /** Whether the query has no match (bash says `failed reverse-i-search`). */
  get failed(): boolean {
    return this.#query !== "" && this.#at < 0;
  }

  /** The prompt shown while searching. */
  prompt(): string {
    return `(${this.failed ? "failed " : ""}reverse-i-search)'${this.#query}': `;
  }

  #find(from: number): number {
    for (let i = Math.max(0, from); i < this.#history.length; i++) {
      if (this.#history[i].includes(this.#query)) return i;
    }
    return -1;
  }

  /**
   * Adds typed text to the query; the match stays when it still contains it.
   *
   * @example Narrow, then step to older matches
   * ```ts
   * import { ReverseSearch } from "./reverse_search.ts";
   * import assert from "node:assert/strict";
   * const search = new ReverseSearch(["len app:event", "range app:event", "len s"]);
   * search.type("len");
   * assert.equal(search.match, "len app:event");
   * search.older();
   * assert.equal(search.match, "len s");
   * search.type("x");
   * assert.equal(search.prompt(), "(failed reverse-i-search)'lenx': ");
   * ```
   */
  type(text: string): void {
    this.#query += text;
    this.#at = this.#find(this.#at < 0 ? 0 : this.#at);
  }

  /** Removes the query's last character and searches again from the newest entry. */
  backspace(): void {
    this.#query = [...this.#query].slice(0, -1).join("");
    this.#at = this.#query === "" ? -1 : this.#find(0);
  }

  /** Moves to the next older entry that matches (Ctrl-R again); stays when there is none. */
  older(): void {
    if (this.#query === "") return;
    const next = this.#find(this.#at + 1);
    if (next >= 0) this.#at = next;
  }
}

/**
 * A keypress as node:readline's `emitKeypressEvents` describes it.
 *
 * @example Ctrl-R
 * ```ts
 * import { type Key, searchAction } from "./reverse_search.ts";
 * import assert from "node:assert/strict";
 * const ctrlR: Key = { name: "r", ctrl: true };
 * assert.equal(searchAction("\x12", ctrlR), "older");
 * ```
 */
export interface Key {
  /** `r`, `return`, `backspace`, `escape`, `up`, … */
  name?: string;
  /** Ctrl held. */
  ctrl?: boolean;
  /** Alt/Meta held. */
  meta?: boolean;
}

/**
 * What a key does during a search.
 *
 * @example Enter runs the match
 * ```ts
 * import { type SearchAction, searchAction } from "./reverse_search.ts";
 * import assert from "node:assert/strict";
 * const action: SearchAction = searchAction("\r", { name: "return" });
 * assert.equal(action, "run");
 * ```
 */
export type SearchAction = "older" | "backspace" | "type" | "run" | "edit" | "cancel" | "ignore";

/**
 * What a key means while a search is open.
 *
 * @example Keys during a search
 * ```ts
 * import { searchAction } from "./reverse_search.ts";
 * import assert from "node:assert/strict";
 * assert.equal(searchAction("\x12", { name: "r", ctrl: true }), "older");
 * assert.equal(searchAction("a", { name: "a" }), "type");
 * assert.equal(searchAction("\r", { name: "return" }), "run");
 * assert.equal(searchAction(undefined, { name: "left" }), "edit");
 * assert.equal(searchAction("\x07", { name: "g", ctrl: true }), "cancel");
 * ```
 */
export function searchAction(text: string | undefined, key: Key | undefined): SearchAction {
  const name = key?.name;
  if (key?.ctrl && name === "r") return "older";
  if (key?.ctrl && (name === "g" || name === "c")) return "cancel";
  if (name === "return" || name === "enter") return "run";
  if (name === "backspace") return "backspace";
  if (
    name === "escape" || name === "left" || name === "right" || name === "up" ||
    name === "down" || name === "home" || name === "end" || name === "tab" || key?.ctrl ||
    key?.meta
  ) {
    return "edit";
  }
  // deno-lint-ignore no-control-regex
  if (text !== undefined && text !== "" && !/[\x00-\x1f\x7f]/.test(text)) return "type";
  return "ignore";
}

/** The readline internals the hook uses (present in Node's and Deno's node:readline). */
interface ReadlineInternals {
  line: string;
  cursor: number;
  getPrompt(): string;
  setPrompt(prompt: string): void;
  [key: symbol]: unknown;
}

function methodSymbol(rl: object, description: string): symbol | undefined {
  for (let proto = Object.getPrototypeOf(rl); proto; proto = Object.getPrototypeOf(proto)) {
    const found = Object.getOwnPropertySymbols(proto).find((s) => s.description === description);
    if (found) return found;
  }
  return undefined;
}

/**
 * Adds Ctrl-R reverse search to a node:readline interface, searching
 * `history()` (newest first). Returns `false`, changing nothing, when this
 * readline does not have the internals it hooks into.
 *
 * @example Hooked into a readline interface (the tmux tests drive it with keys)
 * ```ts
 * import { installReverseSearch } from "./reverse_search.ts";
 * import * as readline from "node:readline";
 * import { PassThrough } from "node:stream";
 * import assert from "node:assert/strict";
 * const rl = readline.createInterface({ input: new PassThrough(), output: new PassThrough(), terminal: true });
 * assert.equal(installReverseSearch(rl, () => ["len s"]), true);
 * assert.equal(installReverseSearch({}, () => []), false);
 * rl.close();
 * ```
 */
export function installReverseSearch(rl: object, history: () => readonly string[]): boolean {
  const ttyWrite = methodSymbol(rl, "_ttyWrite");
  const refresh = methodSymbol(rl, "_refreshLine");
  const r = rl as ReadlineInternals;
  if (!ttyWrite || !refresh || typeof r[ttyWrite] !== "function") return false;
  const original = (r[ttyWrite] as (s: string | undefined, key: Key | undefined) => void).bind(rl);
  const redraw = () => (r[refresh] as () => void).call(rl);
  let search: ReverseSearch | undefined;
  let savedPrompt = "";
  const show = () => {
    r.setPrompt(search!.prompt());
    r.line = search!.match;
    r.cursor = r.line.length;
    redraw();
  };
  const leave = (line: string) => {
    search = undefined;
    r.setPrompt(savedPrompt);
    r.line = line;
    r.cursor = line.length;
    redraw();
  };
  const hook = (text: string | undefined, key: Key | undefined) => {
    if (!search) {
      if (key?.ctrl && key.name === "r" && !key.meta) {
        savedPrompt = r.getPrompt();
        search = new ReverseSearch(history());
        return show();
      }
      return original(text, key);
    }
    const current = search;
    switch (searchAction(text, key)) {
      case "older":
        current.older();
        return show();
      case "backspace":
        current.backspace();
        return show();
      case "type":
        current.type(text!);
        return show();
      case "cancel":
        return leave("");
      case "run":
        leave(current.match);
        return original(text, key);
      case "edit":
        leave(current.match);
        return key?.name === "escape" ? undefined : original(text, key);
      case "ignore":
        return;
    }
  };
  try {
    // An own property shadows the prototype's (a getter in some readline versions).
    Object.defineProperty(rl, ttyWrite, { value: hook, writable: true, configurable: true });
  } catch {
    return false;
  }
  return true;
}
