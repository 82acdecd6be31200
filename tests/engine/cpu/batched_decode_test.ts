/**
 * The CPU forward pass's batched decode: one step over several sequences, each with its own KV
 * cache, position and adapter, gives every row exactly the logits a step of its own gives.
 */
import assert from "node:assert/strict";
import { openFileSource } from "../../../engine/formats/mod.ts";
import { openGgufModel } from "../../../engine/load.ts";
import { loadLora } from "../../../engine/lora/mod.ts";
import { CpuForward } from "../../../engine/cpu/forward.ts";
import { KernelMemory } from "../../../engine/cpu/kernel_memory.ts";
import { KvCache } from "../../../engine/cpu/kv_cache.ts";
import { RowSplitter } from "../../../engine/cpu/row_split.ts";
import { loadCpuWeights } from "../../../engine/cpu/weights.ts";
import { FIXTURE_DIR } from "../../fixture_paths.ts";

const source = await openFileSource(`${FIXTURE_DIR}/gguf/tiny-Q8_0.gguf`);
const { gguf, config } = await openGgufModel(source);
const mem = new KernelMemory();
const weights = await loadCpuWeights(mem, config, gguf.tensors);
source.close();
const math = await loadLora(`${FIXTURE_DIR}/adapters/math`, config);
const newCache = () => new KvCache(config.layers, config.kvHeads * config.headDim, 256);

/** Runs `test` with a forward pass on `threads` threads (2 splits the logits rows). */
async function withForward(threads: number, test: (f: CpuForward) => void | Promise<void>) {
  const split = new RowSplitter(mem, threads);
  try {
    await test(new CpuForward(mem, config, weights, 16, split));
  } finally {
    split.close();
  }
}

// Prompts of different lengths, so the batch's rows sit at different positions.
const prompts = [[785, 3974, 13876, 38835], [750, 75698, 1445, 982, 262, 470], [1958, 600]];
const adapters = [null, math, null];
const next = [220, 11, 308];

for (const threads of [1, 2]) {
  Deno.test(`cpu decode (${threads} threads): a batch gives each row the logits of its own step`, () =>
    withForward(threads, (forward) => {
      const own = prompts.map(() => newCache()), shared = prompts.map(() => newCache());
      prompts.forEach((ids, i) => {
        forward.step(own[i], ids, adapters[i], "none");
        forward.step(shared[i], ids, adapters[i], "none");
      });
      const alone = prompts.map((_, i) => forward.step(own[i], [next[i]], adapters[i], "logits")!);
      const batched = forward.decode(
        prompts.map((_, i) => ({ cache: shared[i], id: next[i], adapter: adapters[i] })),
      );
      assert.equal(batched.length, 3);
      batched.forEach((logits, i) => {
        assert.deepEqual(logits, alone[i], `row ${i}`);
        assert.equal(shared[i].length, prompts[i].length + 1);
      });
      // The adapter row really differs from what the base model gives there.
      const base = newCache();
      forward.step(base, prompts[1], null, "none");
      assert.notDeepEqual(forward.step(base, [next[1]], null, "logits"), alone[1]);
    }));
}

Deno.test("cpu decode: two rows of one sequence, or more rows than a batch holds, are refused", () =>
  withForward(1, (forward) => {
    const cache = newCache();
    forward.step(cache, prompts[0], null, "none");
    assert.throws(
      () => forward.decode([{ cache, id: 1, adapter: null }, { cache, id: 2, adapter: null }]),
      /one row per sequence/,
    );
    const many = Array.from({ length: forward.maxDecodeRows + 1 }, () => ({
      cache: newCache(),
      id: 1,
      adapter: null,
    }));
    assert.throws(() => forward.decode(many), /a decode step takes 1\.\.8 sequences/);
  }));
