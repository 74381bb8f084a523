import assert from "node:assert/strict";
import { type DeadLetter, deadLetterFields, parseDeadLetter } from "./dead_letter.ts";

const letter: DeadLetter = {
  stream: "app:event",
  id: "1526919030474-0",
  group: "workers",
  consumer: "worker-1",
  deliveries: 4,
  error: "TypeError: boom",
  fields: { sensor_id: "sensor2", temp: "0.42" },
};

Deno.test("deadLetterFields() writes bookkeeping fields and the original fields as JSON", () => {
  assert.deepEqual(deadLetterFields(letter), {
    stream: "app:event",
    id: "1526919030474-0",
    group: "workers",
    consumer: "worker-1",
    deliveries: "4",
    error: "TypeError: boom",
    fields: '{"sensor_id":"sensor2","temp":"0.42"}',
  });
});

Deno.test("deadLetterFields() keeps original fields named like bookkeeping fields apart", () => {
  const fields = deadLetterFields({ ...letter, fields: { stream: "other", id: "9-9" } });
  assert.equal(fields.stream, "app:event");
  assert.equal(fields.fields, '{"stream":"other","id":"9-9"}');
});

Deno.test("parseDeadLetter() reads deadLetterFields() back", () => {
  assert.deepEqual(parseDeadLetter(deadLetterFields(letter)), letter);
});

Deno.test("parseDeadLetter() fills missing fields with empty values", () => {
  assert.deepEqual(parseDeadLetter({}), {
    stream: "",
    id: "",
    group: "",
    consumer: "",
    deliveries: 0,
    error: "",
    fields: {},
  });
});

Deno.test("parseDeadLetter() rejects an original-fields value that is not JSON", () => {
  assert.throws(
    () => parseDeadLetter({ ...deadLetterFields(letter), fields: "{oops" }),
    SyntaxError,
  );
});
