import assert from "node:assert/strict";
import { domainOf, extractCues, keywordCues, NUMBER_CUE } from "../../swarm/cues.ts";

Deno.test("extractCues keeps content words, maps numbers to #num and keeps operators", () => {
  assert.deepEqual(extractCues("What is 47 + 38?"), [NUMBER_CUE, "+"]);
  assert.deepEqual(extractCues("Reverse the lists: 3 9 1"), ["reverse", "list", NUMBER_CUE]);
});

Deno.test("extractCues does not read hyphens inside words as minus signs", () => {
  assert.deepEqual(extractCues("a well-known fact"), ["well", "known", "fact"]);
  assert.deepEqual(extractCues("7 - 2"), [NUMBER_CUE, "-"]);
});

Deno.test("extractCues drops stop words and repeats, and honours the limit", () => {
  assert.deepEqual(extractCues("the capital of the capital of Peru"), ["capital", "peru"]);
  assert.equal(extractCues("alpha beta gamma delta", 2).length, 2);
});

Deno.test("keywordCues normalises a configured keyword like request text", () => {
  assert.deepEqual(keywordCues("Lists"), ["list"]);
  assert.deepEqual(keywordCues("+"), ["+"]);
});

Deno.test("domainOf names the task family of fixture-style requests", () => {
  assert.equal(domainOf("What is 47 + 38?"), "arithmetic");
  assert.equal(domainOf("Reverse the list: 3 9 1"), "reverse");
  assert.equal(domainOf("What is the capital of Peru?"), "capital");
  assert.equal(domainOf("Uppercase: hello world"), "uppercase");
  assert.equal(domainOf("?!"), "general");
});

Deno.test("domainOf gives requests of one family the same domain", () => {
  const domains = new Set(
    ["Uppercase: abc def", "Uppercase: the quick fox", "Uppercase: zebra"].map(domainOf),
  );
  assert.equal(domains.size, 1);
});
