import assert from "node:assert/strict";
import { dirname } from "node:path";
import { parentDir } from "./_parent_dir.ts";

Deno.test("parentDir() agrees with node:path dirname() on POSIX paths", () => {
  for (const path of ["a.db", "./a.db", ".rstream/streams.db", "/tmp/x/y.db", "/y.db", "a/b/c"]) {
    assert.equal(parentDir(path), dirname(path), path);
  }
});

Deno.test("parentDir() reads Windows separators and drive roots", () => {
  assert.equal(parentDir("C:\\data\\streams.db"), "C:\\data");
  assert.equal(parentDir("C:\\streams.db"), "C:\\");
  assert.equal(parentDir(".rstream\\spool.db"), ".rstream");
});
