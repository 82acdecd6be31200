/**
 * Sampling on every backend: seeded runs repeat, filters behave, bad requests are refused; and
 * the GPU's own schedules.
 */
import assert from "node:assert/strict";
import { type Backend, GenerateError, type LoadedModel, loadModel } from "../../engine/mod.ts";
import { ENGINE_BACKENDS } from "./backends.ts";
import { releaseOnUnload } from "../release_on_unload.ts";

const shared = new Map<Backend, Promise<LoadedModel>>();
function model(backend: Backend): Promise<LoadedModel> {
  if (!shared.has(backend)) {
    shared.set(
      backend,
      loadModel("default", { backend }).then((m) => (releaseOnUnload(m), m)),
    );
  }
  return shared.get(backend)!;
}
const PROMPT = "def fibonacci(n):";

async function sample(m: LoadedModel, sampling: object, maxTokens = 12): Promise<number[]> {
  const r = await m.generate({ promptIds: m.encode(PROMPT), maxTokens, sampling }).result;
  return r.ids;
}

for (const backend of ENGINE_BACKENDS) {
  Deno.test(`sampling (${backend}): the same seed gives the same tokens, another seed other tokens`, async () => {
    const m = await model(backend);
    const a = await sample(m, { temperature: 1.2, seed: 7 });
    const b = await sample(m, { temperature: 1.2, seed: 7 });
    const c = await sample(m, { temperature: 1.2, seed: 8 });
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
  });

  Deno.test(`sampling (${backend}): top-k 1 at any temperature is greedy`, async () => {
    const m = await model(backend);
    const greedy = await sample(m, {});
    assert.deepEqual(await sample(m, { temperature: 5, topK: 1, seed: 3 }), greedy);
  });

  Deno.test(`sampling (${backend}): a tiny top-p keeps only the most likely token`, async () => {
    const m = await model(backend);
    const greedy = await sample(m, {});
    assert.deepEqual(await sample(m, { temperature: 1, topP: 1e-6, seed: 11 }), greedy);
  });

  Deno.test(`sampling (${backend}): logprobs are the model's log-probabilities, best first`, async () => {
    const m = await model(backend);
    const events = [];
    const s = m.generate({ promptIds: m.encode(PROMPT), maxTokens: 3, logprobs: 5 });
    for await (const e of s) events.push(e);
    assert.equal(events.length, 3);
    for (const e of events) {
      assert.ok(e.logprob! <= 0);
      assert.equal(e.topLogprobs!.length, 5);
      assert.equal(e.topLogprobs![0].id, e.id, "greedy picks the most likely token");
      const lp = e.topLogprobs!.map((t) => t.logprob);
      assert.deepEqual([...lp].sort((x, y) => y - x), lp);
      assert.ok(Math.abs(lp[0] - e.logprob!) < 1e-5);
    }
  });

  Deno.test(`sampling (${backend}): a token mask restricts every step`, async () => {
    const m = await model(backend);
    const allowedIds = m.encode(" 1 2 3 4 5 6 7 8 9");
    const words = Math.ceil(m.info.vocabSize / 32);
    const mask = new Uint32Array(words);
    for (const id of allowedIds) mask[id >> 5] |= 1 << (id & 31);
    const r = await m.generate({
      promptIds: m.encode(PROMPT),
      maxTokens: 6,
      constraint: { allowed: () => mask },
    }).result;
    assert.equal(r.ids.length, 6);
    for (const id of r.ids) assert.ok(allowedIds.includes(id), `token ${id} was not allowed`);
  });

  Deno.test(`sampling (${backend}): alternatives are only tokens the mask allows, even when fewer than asked`, async () => {
    const m = await model(backend);
    const allowedIds = [...new Set(m.encode(" 7 8"))].slice(0, 2);
    const mask = new Uint32Array(Math.ceil(m.info.vocabSize / 32));
    for (const id of allowedIds) mask[id >> 5] |= 1 << (id & 31);
    const s = m.generate({
      promptIds: m.encode(PROMPT),
      maxTokens: 2,
      logprobs: 5,
      constraint: { allowed: () => mask },
    });
    for await (const e of s) {
      assert.ok(
        e.topLogprobs!.length <= allowedIds.length,
        `${e.topLogprobs!.length} alternatives`,
      );
      for (const t of e.topLogprobs!) assert.ok(allowedIds.includes(t.id), `alternative ${t.id}`);
    }
  });

  Deno.test(`generate (${backend}): aborting stops the sequence with reason cancelled`, async () => {
    const m = await model(backend);
    const ac = new AbortController();
    const s = m.generate({ promptIds: m.encode(PROMPT), maxTokens: 400, signal: ac.signal });
    let n = 0;
    for await (const _ of s) if (++n === 3) ac.abort();
    const r = await s.result;
    assert.equal(r.finishReason, "cancelled");
    assert.ok(r.ids.length < 400);
  });

  Deno.test(`generate (${backend}): bad requests are refused with a message naming the problem`, async () => {
    const m = await model(backend);
    assert.throws(() => m.generate({ promptIds: [] }), GenerateError);
    assert.throws(() => m.generate({ promptIds: [999999999] }), /outside the vocabulary/);
    assert.throws(() => m.generate({ promptIds: [1], maxTokens: 0 }), /maxTokens/);
    assert.throws(() => m.generate({ promptIds: [1], adapter: "nope" }), /not loaded/);
    const long = new Array(m.info.contextLength).fill(1);
    assert.throws(() => m.generate({ promptIds: long }), /context holds/);
  });

  Deno.test(`embed (${backend}): mean-pooled hidden states separate unrelated texts`, async () => {
    const m = await model(backend);
    const [a, b, c] = await Promise.all(
      ["What is 12 + 30?", "What is 40 + 17?", "Reverse the list: 3 9 1"].map((t) =>
        m.embed(m.encode(t))
      ),
    );
    const cos = (x: Float32Array, y: Float32Array) => {
      let d = 0, nx = 0, ny = 0;
      for (let i = 0; i < x.length; i++) (d += x[i] * y[i], nx += x[i] ** 2, ny += y[i] ** 2);
      return d / Math.sqrt(nx * ny);
    };
    assert.equal(a.length, m.info.hiddenSize);
    assert.ok(cos(a, b) > cos(a, c), `${cos(a, b)} vs ${cos(a, c)}`);
  });

  Deno.test(`close (${backend}): a generation running when the model closes ends with an error`, async () => {
    const m = await loadModel("default", { backend });
    const s = m.generate({ promptIds: m.encode(PROMPT), maxTokens: 200, ignoreEos: true });
    for await (const _ of s) break;
    m.close();
    await assert.rejects(s.result, /closed during generation/);
  });

  Deno.test(`penalties (${backend}): a strong frequency penalty stops a greedy loop from repeating tokens`, async () => {
    const m = await model(backend);
    const plain = await sample(m, {}, 24);
    const penalized = await sample(m, { frequencyPenalty: 100 }, 24);
    const repeats = (ids: number[]) => ids.length - new Set(ids).size;
    assert.ok(repeats(plain) > 0, "the greedy continuation repeats itself");
    assert.equal(repeats(penalized), 0, `penalized ids repeat: ${penalized}`);
    assert.deepEqual(await sample(m, { frequencyPenalty: 100 }, 24), penalized);
  });

  Deno.test(`penalties (${backend}): a repetition penalty of 1 and zero presence change nothing`, async () => {
    const m = await model(backend);
    assert.deepEqual(
      await sample(m, { repetitionPenalty: 1, presencePenalty: 0 }, 12),
      await sample(m, {}, 12),
    );
    assert.throws(() => m.generate({ promptIds: [1], sampling: { repetitionPenalty: 0 } }), /> 0/);
    assert.throws(() => m.generate({ promptIds: [1], sampling: { temperature: NaN } }), /finite/);
  });
}

Deno.test("sampling: the GPU schedule (wide sampler plan) repeats with a seed and top-k 1 is greedy", async () => {
  const m = await loadModel("default", {
    backend: "gpu",
    cooperativeMatmul: true,
    maxSequences: 2,
  });
  try {
    const greedy = await sample(m, {}, 6);
    assert.deepEqual(await sample(m, { temperature: 3, topK: 1, seed: 9 }, 6), greedy);
    const a = await sample(m, { temperature: 1, seed: 5 }, 6);
    assert.deepEqual(await sample(m, { temperature: 1, seed: 5 }, 6), a);
    assert.deepEqual(
      greedy,
      await sample(await model("gpu"), {}, 6),
      "same greedy ids on both schedules",
    );
  } finally {
    m.close();
  }
});
