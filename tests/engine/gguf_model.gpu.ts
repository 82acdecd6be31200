/**
 * llama.cpp's own GGUF files of the fixture load and continue prompts as llama.cpp does, and
 * llama.cpp's GGUF LoRA files act like the PEFT adapters they were converted from.
 */
import assert from "node:assert/strict";
import { loadModel } from "../../engine/mod.ts";
import { FIXTURE_DIR } from "../fixture_paths.ts";
import { ENGINE_BACKENDS } from "./backends.ts";

interface LlamaCppGreedy {
  model: string;
  prompt: string;
  greedy_text: string;
}

const greedy: LlamaCppGreedy[] = (await Deno.readTextFile(
  `${FIXTURE_DIR}/gguf/llamacpp_greedy.jsonl`,
)).trim().split("\n").map((l) => JSON.parse(l));

for (const backend of ENGINE_BACKENDS) {
  for (const quant of ["Q8_0", "Q4_K_M", "Q5_K_M"]) {
    Deno.test(`gguf ${quant} (${backend}): greedy continuations agree with llama.cpp on >= 2 of 3 prompts (40 chars)`, async () => {
      const m = await loadModel(`${FIXTURE_DIR}/gguf/tiny-${quant}.gguf`, { backend });
      try {
        let agree = 0;
        const cases = greedy.filter((g) => g.model === `tiny-${quant}`);
        assert.equal(cases.length, 3);
        for (const g of cases) {
          const r = await m.generate({ promptIds: m.encode(g.prompt), maxTokens: 24 }).result;
          if (m.decode(r.ids).slice(0, 40) === g.greedy_text.slice(0, 40)) agree++;
        }
        assert.ok(agree >= 2, `${agree} of 3 prompts agree`);
      } finally {
        m.close();
      }
    });
  }
}

for (const backend of ENGINE_BACKENDS) {
  Deno.test(`gguf LoRA files from llama.cpp give the PEFT adapters' answers (${backend})`, async () => {
    const golden = JSON.parse(await Deno.readTextFile(`${FIXTURE_DIR}/golden.json`)) as {
      adapter: string | null;
      prompt_ids: number[];
      greedy_ids: number[];
    }[];
    const m = await loadModel(FIXTURE_DIR, { backend });
    try {
      for (const name of ["math", "geography", "lists"]) {
        await m.loadAdapter(`${name}-peft`, `${FIXTURE_DIR}/adapters/${name}`);
        await m.loadAdapter(`${name}-gguf`, `${FIXTURE_DIR}/gguf/lora-${name}-f16.gguf`);
      }
      for (const c of golden.filter((g) => g.adapter)) {
        const [a, b] = await Promise.all(
          ["peft", "gguf"].map((kind) => m.lastLogits(c.prompt_ids, `${c.adapter}-${kind}`)),
        );
        let worst = 0;
        for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
        assert.ok(worst < 0.05, `f16 LoRA logits differ from f32 PEFT by ${worst}`);
        const r = await m.generate({
          promptIds: c.prompt_ids,
          adapter: `${c.adapter}-gguf`,
          maxTokens: c.greedy_ids.length,
        }).result;
        assert.deepEqual(r.ids, c.greedy_ids);
      }
    } finally {
      m.close();
    }
  });
}
