import assert from "node:assert/strict";
import { checkInteger, checkName } from "./checks.ts";

// checkInteger

Deno.test("checkInteger() returns an integer at least min", () => {
  assert.equal(checkInteger(0, "count"), 0);
  assert.equal(checkInteger(5, "count", 5), 5);
});

Deno.test("checkInteger() rejects a non-number with a TypeError showing the value", () => {
  assert.throws(() => checkInteger("10", "count"), {
    name: "TypeError",
    message: /^count must be a number, got "10"$/,
  });
  assert.throws(() => checkInteger(undefined, "count"), {
    name: "TypeError",
    message: /^count must be a number, got undefined$/,
  });
});

Deno.test("checkInteger() rejects NaN with a TypeError that says NaN", () => {
  assert.throws(() => checkInteger(NaN, "blockMs"), {
    name: "TypeError",
    message: /^blockMs must be a number, got NaN$/,
  });
});

Deno.test("checkInteger() rejects a bigint with a TypeError showing the value", () => {
  assert.throws(() => checkInteger(10n, "count"), {
    name: "TypeError",
    message: /^count must be a number, got 10n$/,
  });
});

Deno.test("checkInteger() rejects a fraction with a RangeError showing the value", () => {
  assert.throws(() => checkInteger(1.5, "count"), {
    name: "RangeError",
    message: /^count must be an integer >= 0, got 1\.5$/,
  });
});

Deno.test("checkInteger() rejects a value below min with a RangeError", () => {
  assert.throws(() => checkInteger(0, "count", 1), {
    name: "RangeError",
    message: /^count must be an integer >= 1, got 0$/,
  });
  assert.throws(() => checkInteger(-1, "maxLen"), { name: "RangeError", message: /got -1$/ });
});

Deno.test("checkInteger() rejects Infinity and unsafe integers with a RangeError", () => {
  assert.throws(() => checkInteger(Infinity, "count"), {
    name: "RangeError",
    message: /got Infinity$/,
  });
  assert.throws(() => checkInteger(2 ** 53, "count"), {
    name: "RangeError",
    message: /got 9007199254740992$/,
  });
});

// checkName

Deno.test("checkName() returns a non-empty string", () => {
  assert.equal(checkName("app:event", "Stream name"), "app:event");
});

Deno.test("checkName() rejects an empty string with a RangeError", () => {
  assert.throws(() => checkName("", "Group name"), {
    name: "RangeError",
    message: /^Group name must not be empty$/,
  });
});

Deno.test("checkName() rejects a non-string with a TypeError naming its type", () => {
  assert.throws(() => checkName(42, "Consumer name"), {
    name: "TypeError",
    message: /^Consumer name must be a string, got number$/,
  });
});
