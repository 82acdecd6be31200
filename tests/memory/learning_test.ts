/** recordTurn() and learnFacts(): checking, storing and learning from chat turns. */
import assert from "node:assert/strict";
import {
  learnFacts,
  MemoryStore,
  recordTurn,
  SOURCE_CONFIDENCE,
  type Triple,
  type TripleExtractor,
} from "../../memory/mod.ts";

Deno.test("recordTurn() checks an answer before learning from it, so it cannot vouch for itself", async () => {
  const store = MemoryStore.open(":memory:");
  const conversation = store.conversations.start({ model: "m" });
  const turn = await recordTurn(store, conversation, {
    role: "assistant",
    content: "Mars has two moons.",
  });
  assert.deepEqual(turn.claims.map((c) => c.verdict), ["unknown"]);
  assert.equal(turn.facts[0].source, "assistant");
  assert.equal(turn.facts[0].confidence, SOURCE_CONFIDENCE.assistant);
  assert.deepEqual(store.conversations.message(turn.messageId)?.claims, turn.claims);
  store.close();
});

Deno.test("recordTurn() learns user statements without checking them, and stores contradicted claims", async () => {
  const store = MemoryStore.open(":memory:");
  const conversation = store.conversations.start({ model: "m" });
  const user = await recordTurn(store, conversation, {
    role: "user",
    content: "Canberra is the capital of Australia.",
  });
  assert.deepEqual(user.claims, []);
  assert.equal(user.facts[0].confidence, SOURCE_CONFIDENCE.user);
  const answer = await recordTurn(store, conversation, {
    role: "assistant",
    content: "The capital of Australia is Sydney.",
    specialist: "geo",
  });
  assert.equal(answer.claims[0].verdict, "contradicted");
  assert.equal(answer.claims[0].evidence[0].object, "canberra");
  const sydney = answer.facts[0];
  assert.equal(sydney.contradicts, user.facts[0].id, "the wrong answer is kept, linked, weaker");
  assert.ok(sydney.confidence < SOURCE_CONFIDENCE.assistant);
  store.close();
});

Deno.test("learnFacts() falls back to the rules when a custom extractor fails, and says so", async () => {
  const store = MemoryStore.open(":memory:");
  const failing: TripleExtractor = { extract: () => Promise.reject(new Error("model not loaded")) };
  const result = await learnFacts(store, "Mars is a planet.", { extractor: failing });
  assert.equal(result.facts.length, 1);
  assert.match(result.warnings[0], /model not loaded/);
  store.close();
});

Deno.test("learnFacts() skips invalid triples from an extractor and keeps the valid ones", async () => {
  const store = MemoryStore.open(":memory:");
  const sloppy: TripleExtractor = {
    extract: () =>
      Promise.resolve([
        { subject: "", predicate: "is a", object: "x" },
        { subject: "Mars", predicate: "is a", object: "planet" },
        { subject: "a", predicate: "b" } as unknown as Triple,
      ]),
  };
  const result = await learnFacts(store, "ignored", { extractor: sloppy, source: "model" });
  assert.deepEqual(result.facts.map((f) => [f.subject, f.source, f.confidence]), [[
    "mars",
    "model",
    0.5,
  ]]);
  assert.equal(result.warnings.length, 2);
  store.close();
});
