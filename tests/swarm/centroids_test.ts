import assert from "node:assert/strict";
import { cosineSimilarity, ExemplarCentroids } from "../../swarm/centroids.ts";

Deno.test("cosineSimilarity is 1 for parallel, -1 for opposite and 0 for zero vectors", () => {
  assert.ok(Math.abs(cosineSimilarity([1, 2], [2, 4]) - 1) < 1e-12);
  assert.ok(Math.abs(cosineSimilarity([1, 0], [-3, 0]) + 1) < 1e-12);
  assert.equal(cosineSimilarity([0, 0], [1, 1]), 0);
  assert.throws(() => cosineSimilarity([1], [1, 2]), RangeError);
});

Deno.test("centring separates embeddings that share a large common direction", () => {
  const common = [10, 10, 10];
  const a = [common[0] + 1, common[1], common[2]];
  const b = [common[0], common[1] + 1, common[2]];
  assert.ok(cosineSimilarity(a, b) > 0.99);
  const centroids = new ExemplarCentroids();
  for (let i = 0; i < 5; i++) {
    centroids.observe(a);
    centroids.observe(b);
  }
  centroids.addExemplar("A", a);
  centroids.addExemplar("B", b);
  assert.ok(centroids.similarity("A", a) > 0.99);
  assert.ok(centroids.similarity("B", a) < -0.99);
});

Deno.test("a specialist without exemplars scores 0 and exemplars average", () => {
  const centroids = new ExemplarCentroids();
  assert.equal(centroids.similarity("none", [1, 2]), 0);
  centroids.addExemplar("s", [1, 0]);
  centroids.addExemplar("s", [0, 1]);
  assert.equal(centroids.exemplarCount("s"), 2);
  assert.ok(Math.abs(centroids.similarity("s", [1, 1]) - 1) < 1e-12);
  assert.throws(() => centroids.addExemplar("s", [1, 2, 3]), RangeError);
});

Deno.test("a snapshot restores the same similarities", () => {
  const centroids = new ExemplarCentroids();
  for (const v of [[1, 0, 0], [0, 1, 0], [0, 0, 1]]) centroids.observe(v);
  centroids.addExemplar("x", [1, 0.2, 0]);
  const restored = ExemplarCentroids.fromSnapshot(JSON.parse(JSON.stringify(centroids.snapshot())));
  const probe = [0.7, 0.1, 0.3];
  assert.equal(restored.similarity("x", probe), centroids.similarity("x", probe));
  assert.equal(restored.exemplarCount("x"), 1);
});
