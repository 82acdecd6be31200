/** modelTripleExtractor(): prompt, schema, parsing and the fallback to rules. */
import assert from "node:assert/strict";
import {
  type ConstrainedGenerate,
  learnFacts,
  MemoryStore,
  ModelExtractionError,
  modelTripleExtractor,
  parseTriples,
  TRIPLES_SCHEMA,
} from "../../memory/mod.ts";

/** Records what the extractor asks and answers with a canned completion, as an engine would. */
function recordingGenerate(answer: string) {
  const calls: { prompt: string; schema: Record<string, unknown>; maxTokens: number }[] = [];
  const generate: ConstrainedGenerate = (prompt, schema, { maxTokens }) => {
    calls.push({ prompt, schema, maxTokens });
    return Promise.resolve(answer);
  };
  return { calls, generate };
}

Deno.test("modelTripleExtractor() sends the text under the triples schema and normalises the answer", async () => {
  const { calls, generate } = recordingGenerate(JSON.stringify({
    triples: [
      { subject: "The Seine", predicate: "Flows_Through", object: "Paris", negated: false },
      { subject: "Pluto", predicate: "is a", object: "planet", negated: true },
    ],
  }));
  const triples = await modelTripleExtractor(generate, { maxTokens: 64 }).extract(
    "La Seine traverse Paris.",
  );
  assert.equal(calls.length, 1);
  assert.match(calls[0].prompt, /La Seine traverse Paris\.$/);
  assert.equal(calls[0].schema, TRIPLES_SCHEMA);
  assert.equal(calls[0].maxTokens, 64);
  assert.deepEqual(triples, [
    { subject: "seine", predicate: "flows through", object: "paris", negated: false },
    { subject: "pluto", predicate: "is a", object: "planet", negated: true },
  ]);
});

Deno.test("parseTriples() drops malformed triples but keeps the rest", () => {
  const output = JSON.stringify({
    triples: [{ subject: "", predicate: "p", object: "o" }, {
      subject: "a",
      predicate: "b",
      object: "c",
    }, 7],
  });
  assert.deepEqual(parseTriples(output), [{
    subject: "a",
    predicate: "b",
    object: "c",
    negated: false,
  }]);
});

Deno.test("parseTriples() throws ModelExtractionError for output that is not the schema's JSON", () => {
  assert.throws(() => parseTriples("Sure! Here are the triples:"), ModelExtractionError);
  assert.throws(() => parseTriples('{"facts": []}'), ModelExtractionError);
});

Deno.test("learnFacts() falls back to the rules when the model answers garbage", async () => {
  const store = MemoryStore.open(":memory:");
  const { generate } = recordingGenerate("not json");
  const result = await learnFacts(store, "Mars is a planet.", {
    extractor: modelTripleExtractor(generate),
  });
  assert.deepEqual(result.facts.map((f) => f.subject), ["mars"]);
  assert.match(result.warnings[0], /model-based extraction failed/);
  store.close();
});
