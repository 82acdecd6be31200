/** Predicate vocabulary: synonyms and functional predicates. */
import assert from "node:assert/strict";
import { canonicalPredicate, isFunctional, MemoryInputError } from "../../memory/mod.ts";

Deno.test("canonicalPredicate() maps synonyms and spellings onto one name", () => {
  assert.equal(canonicalPredicate("Place_of_Birth"), "born in");
  assert.equal(canonicalPredicate("capital city"), "capital");
  assert.equal(canonicalPredicate("is an"), "is a");
  assert.equal(canonicalPredicate("Author"), "written by");
  assert.equal(canonicalPredicate("orbits"), "orbits");
});

Deno.test("canonicalPredicate() refuses an empty or overlong predicate", () => {
  assert.throws(() => canonicalPredicate(" _ "), MemoryInputError);
  assert.throws(() => canonicalPredicate("p".repeat(101)), MemoryInputError);
});

Deno.test("isFunctional() is true for one-valued predicates only", () => {
  assert.ok(isFunctional("capital") && isFunctional("born in"));
  assert.ok(!isFunctional("is a") && !isFunctional("has"));
});
