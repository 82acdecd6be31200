import assert from "node:assert/strict";
import { domainOf, extractCues } from "../../swarm/cues.ts";
import { ProposalNotFoundError } from "../../swarm/errors.ts";
import { Spawner, type UncoveredEvent } from "../../swarm/spawner.ts";

function event(prompt: string, embedding?: number[], betterAnswer?: string): UncoveredEvent {
  return {
    kind: betterAnswer ? "fallback" : "failure",
    prompt,
    domain: domainOf(prompt),
    cues: extractCues(prompt),
    embedding,
    specialist: "math",
    localAnswer: "17",
    betterAnswer,
  };
}

const words = ["apple pie", "blue sky", "red fox", "green tea", "small cat", "big dog"];

Deno.test("an uncovered cluster of fallbacks becomes a proposal with cues, prompt and pairs", () => {
  const spawner = new Spawner({ minEvents: 5 });
  for (const w of words) spawner.observe(event(`Uppercase: ${w}`, undefined, w.toUpperCase()));
  const [p, ...rest] = spawner.proposals(() => false, new Set(["math"]));
  assert.equal(rest.length, 0);
  assert.equal(p.name, "uppercase");
  assert.equal(p.domain, "uppercase");
  assert.deepEqual(p.cues, ["uppercase"]);
  assert.equal(p.evidence, 6);
  assert.match(p.systemPrompt, /Uppercase: /);
  assert.deepEqual(p.trainingPairs[0], {
    prompt: "Uppercase: apple pie",
    chosen: "APPLE PIE",
    rejected: "17",
  });
  assert.equal(p.trainingPairs.length, 6);
});

Deno.test("no proposal below the evidence threshold or for a covered domain", () => {
  const spawner = new Spawner({ minEvents: 5 });
  for (const w of words.slice(0, 4)) spawner.observe(event(`Uppercase: ${w}`));
  assert.equal(spawner.proposals(() => false, new Set()).length, 0);
  spawner.observe(event("Uppercase: one more"));
  assert.equal(spawner.proposals(() => false, new Set()).length, 1);
  assert.equal(spawner.proposals((d) => d === "uppercase", new Set()).length, 0);
});

Deno.test("domains whose embeddings agree merge into one cluster, others stay apart", () => {
  const spawner = new Spawner({ minEvents: 6, similarity: 0.8 });
  for (const w of words.slice(0, 3)) spawner.observe(event(`Uppercase: ${w}`, [1, 0.1, 0]));
  for (const w of words.slice(3)) spawner.observe(event(`Capitalise: ${w}`, [0.9, 0.15, 0]));
  for (const w of words.slice(0, 3)) spawner.observe(event(`Translate: ${w}`, [0, 0, 1]));
  const clusters = spawner.clusters();
  assert.deepEqual(clusters.map((c) => c.length), [6, 3]);
  const [p] = spawner.proposals(() => false, new Set());
  assert.deepEqual(p.domains.sort(), ["capitalise", "uppercase"]);
});

Deno.test("a proposal's name avoids names already taken", () => {
  const spawner = new Spawner({ minEvents: 2 });
  spawner.observe(event("Uppercase: a b"));
  spawner.observe(event("Uppercase: c d"));
  assert.equal(spawner.proposals(() => false, new Set(["uppercase"]))[0].name, "uppercase-2");
});

Deno.test("settling a proposal forgets its events, and finding an unknown id throws", () => {
  const spawner = new Spawner({ minEvents: 2 });
  spawner.observe(event("Uppercase: a b"));
  spawner.observe(event("Uppercase: c d"));
  spawner.observe(event("Translate: e f"));
  const [p] = spawner.proposals(() => false, new Set());
  assert.equal(Spawner.find([p], p.id), p);
  spawner.settle(p);
  assert.equal(spawner.size, 1);
  assert.throws(() => Spawner.find([], "nope"), ProposalNotFoundError);
});
