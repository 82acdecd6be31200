/** Adapters can be unloaded and replaced while requests run; running requests keep theirs. */
import assert from "node:assert/strict";
import { loadModel } from "../../engine/mod.ts";
import { FIXTURE_DIR } from "../fixture_paths.ts";
import { ENGINE_BACKENDS } from "./backends.ts";

const golden = JSON.parse(await Deno.readTextFile(`${FIXTURE_DIR}/golden.json`)) as {
  adapter: string | null;
  prompt_ids: number[];
  greedy_ids: number[];
}[];

for (const backend of ENGINE_BACKENDS) {
  Deno.test(`adapters (${backend}): a running request keeps its adapter while it is unloaded and replaced`, async () => {
    const m = await loadModel(FIXTURE_DIR, { backend, maxSequences: 2 });
    try {
      const lists = golden.find((c) => c.adapter === "lists")!;
      await m.loadAdapter("lists", `${FIXTURE_DIR}/adapters/lists`);
      const run = m.generate({
        promptIds: lists.prompt_ids,
        adapter: "lists",
        maxTokens: lists.greedy_ids.length,
      });
      m.unloadAdapter("lists");
      await m.loadAdapter("math", `${FIXTURE_DIR}/adapters/math`);
      await m.loadAdapter("geography", `${FIXTURE_DIR}/adapters/geography`);
      assert.deepEqual((await run.result).ids, lists.greedy_ids);
      assert.deepEqual(m.adapterNames().sort(), ["geography", "math"]);
      assert.throws(() => m.generate({ promptIds: [1], adapter: "lists" }), /not loaded/);
    } finally {
      m.close();
    }
  });

  Deno.test(`adapters (${backend}): reloading an adapter in use swaps it for new requests only`, async () => {
    const m = await loadModel(FIXTURE_DIR, { backend, maxSequences: 2 });
    try {
      const lists = golden.find((c) => c.adapter === "lists")!;
      const math = golden.find((c) => c.adapter === "math")!;
      await m.loadAdapter("s", `${FIXTURE_DIR}/adapters/lists`);
      const run = m.generate({ promptIds: lists.prompt_ids, adapter: "s", maxTokens: 8 });
      await m.loadAdapter("s", `${FIXTURE_DIR}/adapters/math`);
      assert.deepEqual((await run.result).ids, lists.greedy_ids);
      const after = await m.generate({ promptIds: math.prompt_ids, adapter: "s", maxTokens: 3 })
        .result;
      assert.deepEqual(after.ids, math.greedy_ids);
    } finally {
      m.close();
    }
  });
}
