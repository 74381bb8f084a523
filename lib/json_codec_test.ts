import assert from "node:assert/strict";
import { createJsonCodec } from "./json_codec.ts";

interface Reading {
  temp: number;
}

function isReading(value: unknown): value is Reading {
  return typeof value === "object" && value !== null &&
    typeof (value as { temp?: unknown }).temp === "number";
}

Deno.test("createJsonCodec() encodes a value as JSON in the json field", () => {
  assert.deepEqual(createJsonCodec<Reading>().encode({ temp: 0.5 }), { json: '{"temp":0.5}' });
});

Deno.test("createJsonCodec() uses the field it is given", () => {
  assert.deepEqual(createJsonCodec<string[]>({ field: "body" }).encode(["a"]), { body: '["a"]' });
});

Deno.test("createJsonCodec() decodes what it encoded", () => {
  const codec = createJsonCodec<{ temp: number; tags: string[]; at: null }>();
  const value = { temp: -1.25, tags: ["x", "é"], at: null };
  assert.deepEqual(codec.decode(codec.encode(value)), value);
});

Deno.test("createJsonCodec() ignores fields other than its own", () => {
  assert.deepEqual(createJsonCodec<number>().decode({ json: "7", other: "x" }), 7);
});

Deno.test("createJsonCodec() rejects encoding undefined with a TypeError", () => {
  assert.throws(() => createJsonCodec<undefined>().encode(undefined), {
    name: "TypeError",
    message: /^Cannot encode undefined as JSON$/,
  });
});

Deno.test("createJsonCodec() rejects encoding a function with a TypeError", () => {
  assert.throws(() => createJsonCodec<() => void>().encode(() => {}), {
    name: "TypeError",
    message: /^Cannot encode function as JSON$/,
  });
});

Deno.test("createJsonCodec() rejects an entry without its field naming the field", () => {
  assert.throws(() => createJsonCodec({ field: "body" }).decode({ json: "1" }), {
    name: "TypeError",
    message: /^Entry has no 'body' field to decode$/,
  });
});

Deno.test("createJsonCodec() rejects a field that is not JSON showing the text", () => {
  assert.throws(() => createJsonCodec().decode({ json: "{temp: 1}" }), (error: unknown) => {
    assert.ok(error instanceof TypeError);
    assert.equal(error.message, "Field 'json' is not valid JSON: {temp: 1}");
    assert.ok(error.cause instanceof SyntaxError);
    return true;
  });
});

Deno.test("createJsonCodec() shows at most 80 characters of bad JSON", () => {
  const text = `{${"x".repeat(200)}`;
  assert.throws(() => createJsonCodec().decode({ json: text }), {
    name: "TypeError",
    message: new RegExp(`: \\{x{79}$`),
  });
});

Deno.test("createJsonCodec() returns values that pass validate", () => {
  const codec = createJsonCodec<Reading>({ validate: isReading });
  assert.deepEqual(codec.decode({ json: '{"temp":1}' }), { temp: 1 });
});

Deno.test("createJsonCodec() rejects values that fail validate naming the field", () => {
  const codec = createJsonCodec<Reading>({ field: "reading", validate: isReading });
  assert.throws(() => codec.decode({ reading: '{"temp":"hot"}' }), {
    name: "TypeError",
    message: /^Field 'reading' does not hold the expected shape$/,
  });
});
