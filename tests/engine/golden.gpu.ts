/**
 * The engine against HF transformers' float32 outputs for the fixture (golden.json): identical
 * prompt ids, top-5 logits within 2e-3, identical greedy continuations, for the base model and
 * all three LoRA specialists, raw and chat, on every backend.
 */
import assert from "node:assert/strict";
import {
  type Backend,
  type GpuModel,
  type LoadedModel,
  loadModel,
  type LoadOptions,
} from "../../engine/mod.ts";
import { FIXTURE_DIR } from "../fixture_paths.ts";
import { type GoldenCase, goldenCases } from "../golden_cases.ts";
import { releaseOnUnload } from "../release_on_unload.ts";
import { ENGINE_BACKENDS } from "./backends.ts";

const cases = await goldenCases();
const ADAPTERS = ["math", "geography", "lists"];
const shared = new Map<Backend, Promise<LoadedModel>>();

function model(backend: Backend): Promise<LoadedModel> {
  let m = shared.get(backend);
  if (!m) {
    m = (async () => {
      const m = await loadModel(FIXTURE_DIR, { backend });
      releaseOnUnload(m);
      for (const a of ADAPTERS) await m.loadAdapter(a, `${FIXTURE_DIR}/adapters/${a}`);
      return m;
    })();
    shared.set(backend, m);
  }
  return m;
}

const TOLERANCE = 2e-3;

/**
 * `m`'s last-position logits for case `c`'s prompt (on its adapter, if any) match HF's for its
 * five most likely next tokens, within TOLERANCE.
 */
async function assertTop5(m: LoadedModel, c: GoldenCase): Promise<void> {
  const logits = await m.lastLogits(c.prompt_ids, c.adapter);
  c.top5_ids.forEach((id, i) => {
    const diff = Math.abs(logits[id] - c.top5_logits[i]);
    assert.ok(
      diff <= TOLERANCE,
      `${c.input}: logit of token ${id} is ${logits[id]}, HF's ${c.top5_logits[i]}`,
    );
  });
}

/** `m`'s greedy continuation of case `c`'s prompt (on its adapter, if any) is HF's. */
async function assertGreedy(m: LoadedModel, c: GoldenCase): Promise<void> {
  const r = await m.generate({
    promptIds: c.prompt_ids,
    adapter: c.adapter,
    maxTokens: c.greedy_ids.length,
  }).result;
  assert.deepEqual(r.ids, c.greedy_ids, c.input);
}

Deno.test("golden: chat prompts render and tokenize exactly as HF does", async () => {
  const m = await model("cpu");
  for (const c of cases) {
    if (c.chat) {
      const rendered = m.renderChat([{ role: "user", content: c.input }], {
        addGenerationPrompt: true,
        enableThinking: false,
      });
      assert.equal(rendered, c.rendered, `rendered prompt for ${c.input}`);
    } else assert.equal(c.rendered, c.input);
    assert.deepEqual(m.encode(c.rendered), c.prompt_ids, `prompt ids for ${c.input}`);
  }
});

for (const backend of ENGINE_BACKENDS) {
  for (const c of cases) {
    const label = `${backend}: ${c.adapter ?? "base"} ${c.chat ? "chat" : "raw"} ${
      JSON.stringify(c.input)
    }`;
    Deno.test(`golden ${label}: top-5 logits within ${TOLERANCE} and greedy ids identical`, async () => {
      const m = await model(backend);
      await assertTop5(m, c);
      await assertGreedy(m, c);
    });
  }
}

/**
 * The fixture on the GPU with the cooperative schedule real GPUs take (llvmpipe otherwise gets the
 * per-thread one) and two sequence slots, plus `options` choosing which launches a step uses.
 */
function cooperativeModel(options: LoadOptions): Promise<GpuModel> {
  return loadModel(FIXTURE_DIR, {
    ...options,
    backend: "gpu" as const,
    cooperativeMatmul: true,
    maxSequences: 2,
  });
}

Deno.test("golden: the GPU schedule (tiled GEMM for prefill, matmul for decode) gives the same logits and ids", async () => {
  // gemmMinRows 3: every prompt's prefill takes the GEMM, decode steps (1-2 rows) the matmul.
  const m = await cooperativeModel({ gemmMinRows: 3 });
  try {
    await m.loadAdapter("lists", `${FIXTURE_DIR}/adapters/lists`);
    for (const c of [cases[0], cases.find((c) => c.adapter === "lists")!]) {
      await assertTop5(m, c);
    }
    await m.loadAdapter("math", `${FIXTURE_DIR}/adapters/math`);
    // Two adapters in one batch: each row gathers its own LoRA delta.
    const mixed = [
      cases.find((c) => c.adapter === "lists")!,
      cases.find((c) => c.adapter === "math")!,
    ];
    await Promise.all(mixed.map((c) => assertGreedy(m, c)));
  } finally {
    m.close();
  }
});

