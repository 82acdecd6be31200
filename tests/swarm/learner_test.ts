import assert from "node:assert/strict";
import { ConfidenceCalibrator } from "../../swarm/calibration.ts";
import { ExemplarCentroids } from "../../swarm/centroids.ts";
import { DEFAULT_CONFIDENCE_WEIGHTS } from "../../swarm/confidence.ts";
import { HebbianPathways } from "../../swarm/hebbian.ts";
import { InProcessLearningStore } from "../../swarm/learning_store.ts";
import { type AnsweredPart, OutcomeLearner } from "../../swarm/learner.ts";
import { route } from "../../swarm/router.ts";
import { Spawner } from "../../swarm/spawner.ts";

function setup() {
  const store = new InProcessLearningStore();
  const centroids = new ExemplarCentroids();
  const calibrator = new ConfidenceCalibrator(DEFAULT_CONFIDENCE_WEIGHTS);
  const spawner = new Spawner({ minEvents: 1 });
  const pathways = new HebbianPathways(store.pathways, { learningRate: 0.5, decay: 1 });
  const learner = new OutcomeLearner(store, pathways, centroids, calibrator, spawner);
  return { store, centroids, calibrator, spawner, pathways, learner };
}

function answered(text: string, specialist: string, embedding: number[]): AnsweredPart {
  const decision = route({
    text,
    candidates: [{ name: specialist }],
    pathways: new Map(),
    centroids: new ExemplarCentroids(),
  });
  return {
    decision,
    embedding: Float32Array.from(embedding),
    features: [1, 0, 2, 0.1],
    localAnswer: "17",
    verdicts: new Map(),
  };
}

Deno.test("a success updates counts, pathways, the exemplar centroid and calibration", async () => {
  const { store, centroids, calibrator, spawner, pathways, learner } = setup();
  assert.ok(
    await learner.learn(answered("Reverse the list: 1 2", "lists", [1, 0]), "success", "feedback"),
  );
  assert.deepEqual(await store.stats.get("lists", "reverse"), { successes: 1, failures: 0 });
  assert.equal((await pathways.weights(["reverse"])).get("lists")!.get("reverse"), 0.5);
  assert.equal(centroids.exemplarCount("lists"), 1);
  assert.equal(calibrator.size, 1);
  assert.equal(spawner.size, 0);
});

Deno.test("a failure reaches the spawner with the better answer when one is known", async () => {
  const { spawner, centroids, learner } = setup();
  await learner.learn(answered("Uppercase: a b", "math", [0, 1]), "failure", "cloud", {
    betterAnswer: "A B",
  });
  assert.equal(centroids.exemplarCount("math"), 0);
  const [proposal] = spawner.proposals(() => false, new Set());
  assert.deepEqual(proposal.trainingPairs, [{
    prompt: "Uppercase: a b",
    chosen: "A B",
    rejected: "17",
  }]);
});

Deno.test("an answer is learned from once; feedback may overrule an automatic verdict", async () => {
  const { store, learner } = setup();
  const part = answered("What is 1 + 2?", "math", [1, 1]);
  assert.ok(await learner.learn(part, "success", "self-check"));
  assert.equal(await learner.learn(part, "success", "feedback"), false);
  assert.equal(await learner.learn(part, "failure", "cloud"), false);
  assert.ok(await learner.learn(part, "failure", "feedback"));
  assert.equal(await learner.learn(part, "success", "feedback"), false);
  assert.deepEqual(await store.stats.get("math", "arithmetic"), { successes: 1, failures: 1 });
});

Deno.test("countStats false leaves the outcome counts to memory", async () => {
  const { store, pathways, learner } = setup();
  await learner.learn(answered("What is 1 + 2?", "math", [1, 1]), "success", "feedback", {
    countStats: false,
  });
  assert.equal(await store.stats.get("math", "arithmetic"), null);
  assert.equal((await pathways.weights(["+"])).get("math")!.get("+"), 0.5);
});
