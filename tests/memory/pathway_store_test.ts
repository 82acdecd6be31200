/** PathwayStore: Hebbian weights between cues and specialists. */
import assert from "node:assert/strict";
import { MemoryInputError, MemoryStore } from "../../memory/mod.ts";

Deno.test("pathways.adjust() creates, accumulates and clamps the weight to [-1, 1], counting fires", () => {
  const store = MemoryStore.open(":memory:");
  assert.equal(store.pathways.adjust("python", "coder", 0.6).weight, 0.6);
  const up = store.pathways.adjust("python", "coder", 0.6);
  assert.deepEqual([up.weight, up.fires], [1, 2]);
  assert.ok(up.lastFired);
  assert.equal(store.pathways.adjust("python", "coder", -5).weight, -1);
  assert.equal(store.pathways.adjust("poem", "writer", -3).weight, -1);
  store.close();
});

Deno.test("pathways.get() returns the pathways of the given cues, matched case-insensitively", () => {
  const store = MemoryStore.open(":memory:");
  store.pathways.adjust("Python", "coder", 0.5);
  store.pathways.adjust("python", "teacher", 0.2);
  store.pathways.adjust("poem", "writer", 0.9);
  const found = store.pathways.get(["PYTHON ", "rust"]);
  assert.deepEqual(found.map((p) => [p.cue, p.specialist, p.weight]), [["python", "coder", 0.5], [
    "python",
    "teacher",
    0.2,
  ]]);
  assert.deepEqual(store.pathways.get([]), []);
  store.close();
});

Deno.test("pathways.decay() shrinks every weight by the factor", () => {
  const store = MemoryStore.open(":memory:");
  store.pathways.adjust("a", "x", 0.8);
  store.pathways.adjust("b", "y", -0.4);
  assert.equal(store.pathways.decay(0.5), 2);
  assert.deepEqual(store.pathways.all().map((p) => p.weight), [0.4, -0.2]);
  assert.throws(
    () => store.pathways.decay(1.5),
    (e) => e instanceof MemoryInputError && e.field === "factor",
  );
  assert.throws(
    () => store.pathways.adjust("a", "x", NaN),
    (e) => e instanceof MemoryInputError && e.field === "delta",
  );
  store.close();
});
