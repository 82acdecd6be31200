/**
 * Deterministic test weights for the codec tests: seeded Gaussian values with a different
 * scale per 32-value group, plus the edge cases quantizers get wrong (zeros, constants,
 * one-signed blocks, a single outlier).
 * @module
 */

import { seededRandom } from "../../engine/mod.ts";

/** The engine's seeded uniform generator in [0, 1) (mulberry32), re-exported for the tests. */
export { seededRandom };

/** `n` seeded values uniform in [-1, 1), for kernel inputs checked against a CPU reference. */
export function uniformValues(n: number, seed: number): Float32Array {
  const rand = seededRandom(seed);
  return Float32Array.from({ length: n }, () => rand() * 2 - 1);
}

/** `n` Gaussian values (n a multiple of 32) whose spread changes from one 32-group to the next. */
export function gaussianWeights(n: number, seed: number): Float32Array {
  const rand = seededRandom(seed);
  const out = new Float32Array(n);
  for (let g = 0; g < n; g += 32) {
    const scale = 0.01 * 2 ** (rand() * 6); // 0.01 .. 0.64, like real weight rows
    const shift = rand() < 0.2 ? scale * (rand() * 4 - 2) : 0; // some groups off-centre
    for (let i = g; i < g + 32; i++) {
      const gauss = Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
      out[i] = gauss * scale + shift;
    }
  }
  return out;
}

/** 512 values: zeros, a constant, all-positive, all-negative, an outlier, tiny values. */
export function edgeCaseWeights(): Float32Array {
  const out = new Float32Array(512);
  out.fill(0.25, 32, 64); // constant block
  for (let i = 64; i < 96; i++) out[i] = 1 + i / 100; // all positive
  for (let i = 96; i < 128; i++) out[i] = -1 - i / 100; // all negative
  for (let i = 128; i < 160; i++) out[i] = (i % 7) / 1000;
  out[150] = 5; // one outlier among small values
  for (let i = 160; i < 192; i++) out[i] = ((i % 5) - 2) * 1e-6; // below f16 normal range steps
  for (let i = 256; i < 512; i++) out[i] = Math.sin(i) * (i < 384 ? 1 : 0.001); // 2 scales in one K-block
  return out;
}
