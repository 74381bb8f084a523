/**
 * The `top` command: a live view redrawn every second until Ctrl-C.
 *
 * @module
 */

import { arg, flag } from "./_input.ts";
import type { CommandSpec } from "./command_spec.ts";
import { styleFor } from "./style.ts";
import { renderTop, takeSnapshot, type TopSnapshot } from "./top.ts";
import { abortableSleep } from "../backoff.ts";

/** Clears the terminal and moves the cursor home. */
const CLEAR = "\x1b[H\x1b[2J";

/** `top [PATTERN] [--once]`. */
export const topCommand: CommandSpec = {
  name: "top",
  summary: "live view of streams, groups and consumers, redrawn every second until Ctrl-C",
  args: [{
    name: "pattern",
    kind: "pattern",
    optional: true,
    description: "glob of stream keys (default *)",
  }],
  options: [{ name: "once", description: "print one frame (with --json: one snapshot) and stop" }],
  examples: ["top", "top 'app:*'", "top --once --json"],
  run: async ({ session, signal }, input) => {
    const pattern = arg(input, 0);
    const store = await session.store();
    const style = styleFor(session.color);
    const once = flag(input, "once");
    const render = (current: TopSnapshot, previous?: TopSnapshot) =>
      renderTop(current, previous, {
        style,
        storeLabel: session.storeLabel,
        once,
        ...(pattern !== undefined ? { pattern } : {}),
      });
    if (once) {
      const snapshot = await takeSnapshot(store, pattern !== undefined ? { pattern } : {});
      session.out.write(
        session.format === "json" ? JSON.stringify(snapshot) + "\n" : render(snapshot),
      );
      return;
    }
    let previous: TopSnapshot | undefined;
    while (!signal.aborted) {
      const snapshot = await takeSnapshot(store, pattern !== undefined ? { pattern } : {});
      if (signal.aborted) break;
      if (session.format === "json") session.out.write(JSON.stringify(snapshot) + "\n");
      else {session.out.write(
          (session.format === "table" ? CLEAR : "\n") + render(snapshot, previous),
        );}
      previous = snapshot;
      await abortableSleep(1000, signal);
    }
  },
};
