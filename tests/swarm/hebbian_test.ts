import assert from "node:assert/strict";
import { hebbianDelta, HebbianPathways } from "../../swarm/hebbian.ts";
import { InProcessLearningStore } from "../../swarm/learning_store.ts";

Deno.test("hebbianDelta strengthens on success and weakens on failure with soft bounds", () => {
  assert.equal(hebbianDelta(0, "success", 0.3), 0.3);
  assert.ok(Math.abs(hebbianDelta(0.3, "failure", 0.3) + 0.39) < 1e-12);
  let w = 0;
  for (let i = 0; i < 100; i++) w += hebbianDelta(w, "success", 0.3);
  assert.ok(w < 1 && w > 0.999);
});

Deno.test("learn moves only the fired cue-specialist pairs, then decays everything", async () => {
  const store = new InProcessLearningStore();
  const pathways = new HebbianPathways(store.pathways, { learningRate: 0.5, decay: 0.9 });
  await pathways.learn(["reverse", "list"], "lists", "success");
  await pathways.learn(["#num", "+"], "math", "failure");
  const w = await pathways.weights(["reverse", "list", "#num", "+"]);
  assert.ok(Math.abs(w.get("lists")!.get("reverse")! - 0.5 * 0.9 * 0.9) < 1e-12);
  assert.ok(Math.abs(w.get("math")!.get("+")! + 0.5 * 0.9) < 1e-12);
  assert.equal(w.get("geography"), undefined);
});

Deno.test("repeated failures push a pathway below zero and a success pulls it back up", async () => {
  const store = new InProcessLearningStore();
  const pathways = new HebbianPathways(store.pathways, { learningRate: 0.3, decay: 1 });
  await pathways.learn(["x"], "s", "failure");
  await pathways.learn(["x"], "s", "failure");
  const low = (await pathways.weights(["x"])).get("s")!.get("x")!;
  assert.ok(Math.abs(low - -0.51) < 1e-12);
  await pathways.learn(["x"], "s", "success");
  const back = (await pathways.weights(["x"])).get("s")!.get("x")!;
  assert.ok(Math.abs(back - (-0.51 + 0.3 * 1.51)) < 1e-12);
});

Deno.test("HebbianPathways rejects a learning rate or decay outside (0, 1]", () => {
  const store = new InProcessLearningStore();
  assert.throws(
    () => new HebbianPathways(store.pathways, { learningRate: 0, decay: 1 }),
    RangeError,
  );
  assert.throws(
    () => new HebbianPathways(store.pathways, { learningRate: 0.1, decay: 2 }),
    RangeError,
  );
});
