/**
 * The two sampler kernels on crafted logits against the CPU reference (kernels/sample_ref.ts),
 * for both plans (GPU: 4096-logit chunks and a 1024-wide pick; software: 2048 and 256): greedy,
 * log-probabilities, mask, penalties, non-finite logits, and the kept sets and frequencies of
 * temperature sampling with top-k, top-p and min-p, on candidates and on the full-row fallback.
 */
import assert from "node:assert/strict";
import { samplerPlan } from "../../kernels/mod.ts";
import { sampleRef, type SampleRefParams } from "../../kernels/sample_ref.ts";
import { testGpu } from "./gpu_test_device.ts";
import { runSampler, type SamplerRow } from "./sampler_harness.ts";

const gpu = await testGpu();
/** Not a multiple of either plan's chunk, so the last chunk is partial. */
const V = 9000;
const PLANS = { software: samplerPlan(V, false), gpu: samplerPlan(V, true) };

function noise(n: number, seed: number, scale: number): Float32Array {
  let x = seed;
  return Float32Array.from({ length: n }, () => {
    x = (x * 1664525 + 1013904223) >>> 0;
    return (x / 2 ** 32) * scale;
  });
}

/** Logits where `peak` tokens stand out by descending margins over a low floor. */
function peaked(peak: number, seed: number): Float32Array {
  const l = noise(V, seed, 1).map((x) => x - 8);
  for (let j = 0; j < peak; j++) l[(j * 611 + 17) % V] = 6 - j * 0.35;
  return l;
}

function assertLogprobs(got: { token: number; logprob: number }, want: Float64Array) {
  assert.ok(
    Math.abs(got.logprob - want[got.token]) < 1e-4,
    `token ${got.token}: logprob ${got.logprob} vs ${want[got.token]}`,
  );
}

/** Draws `rows` x `steps` tokens from one logits row with distinct seeds. */
async function draws(
  plan: keyof typeof PLANS,
  logits: Float32Array,
  params: SampleRefParams,
  rows = 16,
  steps = 64,
  extra: Partial<SamplerRow> = {},
): Promise<number[]> {
  const spec = Array.from({ length: rows }, (_, i) => ({ logits, params, seed: 77 + i, ...extra }));
  const { records } = await runSampler(gpu, PLANS[plan], spec, steps);
  return records.flat().map((r) => r.token);
}

/** Every draw is kept, and each kept group's frequency is within 5 standard errors. */
function assertDistribution(tokens: number[], probs: Float64Array, groups: number[][]) {
  for (const t of tokens) assert.ok(probs[t] > 0, `token ${t} is outside the kept set`);
  const n = tokens.length;
  for (const g of groups) {
    const p = Math.min(1, g.reduce((s, i) => s + probs[i], 0));
    const set = new Set(g);
    const f = tokens.filter((t) => set.has(t)).length / n;
    const tol = 5 * Math.sqrt(p * (1 - p) / n) + 2 / n;
    assert.ok(Math.abs(f - p) <= tol, `group of ${g.length}: frequency ${f} vs ${p}`);
  }
}

