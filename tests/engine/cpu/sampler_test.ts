/**
 * The CPU sampler against the sampler reference (kernels/sample_ref.ts): greedy choice,
 * log-probabilities, penalties and mask, and the kept set and frequencies of temperature
 * sampling with top-k, top-p and min-p; seeds repeat.
 */
import assert from "node:assert/strict";
import { sampleRef } from "../../../kernels/sample_ref.ts";
import { type Pick, TokenSampler } from "../../../engine/cpu/sampler.ts";
import type { SamplingParams } from "../../../engine/mod.ts";

const V = 3000;

function noise(n: number, seed: number, scale: number): Float32Array {
  let x = seed;
  return Float32Array.from({ length: n }, () => {
    x = (x * 1664525 + 1013904223) >>> 0;
    return (x / 2 ** 32) * scale;
  });
}

/** Logits where a few tokens stand out by descending margins over a low floor. */
function peaked(seed: number): Float32Array {
  const l = noise(V, seed, 1).map((x) => x - 6);
  for (let j = 0; j < 12; j++) l[(j * 611 + 17) % V] = 3 - j * 0.3;
  return l;
}

function pick(s: TokenSampler, logits: Float32Array, mask: Uint32Array | null = null): Pick {
  const p = s.pick(logits.slice(), mask);
  assert.equal(typeof p, "object", `no token: ${p}`);
  return p as Pick;
}

Deno.test("CPU sampler: greedy and log-probabilities follow the reference under penalties and a mask", () => {
  const logits = peaked(1);
  const mask = new Uint32Array(Math.ceil(V / 32)).fill(0xffffffff);
  const top = [...logits.keys()].sort((a, b) => logits[b] - logits[a]);
  mask[top[0] >> 5] &= ~(1 << (top[0] & 31)); // forbid the best token
  const params: SamplingParams = {
    repetitionPenalty: 1.3,
    presencePenalty: 0.2,
    frequencyPenalty: 0.1,
  };
  const s = new TokenSampler(params, 5);
  const counts = new Uint32Array(V);
  for (const id of [top[1], top[1], top[2]]) {
    s.accept(id);
    counts[id]++;
  }
  const want = sampleRef(
    logits,
    {
      repetition: 1.3,
      presence: 0.2,
      frequency: 0.1,
    },
    counts,
    mask,
  );
  const got = pick(s, logits, mask);
  assert.equal(got.id, want.greedy);
  assert.ok(Math.abs(got.logprob! - want.logprobs[got.id]) < 1e-5);
  const order = [...want.logprobs.keys()].sort((a, b) =>
    want.logprobs[b] - want.logprobs[a] || a - b
  );
  assert.deepEqual(got.topLogprobs!.map((t) => t.id), order.slice(0, 5));
  for (const t of got.topLogprobs!) assert.ok(Math.abs(t.logprob - want.logprobs[t.id]) < 1e-5);
});

for (
  const params of [
    { temperature: 0.8 },
    { temperature: 1, topK: 4 },
    { temperature: 1.5, topP: 0.6 },
    { temperature: 1, minP: 0.2 },
    { temperature: 2, topK: 8, topP: 0.9, minP: 0.05 },
  ]
) {
  Deno.test(`CPU sampler: draws stay in the reference's kept set at its frequencies (${JSON.stringify(params)})`, () => {
    const logits = peaked(7);
    const want = sampleRef(logits, params);
    const s = new TokenSampler({ ...params, seed: 42 });
    const n = 4000, seen = new Float64Array(V);
    for (let i = 0; i < n; i++) seen[pick(s, logits).id]++;
    for (let id = 0; id < V; id++) {
      if (seen[id] > 0) assert.ok(want.kept.includes(id), `token ${id} is outside the kept set`);
      assert.ok(Math.abs(seen[id] / n - want.probs[id]) < 0.03, `token ${id}: ${seen[id] / n}`);
    }
  });
}

Deno.test("CPU sampler: the same seed repeats its draws, another seed differs", () => {
  const logits = noise(V, 3, 2);
  const draw = (seed: number) => {
    const s = new TokenSampler({ temperature: 1, seed });
    return Array.from({ length: 20 }, () => pick(s, logits).id);
  };
  assert.deepEqual(draw(5), draw(5));
  assert.notDeepEqual(draw(5), draw(6));
});

Deno.test("CPU sampler: NaN or infinite logits and an all-forbidding mask give no token", () => {
  const s = new TokenSampler();
  const nan = noise(V, 1, 1);
  nan[17] = NaN;
  assert.equal(s.pick(nan, null), "non-finite");
  const inf = noise(V, 1, 1);
  inf[3] = Infinity;
  assert.equal(s.pick(inf, null), "non-finite");
  assert.equal(s.pick(noise(V, 1, 1), new Uint32Array(Math.ceil(V / 32))), "nothing-allowed");
});
