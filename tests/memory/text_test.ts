/** Input validation and entity normalisation. */
import assert from "node:assert/strict";
import { MemoryInputError, normalizeEntity } from "../../memory/mod.ts";
import { page, requireText, storableText } from "../../memory/text.ts";

Deno.test("normalizeEntity() folds case, whitespace, quotes, punctuation and a leading article", () => {
  assert.equal(normalizeEntity("s", "  The   Eiffel\tTower. "), "eiffel tower");
  assert.equal(normalizeEntity("s", "“Nineteen Eighty-Four”"), "nineteen eighty-four");
  assert.equal(normalizeEntity("s", "An Apple"), "apple");
  assert.equal(normalizeEntity("s", "Zu\u0308rich"), "zürich", "NFC");
  assert.equal(normalizeEntity("s", "東京"), "東京");
});

Deno.test("normalizeEntity() refuses a name that normalises to nothing", () => {
  assert.throws(
    () => normalizeEntity("subject", ' "..." '),
    (e) => e instanceof MemoryInputError && e.field === "subject",
  );
});

Deno.test("requireText() refuses non-strings, empties, overlong text, lone surrogates and NUL", () => {
  const rule = { max: 5 };
  for (const bad of [42, "", "   ", "toolong", "a\ud800", "a\u0000b"]) {
    assert.throws(
      () => requireText("f", bad, rule),
      (e) => e instanceof MemoryInputError && e.field === "f",
      String(bad),
    );
  }
  assert.equal(requireText("f", "ok", rule), "ok");
});

Deno.test("storableText() replaces only NUL and lone surrogates", () => {
  assert.equal(storableText("a\u0000\udc00b😀"), "a\uFFFD\uFFFDb😀");
});

Deno.test("page() bounds limit and offset", () => {
  assert.deepEqual(page(undefined, undefined), { limit: 50, offset: 0 });
  assert.throws(() => page(0, 0), (e) => e instanceof MemoryInputError && e.field === "limit");
  assert.throws(() => page(10, -1), (e) => e instanceof MemoryInputError && e.field === "offset");
  assert.throws(() => page(1.5, 0), MemoryInputError);
});