for (const plan of ["software", "gpu"] as const) {
  Deno.test(`sampler (${plan}): greedy is the argmax, lowest id on ties, with log-softmax logprobs`, async () => {
    const logits = noise(V, 3, 4);
    for (const id of [7001, 4096, 333]) logits[id] = 9; // tied maxima across chunks
    const { records } = await runSampler(gpu, PLANS[plan], [{ logits, params: {}, nTop: 20 }]);
    const ref = sampleRef(logits, {});
    const r = records[0][0];
    assert.equal(r.token, 333);
    assertLogprobs(r, ref.logprobs);
    const order = [...ref.logprobs.keys()].sort((a, b) =>
      ref.logprobs[b] - ref.logprobs[a] || a - b
    );
    assert.deepEqual(r.top.map((t) => t.id), order.slice(0, 20));
    for (const t of r.top) assertLogprobs({ token: t.id, logprob: t.logprob }, ref.logprobs);
  });

  Deno.test(`sampler (${plan}): top-k, top-p and min-p on the candidates keep the reference set and its frequencies`, async () => {
    const logits = peaked(30, 5);
    const cases: SampleRefParams[] = [
      { temperature: 0.7, topP: 0.9 },
      { temperature: 1.3, topK: 12 },
      { temperature: 1, minP: 0.1 },
      { temperature: 0.9, topK: 20, topP: 0.8, minP: 0.02 },
    ];
    for (const params of cases) {
      const ref = sampleRef(logits, params);
      const tokens = await draws(plan, logits, params, 16, plan === "gpu" ? 32 : 64);
      assertDistribution(tokens, ref.probs, ref.kept.slice(0, 6).map((i) => [i]));
    }
  });

  Deno.test(`sampler (${plan}): flat rows take the full-row fallback and stay exact`, async () => {
    // 3000 tokens one unit above the rest, with a little noise: every filter's kept set is
    // far wider than the candidates.
    const logits = noise(V, 11, 0.05);
    for (let i = 0; i < V; i += 3) logits[i] += 1;
    const high = [...logits.keys()].filter((i) => i % 3 === 0);
    const low = [...logits.keys()].filter((i) => i % 3 !== 0);
    const cases: SampleRefParams[] = [
      { temperature: 1 },
      { temperature: 0.8, topK: 1500 },
      { temperature: 1, topP: 0.5 },
      { temperature: 1, minP: 0.5 },
    ];
    for (const params of cases) {
      const ref = sampleRef(logits, params);
      assert.ok(ref.kept.length > 500, "the kept set is wider than the candidates");
      const tokens = await draws(plan, logits, params, 16, plan === "gpu" ? 32 : 64);
      assertDistribution(tokens, ref.probs, [high, low, high.slice(0, 1500)]);
    }
  });

  Deno.test(`sampler (${plan}): the mask restricts greedy and sampled tokens and renormalizes logprobs`, async () => {
    const logits = peaked(30, 13);
    const mask = new Uint32Array(Math.ceil(V / 32));
    const allowed = [...logits.keys()].filter((i) => i % 97 === 5);
    allowed.push((3 * 611 + 17) % V, (7 * 611 + 17) % V); // two of the peaks
    for (const i of allowed) mask[i >> 5] |= 1 << (i & 31);
    for (const params of [{}, { temperature: 1.5 }, { temperature: 1, topP: 0.95 }]) {
      const ref = sampleRef(logits, params, undefined, mask);
      const { records } = await runSampler(gpu, PLANS[plan], [
        { logits, params, mask, nTop: 3, seed: 1 },
        { logits, params, mask, nTop: 3, seed: 2 },
      ], 16);
      for (const r of records.flat()) {
        assert.ok(ref.probs[r.token] > 0, `token ${r.token} is not allowed`);
        assertLogprobs(r, ref.logprobs);
      }
      if (!("temperature" in params)) assert.equal(records[0][0].token, ref.greedy);
    }
  });

  Deno.test(`sampler (${plan}): penalties apply to the generated tokens, in place`, async () => {
    const logits = peaked(10, 17);
    const counts = new Uint32Array(V);
    const first = sampleRef(logits, {}).greedy;
    counts[first] = 3;
    counts[(1 * 611 + 17) % V] = 1;
    counts[8000] = 2;
    const params = { repetition: 1.3, presence: 0.5, frequency: 0.2 };
    const ref = sampleRef(logits, params, counts);
    assert.notEqual(ref.greedy, first, "the penalty changes the argmax");
    const { records, logits: after } = await runSampler(gpu, PLANS[plan], [
      { logits, params, counts, nTop: 2 },
    ]);
    assert.equal(records[0][0].token, ref.greedy);
    assertLogprobs(records[0][0], ref.logprobs);
    for (const i of [first, 8000, 5]) assert.equal(after[i], Math.fround(ref.logits[i]));
  });

  Deno.test(`sampler (${plan}): a non-finite logit gives an out-of-vocabulary token`, async () => {
    const nan = peaked(5, 19), inf = peaked(5, 19);
    nan[4321] = NaN;
    inf[12] = Infinity;
    const { records } = await runSampler(gpu, PLANS[plan], [
      { logits: nan, params: {} },
      { logits: inf, params: { temperature: 1, topP: 0.9 } },
      { logits: peaked(5, 19), params: {} },
    ]);
    assert.ok(records[0][0].token >= V);
    assert.ok(records[0][1].token >= V);
    assert.ok(records[0][2].token < V, "other rows are unaffected");
  });
}

