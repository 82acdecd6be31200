import assert from "node:assert/strict";
import { ExemplarCentroids } from "../../swarm/centroids.ts";
import { keywordScore, pathwayScore, route } from "../../swarm/router.ts";

const candidates = [{ name: "math" }, { name: "geography" }, { name: "lists" }];
const none = new Map<string, Map<string, number>>();

Deno.test("route picks the specialist whose cue keywords occur in the request", () => {
  const d = route({
    text: "Reverse the list: 1 2 3",
    candidates: [{ name: "math", cues: ["sum", "+"] }, { name: "lists", cues: ["reverse"] }],
    pathways: none,
    centroids: new ExemplarCentroids(),
  });
  assert.equal(d.specialist, "lists");
  assert.equal(d.scores[0].keyword, 0.5);
  assert.equal(d.scores[1].keyword, 0);
  assert.equal(d.domain, "reverse");
});

Deno.test("route with no evidence falls back to priority, then configuration order", () => {
  const centroids = new ExemplarCentroids();
  assert.equal(
    route({ text: "hi there", candidates, pathways: none, centroids }).specialist,
    "math",
  );
  const prioritised = [{ name: "math" }, { name: "lists", priority: 5 }];
  assert.equal(
    route({ text: "hi there", candidates: prioritised, pathways: none, centroids }).specialist,
    "lists",
  );
});

Deno.test("route follows learned pathway weights of the request's cues", () => {
  const pathways = new Map([
    ["math", new Map([["reverse", -0.5]])],
    ["lists", new Map([["reverse", 0.6], ["list", 0.6]])],
  ]);
  const d = route({
    text: "Reverse the list: 4 5",
    candidates,
    pathways,
    centroids: new ExemplarCentroids(),
  });
  assert.equal(d.specialist, "lists");
  assert.ok(Math.abs(d.scores[0].pathway - 0.4) < 1e-12); // (0.6 + 0.6 + 0) / 3 cues
  assert.equal(d.scores.at(-1)!.specialist, "math");
});

Deno.test("route follows embedding similarity to exemplar centroids", () => {
  const centroids = new ExemplarCentroids();
  for (const v of [[1, 0, 0], [0, 1, 0], [0, 0, 1]]) centroids.observe(v);
  centroids.addExemplar("geography", [0, 1, 0]);
  centroids.addExemplar("lists", [0, 0, 1]);
  const d = route({
    text: "anything",
    embedding: [0.1, 0.9, 0.1],
    candidates,
    pathways: none,
    centroids,
  });
  assert.equal(d.specialist, "geography");
  assert.ok(d.scores[0].embedding > 0.9);
  assert.ok(d.margin! > 0);
});

Deno.test("keywordScore grows with matches and never reaches 1", () => {
  const cues = new Set(["capital", "peru", "country"]);
  assert.equal(keywordScore(cues, []), 0);
  assert.equal(keywordScore(cues, ["capital"]), 0.5);
  assert.equal(keywordScore(cues, ["capital", "country", "city"]), 0.75);
});

Deno.test("pathwayScore averages over all request cues, unknown ones counting zero", () => {
  assert.equal(pathwayScore(["a", "b"], new Map([["a", 1]])), 0.5);
  assert.equal(pathwayScore([], new Map([["a", 1]])), 0);
  assert.equal(pathwayScore(["a"], undefined), 0);
});

Deno.test("route refuses an empty specialist list", () => {
  assert.throws(
    () => route({ text: "x", candidates: [], pathways: none, centroids: new ExemplarCentroids() }),
    RangeError,
  );
});
