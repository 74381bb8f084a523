import assert from "node:assert/strict";
import fc from "fast-check";
import { redactUrl, scrubSecret } from "./redact_url.ts";

Deno.test("redactUrl() drops user and password", () => {
  assert.equal(redactUrl("redis://app:s3cret@db.example:6379/2"), "redis://db.example:6379/2");
});

Deno.test("redactUrl() drops a password without a user", () => {
  assert.equal(redactUrl("rediss://:s3cret@db.example:6380"), "rediss://db.example:6380");
});

Deno.test("redactUrl() drops a user without a password", () => {
  assert.equal(redactUrl("redis://app@localhost/0"), "redis://localhost/0");
});

Deno.test("redactUrl() drops the whole of a password holding a raw @", () => {
  // URL parsers end the userinfo at the last @, so "p@ss" is the password here.
  assert.equal(redactUrl("redis://app:p@ss@localhost:6379/0"), "redis://localhost:6379/0");
});

Deno.test("redactUrl() matches the scheme case-insensitively", () => {
  assert.equal(redactUrl("REDIS://app:s3cret@localhost"), "REDIS://localhost");
});

Deno.test("redactUrl() leaves a URL without credentials unchanged", () => {
  for (const url of ["redis://localhost:6379/0", "file:./.rstream/streams.db", "memory:"]) {
    assert.equal(redactUrl(url), url);
  }
});

Deno.test("redactUrl() leaves an @ in the path alone", () => {
  assert.equal(redactUrl("file:///home/me/@work/streams.db"), "file:///home/me/@work/streams.db");
});

Deno.test("redactUrl() never leaves a URL-encoded password in its output", () => {
  const text = fc.string({ unit: "grapheme", maxLength: 20 });
  fc.assert(
    fc.property(
      text,
      fc.string({ unit: "grapheme", minLength: 1, maxLength: 20 }),
      (user, password) => {
        const userinfo = `${encodeURIComponent(user)}:${encodeURIComponent(password)}@`;
        const output = redactUrl(`redis://${userinfo}db.example:6379/0`);
        assert.equal(output, "redis://db.example:6379/0");
        assert.ok(!output.includes(userinfo));
      },
    ),
    { numRuns: 200 },
  );
});

Deno.test("redactUrl() drops a raw password the URL parser reads as userinfo", () => {
  // Any password without / ? # is userinfo to the URL parser, @ and : included.
  const raw = fc.string({ unit: "grapheme-ascii", minLength: 1, maxLength: 20 })
    .filter((s) => !/[/?#]/.test(s));
  fc.assert(
    fc.property(raw, (password) => {
      const url = `redis://app:${password}@db.example:6379/0`;
      assert.equal(new URL(url).hostname, "db.example");
      assert.equal(redactUrl(url), "redis://db.example:6379/0");
    }),
    { numRuns: 200 },
  );
});

Deno.test("scrubSecret() replaces every occurrence of the secret", () => {
  assert.equal(scrubSecret("pw s3cret and s3cret", "s3cret"), "pw *** and ***");
});

Deno.test("scrubSecret() leaves the text alone without a secret", () => {
  assert.equal(scrubSecret("nothing to hide", undefined), "nothing to hide");
  assert.equal(scrubSecret("nothing to hide", ""), "nothing to hide");
});

Deno.test("redactUrl() drops passwords holding '/', '?', '#' or '@', and in malformed URLs", () => {
  const cases: [string, string][] = [
    ["redis://default:ab/cd+ef==@host:6379/0", "redis://host:6379/0"],
    ["redis://u:p?q#r@host", "redis://host"],
    ["redis://u:a@b@host/1", "redis://host/1"],
    ["redis:user:s3cret@host", "redis:host"],
    ["redis//user:s3cret@host", "redis//host"],
    ["rediss:/user:s3cret@host", "rediss:/host"],
  ];
  for (const [url, shown] of cases) assert.equal(redactUrl(url), shown);
});