for (const plan of ["software", "gpu"] as const) {
  Deno.test(`greedy sampler (${plan}): the argmax (lowest id on ties, masked, non-finite rows refused) and logprob of the reference, counted, each step in its own ring record`, async () => {
    const tied = noise(V, 3, 4);
    for (const id of [7001, 4096, 333]) tied[id] = 9; // tied maxima across chunks
    const masked = peaked(30, 13);
    const mask = new Uint32Array(Math.ceil(V / 32));
    for (const i of [...masked.keys()].filter((i) => i % 97 === 5)) mask[i >> 5] |= 1 << (i & 31);
    const last = noise(V, 5, 4);
    last[V - 1] = 20; // in the last, partial chunk
    const nan = peaked(5, 19);
    nan[4321] = NaN;
    const rows: SamplerRow[] = [
      { logits: tied, params: {} },
      { logits: masked, params: {}, mask },
      { logits: last, params: {}, start: 250 }, // the ring wraps within the steps
      { logits: nan, params: {} },
    ];
    const { records, counts } = await runSampler(gpu, PLANS[plan], rows, 8, true);
    const refs = rows.map((r) => sampleRef(r.logits, {}, undefined, r.mask));
    for (const step of records) {
      rows.forEach((_, i) => {
        if (i === 3) return assert.ok(step[i].token >= V, "a non-finite row gives no token");
        assert.equal(step[i].token, refs[i].greedy);
        assertLogprobs(step[i], refs[i].logprobs);
      });
    }
    assert.equal(records[0][0].token, 333);
    assert.equal(records[0][2].token, V - 1);
    assert.equal(counts[refs[0].greedy], 8, "each step counts its token");
    assert.equal(counts[3 * V + 4321], 0);
  });

  Deno.test(`greedy sampler (${plan}): the same tokens and logprobs as the general sampler at temperature 0`, async () => {
    const rows: SamplerRow[] = [1, 2, 3, 4].map((seed) => ({
      logits: peaked(seed * 7, seed),
      params: {},
    }));
    const general = await runSampler(gpu, PLANS[plan], rows, 1);
    const greedy = await runSampler(gpu, PLANS[plan], rows, 1, true);
    rows.forEach((_, i) => {
      assert.equal(greedy.records[0][i].token, general.records[0][i].token);
      assert.ok(Math.abs(greedy.records[0][i].logprob - general.records[0][i].logprob) < 1e-5);
    });
  });
}

Deno.test("sampler: a seed repeats its tokens whatever else is in the batch", async () => {
  const a = peaked(40, 23), b = noise(V, 29, 0.1);
  const p1 = { temperature: 1, topP: 0.9 }, p2 = { temperature: 0.8 };
  const alone = await runSampler(gpu, PLANS.software, [{ logits: a, params: p1, seed: 5 }], 8);
  const mixed = await runSampler(gpu, PLANS.software, [
    { logits: b, params: p2, seed: 9 },
    { logits: a, params: p1, seed: 5 },
    { logits: a, params: { temperature: 2, minP: 0.01 }, seed: 5 },
  ], 8);
  const again = await runSampler(gpu, PLANS.software, [{ logits: b, params: p2, seed: 9 }], 8);
  const col = (rec: { token: number }[][], i: number) => rec.map((s) => s[i].token);
  assert.deepEqual(col(mixed.records, 1), col(alone.records, 0));
  assert.deepEqual(col(mixed.records, 0), col(again.records, 0));
  assert.ok(new Set(col(alone.records, 0)).size > 1, "draws differ between steps");
});
