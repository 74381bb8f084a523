import assert from "node:assert/strict";
import { savable, saveHistory } from "./history.ts";

Deno.test("savable() keeps ordinary lines and drops every line that carries a password", () => {
  for (const line of ["range app:event", "add s temp=0.4", "XADD s * author bob"]) {
    assert.equal(savable(line), true, line);
  }
  for (
    const line of [
      "",
      "raw AUTH app s3cret",
      "raw HELLO 3 AUTH app s3cret",
      "raw ACL SETUSER app on >s3cret",
      "raw CONFIG SET requirepass s3cret",
      "raw CONFIG SET masterauth s3cret",
      "raw MIGRATE h 6379 k 0 100 AUTH2 u s3cret",
      "raw OBJECT x redis://u:s3cret@h",
      "raw OBJECT x redis:u:pa/ss@h",
    ]
  ) {
    assert.equal(savable(line), false, line);
  }
});

Deno.test("saveHistory() writes a file only its owner can read", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/history`;
    await Deno.writeTextFile(path, "old\n", { mode: 0o644 });
    saveHistory(path, ["len s", "raw AUTH u s3cret"]);
    assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
    assert.equal(await Deno.readTextFile(path), "len s\n");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