/** Every base-model case's top-5 logits, and the first case's greedy ids, on `m`. */
async function assertBaseCases(m: LoadedModel): Promise<void> {
  const base = cases.filter((c) => !c.adapter);
  for (const c of base) await assertTop5(m, c);
  await assertGreedy(m, base[0]);
}

Deno.test("golden: the GPU schedule with no adapter resident (norms folded into the matmuls, RoPE and the KV write inside the decode attention) matches", async () => {
  // Without adapters, steps under the GEMM's row threshold fold each RMSNorm into the projections.
  const m = await cooperativeModel({ foldNormMaxRows: 64 }); // the prompts' prefills fold too
  try {
    // The step really is folded: no norm launches before the projections (only the final norm).
    const { labels } = await m.timeSteps(1, 0);
    assert.ok(labels.includes("qkv proj") && labels.includes("gate+up+swiglu"), labels.join());
    assert.ok(!labels.includes("attn norm") && !labels.includes("ffn norm"), labels.join());
    // A one-row step rotates and caches its key inside the attention launch, which also merges
    // its key chunks (no merge launch after it).
    assert.ok(labels.includes("rope+kv+attention") && !labels.includes("rope+kv"), labels.join());
    assert.ok(!labels.includes("attention merge"), labels.join());
    // So does a step of two sequences; two rows of one prompt rotate and cache first.
    const batch = await m.timeSteps(1, 16, { rows: 2, sampleRows: 2, streams: true });
    assert.ok(batch.labels.includes("rope+kv+attention"), batch.labels.join());
    assert.ok(!batch.labels.includes("attention merge"), batch.labels.join());
    const prompt = await m.timeSteps(1, 16, { rows: 2 });
    assert.ok(prompt.labels.includes("rope+kv") && prompt.labels.includes("attention"));
    // Timing streams writes sequence slots: refused past the slots, and while anything generates.
    await assert.rejects(
      m.timeSteps(1, 16, { rows: 3, streams: true }),
      /3 streams is more than the 2 sequence slots/,
    );
    const running = m.generate({ promptIds: cases[0].prompt_ids, maxTokens: 4 });
    await assert.rejects(
      m.timeSteps(1, 16, { rows: 2, streams: true }),
      /wait for generations to end/,
    );
    await running.result;
    await assertBaseCases(m);
  } finally {
    m.close();
  }
});

Deno.test("golden: with an adapter resident, the RMSNorms fold into the LoRA down projections too (q, k and v's in one launch, gate and up's in another) and match PEFT", async () => {
  // No GEMM and folding up to 64 rows: the prompts' prefills take the folded matmuls as well.
  const m = await cooperativeModel({ foldNormMaxRows: 64, gemmMinRows: 65 });
  try {
    await m.loadAdapter("lists", `${FIXTURE_DIR}/adapters/lists`);
    const { labels } = await m.timeSteps(1, 0);
    assert.ok(
      labels.includes("lora down q+k+v") && labels.includes("lora down gate+up"),
      labels.join(),
    );
    assert.ok(!labels.includes("attn norm") && !labels.includes("ffn norm"), labels.join());
    const lists = cases.filter((c) => c.adapter === "lists");
    for (const c of lists) await assertTop5(m, c);
    await assertGreedy(m, lists[0]);
  } finally {
    m.close();
  }
});

Deno.test("golden: the GPU schedule with no adapter resident and the GEMM for prompts (Q, K and V as one GEMM; split reduces that write the next norm) matches", async () => {
  const m = await cooperativeModel({ gemmMinRows: 3 });
  try {
    // A prompt-sized step really runs the fused launches (the tiny model splits the FFN down
    // projection's K, so its reduce writes the next layer's attention norm).
    const { labels } = await m.timeSteps(1, 0, { rows: 8 });
    assert.ok(labels.includes("qkv proj") && !labels.includes("q proj"), labels.join());
    assert.ok(labels.includes("down proj reduce+norm"), labels.join());
    await assertBaseCases(m);
  } finally {
    m.close();
  }
});

for (const backend of ENGINE_BACKENDS) {
  Deno.test(`golden ${backend}: concurrent generations on different adapters equal the sequential ones`, async () => {
    const m = await model(backend);
    await Promise.all(cases.filter((c) => c.chat).map((c) => assertGreedy(m, c)));
  });
}
