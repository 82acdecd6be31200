/**
 * Prompt heads reused from earlier requests' KV caches: a prompt that starts like a finished
 * one prefills only the rest (`cachedTokens` says how much was skipped) and still gives HF's
 * golden greedy ids; caches made with another adapter, or with an adapter since reloaded, are
 * not reused; a chat's next turn (prompt, answer, more) reuses the whole previous turn and
 * answers as a model that computes it from scratch; requests that arrive together copy the head
 * from the one already running.
 */
import assert from "node:assert/strict";
import { type Backend, type LoadedModel, loadModel } from "../../engine/mod.ts";
import { FIXTURE_DIR } from "../fixture_paths.ts";
import { goldenCases } from "../golden_cases.ts";
import { ENGINE_BACKENDS } from "./backends.ts";

const cases = await goldenCases();
const find = (adapter: string | null, input: string) =>
  cases.find((c) => c.chat && c.adapter === adapter && c.input === input)!;
const baseSum = find(null, "What is 12 + 30?");
const mathSum = find("math", "What is 12 + 30?");
const mathOther = find("math", "What is 77 + 19?");
const MATH = `${FIXTURE_DIR}/adapters/math`;

async function fresh(backend: Backend): Promise<LoadedModel> {
  const m = await loadModel(FIXTURE_DIR, { backend });
  await m.loadAdapter("math", MATH);
  return m;
}

function run(m: LoadedModel, promptIds: number[], maxTokens: number, adapter?: string) {
  return m.generate({ promptIds, maxTokens, adapter }).result;
}

/** Length of the common head of `a` and `b`. */
function shared(a: number[], b: number[]): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

for (const backend of ENGINE_BACKENDS) {
  Deno.test(`${backend}: a prompt reuses the cached head of an earlier one and still gives the golden ids`, async () => {
    const m = await fresh(backend);
    try {
      const half = Math.floor(baseSum.prompt_ids.length / 2);
      const first = await run(m, baseSum.prompt_ids.slice(0, half), 1);
      assert.equal(first.cachedTokens, 0, "nothing is cached in a fresh model");

      const whole = await run(m, baseSum.prompt_ids, baseSum.greedy_ids.length);
      assert.equal(whole.cachedTokens, half, "the first request's prompt is reused");
      assert.deepEqual(whole.ids, baseSum.greedy_ids);

      // The same tokens under an adapter: the base model's keys and values do not apply.
      const math = await run(m, mathSum.prompt_ids, mathSum.greedy_ids.length, "math");
      assert.equal(math.cachedTokens, 0, "caches of another adapter are not reused");
      assert.deepEqual(math.ids, mathSum.greedy_ids);

      const other = await run(m, mathOther.prompt_ids, mathOther.greedy_ids.length, "math");
      const head = shared(mathSum.prompt_ids, mathOther.prompt_ids);
      assert.ok(head > 0);
      assert.equal(other.cachedTokens, head, "the chat template's head is reused");
      assert.deepEqual(other.ids, mathOther.greedy_ids);

      await m.loadAdapter("math", MATH); // reloaded: its cached prompts are stale
      const again = await run(m, mathOther.prompt_ids, mathOther.greedy_ids.length, "math");
      assert.equal(again.cachedTokens, 0, "a reloaded adapter's old caches are not reused");
      assert.deepEqual(again.ids, mathOther.greedy_ids);
    } finally {
      m.close();
    }
  });

  Deno.test(`${backend}: a chat's next turn reuses the previous turn and answers as a cold model does`, async () => {
    const warm = await fresh(backend), cold = await fresh(backend);
    try {
      const turn = await run(warm, baseSum.prompt_ids, 12);
      const next = [...baseSum.prompt_ids, ...turn.ids, ...cases[0].prompt_ids];
      const reused = await run(warm, next, 16);
      // Every token the previous turn read: its prompt and all it generated but the last.
      assert.equal(reused.cachedTokens, baseSum.prompt_ids.length + turn.ids.length - 1);
      const scratch = await run(cold, next, 16);
      assert.equal(scratch.cachedTokens, 0);
      assert.deepEqual(reused.ids, scratch.ids);
    } finally {
      warm.close();
      cold.close();
    }
  });

  Deno.test(`${backend}: requests arriving together copy the shared head from the running one and give the golden ids`, async () => {
    const m = await fresh(backend);
    try {
      const [a, b] = await Promise.all([
        run(m, mathSum.prompt_ids, mathSum.greedy_ids.length, "math"),
        run(m, mathOther.prompt_ids, mathOther.greedy_ids.length, "math"),
      ]);
      assert.equal(a.cachedTokens, 0);
      assert.equal(b.cachedTokens, shared(mathSum.prompt_ids, mathOther.prompt_ids));
      assert.deepEqual(a.ids, mathSum.greedy_ids);
      assert.deepEqual(b.ids, mathOther.greedy_ids);
    } finally {
      m.close();
    }
  });
}
