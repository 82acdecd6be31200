/**
 * The CPU backend beyond the shared conformance tests: llama.cpp's Q8_0 greedy text on every
 * prompt (its numerics follow llama.cpp's CPU path), interleaved requests equal to sequential
 * ones, seeds that repeat under concurrency, thread counts that do not change results, stop ids
 * and end-of-turn handling, and clear errors for what it cannot load.
 */
import assert from "node:assert/strict";
import { CpuMemoryError, CpuWeightError, loadModel } from "../../../engine/mod.ts";
import { KernelMemory } from "../../../engine/cpu/kernel_memory.ts";
import { loadMatrix } from "../../../engine/cpu/matrix.ts";
import { GgmlType } from "../../../kernels/mod.ts";
import { FIXTURE_DIR } from "../../fixture_paths.ts";

const Q8 = `${FIXTURE_DIR}/gguf/tiny-Q8_0.gguf`;

Deno.test("cpu: Q8_0 continues all three prompts exactly as llama.cpp does (40 chars)", async () => {
  const greedy = (await Deno.readTextFile(`${FIXTURE_DIR}/gguf/llamacpp_greedy.jsonl`))
    .trim().split("\n").map((l) =>
      JSON.parse(l) as { model: string; prompt: string; greedy_text: string }
    )
    .filter((g) => g.model === "tiny-Q8_0");
  const m = await loadModel(Q8, { backend: "cpu" });
  try {
    assert.equal(greedy.length, 3);
    for (const g of greedy) {
      const r = await m.generate({ promptIds: m.encode(g.prompt), maxTokens: 24 }).result;
      assert.equal(m.decode(r.ids).slice(0, 40), g.greedy_text.slice(0, 40));
    }
  } finally {
    m.close();
  }
});

Deno.test("cpu: concurrent greedy requests, one with a multi-chunk prompt, equal sequential ones", async () => {
  const m = await loadModel(Q8, { backend: "cpu" });
  try {
    const long = m.encode("def parse(text):\n    return text.split()\n".repeat(30));
    assert.ok(long.length > 256, "the long prompt spans several prefill chunks");
    const requests = [
      { promptIds: long, maxTokens: 12 },
      { promptIds: m.encode("for i in range(10):"), maxTokens: 20 },
      { promptIds: m.encode("class Config:"), maxTokens: 7 },
      { promptIds: m.encode("import os"), maxTokens: 16, ignoreEos: true },
    ];
    const sequential: number[][] = [];
    for (const r of requests) sequential.push((await m.generate(r).result).ids);
    const concurrent = await Promise.all(requests.map((r) => m.generate(r).result));
    concurrent.forEach((r, i) => assert.deepEqual(r.ids, sequential[i], `request ${i}`));
  } finally {
    m.close();
  }
});

Deno.test("cpu: a seed repeats its sampled tokens even when other requests interleave", async () => {
  const m = await loadModel(Q8, { backend: "cpu" });
  try {
    const req = {
      promptIds: m.encode("def fibonacci(n):"),
      maxTokens: 16,
      sampling: { temperature: 1.1, topP: 0.95, topK: 40, seed: 1234 },
    };
    const alone = (await m.generate(req).result).ids;
    const [mixed] = await Promise.all([
      m.generate(req).result,
      m.generate({ ...req, sampling: { temperature: 1.5, seed: 9 } }).result,
      m.generate({ promptIds: m.encode("import os"), maxTokens: 10 }).result,
    ]);
    assert.deepEqual(mixed.ids, alone);
  } finally {
    m.close();
  }
});

Deno.test("cpu: one thread and three threads give bit-identical logits", async () => {
  const one = await loadModel(Q8, { backend: "cpu", threads: 1 });
  const three = await loadModel(Q8, { backend: "cpu", threads: 3 });
  try {
    assert.equal(three.threads, 3);
    const ids = one.encode("The quick brown fox");
    assert.deepEqual(await three.lastLogits(ids), await one.lastLogits(ids));
  } finally {
    one.close();
    three.close();
  }
});

Deno.test("cpu: a stop id ends generation on it; ignoreEos runs past end-of-turn", async () => {
  const m = await loadModel("default", { backend: "cpu" });
  try {
    const promptIds = m.encode("def fibonacci(n):");
    const free = await m.generate({ promptIds, maxTokens: 8 }).result;
    assert.equal(free.finishReason, "length");
    const stopped = await m.generate({ promptIds, maxTokens: 8, stopIds: [free.ids[2]] }).result;
    assert.equal(stopped.finishReason, "stop");
    assert.deepEqual(stopped.ids, free.ids.slice(0, free.ids.indexOf(free.ids[2]) + 1));
    // The math specialist's answer ends on <|im_end|>; ignoreEos keeps going to maxTokens.
    await m.loadAdapter("math", `${FIXTURE_DIR}/adapters/math`);
    const chat = m.encode(m.renderChat([{ role: "user", content: "What is 12 + 30?" }]));
    const turn = await m.generate({ promptIds: chat, adapter: "math", maxTokens: 24 }).result;
    assert.equal(turn.finishReason, "stop");
    assert.ok(m.info.stopIds.includes(turn.ids.at(-1)!));
    const past = await m.generate({
      promptIds: chat,
      adapter: "math",
      maxTokens: turn.ids.length + 3,
      ignoreEos: true,
    }).result;
    assert.equal(past.finishReason, "length");
    assert.deepEqual(past.ids.slice(0, turn.ids.length), turn.ids);
  } finally {
    m.close();
  }
});

Deno.test("cpu: weights it cannot take and models beyond 4 GiB are refused with the reason", () => {
  const mem = new KernelMemory();
  assert.throws(
    () => loadMatrix(mem, "w", GgmlType.F32, 3, 6, new Uint8Array(3 * 6 * 4)),
    (e) => e instanceof CpuWeightError && /not a multiple of 4/.test(e.message),
  );
  assert.throws(
    () => loadMatrix(mem, "w", GgmlType.Q8_0, 2, 32, new Uint8Array(40)),
    (e) => e instanceof CpuWeightError && /40 bytes, expected 68/.test(e.message),
  );
  assert.throws(
    () => mem.alloc(5 * 2 ** 30),
    (e) => e instanceof CpuMemoryError && /needs 5\.00 GiB/.test(e.message),
  );
});
