import assert from "node:assert/strict";
import {
  ConfidenceCalibrator,
  expectedCalibrationError,
  fitConfidenceWeights,
} from "../../swarm/calibration.ts";
import { combineConfidence, DEFAULT_CONFIDENCE_WEIGHTS } from "../../swarm/confidence.ts";

/** A reproducible stream of uniform numbers in [0, 1). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

Deno.test("ECE is zero for a calibrated predictor and large for an overconfident one", () => {
  const calibrated = [
    ...Array.from({ length: 10 }, (_, i) => ({ confidence: 0.75, correct: i < 7.5 })),
  ];
  assert.ok(expectedCalibrationError(calibrated) < 0.06);
  const overconfident = Array.from(
    { length: 10 },
    (_, i) => ({ confidence: 0.95, correct: i < 5 }),
  );
  assert.ok(Math.abs(expectedCalibrationError(overconfident) - 0.45) < 1e-12);
  assert.equal(expectedCalibrationError([]), 0);
});

Deno.test("fitting the logistic weights recovers a known relation and lowers ECE", () => {
  const rand = lcg(7);
  const truth = [0.5, 0, 2, 0] as const;
  const samples = Array.from({ length: 2000 }, () => {
    const features = [1, rand() * 4 - 2, rand() * 6 - 3, rand()];
    return { features, correct: rand() < combineConfidence(features, truth) };
  });
  const skewed = [0, 3, 0.3, 2] as const;
  const fitted = fitConfidenceWeights(samples, skewed, 0.1);
  assert.ok(Math.abs(fitted[2] - 2) < 0.3, `slope ${fitted[2]}`);
  assert.ok(Math.abs(fitted[1]) < 0.3, `posterior weight ${fitted[1]}`);
  const ece = (w: readonly number[]) =>
    expectedCalibrationError(
      samples.map((s) => ({
        confidence: combineConfidence(s.features, w as typeof truth),
        correct: s.correct,
      })),
    );
  assert.ok(ece(fitted) < 0.04, `fitted ECE ${ece(fitted)}`);
  assert.ok(ece(skewed) > 0.1, `skewed ECE ${ece(skewed)}`);
});

Deno.test("fitting on one outcome only moves toward it and stays finite", () => {
  const failures = Array.from(
    { length: 20 },
    () => ({ features: [1, -1.8, 4.4, 0.1], correct: false }),
  );
  const fitted = fitConfidenceWeights(failures, DEFAULT_CONFIDENCE_WEIGHTS);
  assert.ok(fitted.every(Number.isFinite));
  const before = combineConfidence(failures[0].features, DEFAULT_CONFIDENCE_WEIGHTS);
  const after = combineConfidence(failures[0].features, fitted);
  assert.ok(before > 0.9 && after < 0.2, `confidence ${before} -> ${after}`);
  assert.deepEqual(
    fitConfidenceWeights([], DEFAULT_CONFIDENCE_WEIGHTS),
    DEFAULT_CONFIDENCE_WEIGHTS,
  );
});

Deno.test("the calibrator refits once it holds enough mixed outcomes", () => {
  const calibrator = new ConfidenceCalibrator(DEFAULT_CONFIDENCE_WEIGHTS, {
    minSamples: 20,
    refitEvery: 10,
  });
  for (let i = 0; i < 19; i++) calibrator.add({ features: [1, 0, 3, 0], correct: i % 2 === 0 });
  assert.deepEqual(calibrator.weights, DEFAULT_CONFIDENCE_WEIGHTS);
  calibrator.add({ features: [1, 0, 3, 0], correct: false });
  assert.notDeepEqual(calibrator.weights, DEFAULT_CONFIDENCE_WEIGHTS);
  // Half right at top-1 0.95: the refit confidence drops toward 0.5.
  const c = combineConfidence([1, 0, 3, 0], calibrator.weights);
  assert.ok(c < 0.8, `confidence ${c}`);
  assert.equal(calibrator.size, 20);
});
