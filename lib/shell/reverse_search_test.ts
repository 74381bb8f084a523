import assert from "node:assert/strict";
import { ReverseSearch, searchAction } from "./reverse_search.ts";

const HISTORY = ["len app:event", "add app:event temp=0.5", "range app:event", "len s"];

Deno.test("ReverseSearch finds the newest entry containing the query", () => {
  const search = new ReverseSearch(HISTORY);
  assert.equal(search.prompt(), "(reverse-i-search)'': ");
  assert.equal(search.match, "");
  search.type("ra");
  assert.equal(search.match, "range app:event");
  assert.equal(search.prompt(), "(reverse-i-search)'ra': ");
});

Deno.test("ReverseSearch.older() steps to older matches and stays at the oldest", () => {
  const search = new ReverseSearch(HISTORY);
  search.type("len");
  assert.equal(search.match, "len app:event");
  search.older();
  assert.equal(search.match, "len s");
  search.older();
  assert.equal(search.match, "len s");
});

Deno.test("ReverseSearch keeps the current match while it still contains the longer query", () => {
  const search = new ReverseSearch(HISTORY);
  search.type("a");
  assert.equal(search.match, "len app:event");
  search.older();
  assert.equal(search.match, "add app:event temp=0.5");
  search.type("dd");
  assert.equal(search.match, "add app:event temp=0.5");
});

Deno.test("ReverseSearch reports a failed search and recovers on backspace", () => {
  const search = new ReverseSearch(HISTORY);
  search.type("lenz");
  assert.equal(search.failed, true);
  assert.equal(search.match, "");
  assert.equal(search.prompt(), "(failed reverse-i-search)'lenz': ");
  search.backspace();
  assert.equal(search.failed, false);
  assert.equal(search.match, "len app:event");
  search.backspace();
  search.backspace();
  search.backspace();
  assert.equal(search.query, "");
  assert.equal(search.match, "");
});

Deno.test("searchAction() maps keys the way bash's reverse search does", () => {
  assert.equal(searchAction("\x12", { name: "r", ctrl: true }), "older");
  assert.equal(searchAction("\x7f", { name: "backspace" }), "backspace");
  assert.equal(searchAction("x", { name: "x" }), "type");
  assert.equal(searchAction(":", undefined), "type");
  assert.equal(searchAction("\r", { name: "return" }), "run");
  assert.equal(searchAction("\x1b", { name: "escape" }), "edit");
  assert.equal(searchAction(undefined, { name: "up" }), "edit");
  assert.equal(searchAction("\x01", { name: "a", ctrl: true }), "edit");
  assert.equal(searchAction("\x03", { name: "c", ctrl: true }), "cancel");
  assert.equal(searchAction("\x07", { name: "g", ctrl: true }), "cancel");
  assert.equal(searchAction("\x00", {}), "ignore");
});
