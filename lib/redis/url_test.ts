import assert from "node:assert/strict";
import { errorText } from "../errors.ts";
import { checkRedisUrl } from "./url.ts";

Deno.test("checkRedisUrl() refuses a URL with no host instead of meaning 127.0.0.1", () => {
  assert.throws(() => checkRedisUrl("redis://"), {
    name: "TypeError",
    message: "Invalid Redis URL 'redis://': no host; give one, as in redis://127.0.0.1:6379",
  });
});

Deno.test("checkRedisUrl() names a bad percent-encoding in the password, without the password", () => {
  assert.throws(() => checkRedisUrl("redis://:pw%zz@db.example:6379"), (error: Error) => {
    assert.equal(
      errorText(error),
      "Invalid Redis URL 'redis://db.example:6379': a '%' in the user or password is not followed by two hex digits; write a literal % as %25",
    );
    return !error.message.includes("pw");
  });
});

Deno.test("checkRedisUrl()'s hint for a malformed URL survives the redaction of printed lines", () => {
  assert.throws(() => checkRedisUrl("redis://default:pw@127.0.0.1:notaport"), (error: Error) => {
    assert.equal(
      errorText(error),
      "Invalid Redis URL 'redis://127.0.0.1:notaport': expected one like redis://127.0.0.1:6379/0, with a user and password (percent-encoded) before the host",
    );
    return true;
  });
});
