/** toFtsQuery(): user text into safe FTS5 syntax. */
import assert from "node:assert/strict";
import { MemoryInputError, toFtsQuery } from "../../memory/mod.ts";

Deno.test("toFtsQuery() quotes every word so operators and quotes are searched literally", () => {
  assert.equal(toFtsQuery(`capital "France" OR x*`), `"capital" "France" "OR" "x"*`);
  assert.equal(toFtsQuery(`'; DROP TABLE facts; --`), `"DROP" "TABLE" "facts"`);
  assert.equal(toFtsQuery("Zürich 東京"), `"Zürich" "東京"`);
});

Deno.test("toFtsQuery() returns undefined when the text holds no word", () => {
  assert.equal(toFtsQuery(" ()*:^ "), undefined);
});

Deno.test("toFtsQuery() refuses overlong queries and keeps at most 32 terms", () => {
  assert.throws(() => toFtsQuery("a".repeat(1001)), MemoryInputError);
  assert.equal(toFtsQuery("w ".repeat(100))!.split(" ").length, 32);
});
