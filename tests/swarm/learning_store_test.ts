import assert from "node:assert/strict";
import { MemoryStore } from "../../memory/mod.ts";
import { HebbianPathways } from "../../swarm/hebbian.ts";
import { InProcessLearningStore, type LearningStore } from "../../swarm/learning_store.ts";

/** The same cases run against the in-process store and memory's SQLite store. */
interface Opened {
  store: LearningStore;
  /** The stored pairs as (prompt, chosen, rejected, specialist). */
  pairs(): { prompt: string; chosen: string; rejected: string; specialist?: string | null }[];
  close(): void;
}

const stores: [string, () => Opened][] = [
  ["InProcessLearningStore", () => {
    const store = new InProcessLearningStore();
    return { store, pairs: () => store.preferencePairs, close() {} };
  }],
  ["MemoryStore", () => {
    const store = MemoryStore.open(":memory:");
    return { store, pairs: () => store.preferences.list(), close: () => store.close() };
  }],
];

for (const [name, open] of stores) {
  Deno.test(`${name} clamps pathway weights to [-1, 1] and decays them`, async () => {
    const { store, close } = open();
    try {
      await store.pathways.adjust("reverse", "lists", 0.7);
      await store.pathways.adjust("reverse", "lists", 0.7);
      await store.pathways.adjust("+", "math", -2);
      await store.pathways.decay(0.5);
      const rows = await store.pathways.get(["reverse", "+", "unseen"]);
      const weight = (cue: string) => rows.find((r) => r.cue === cue)!.weight;
      assert.equal(weight("reverse"), 0.5);
      assert.equal(weight("+"), -0.5);
      assert.equal(rows.find((r) => r.cue === "reverse")!.fires, 2);
      assert.equal((await store.pathways.all()).length, 2);
    } finally {
      close();
    }
  });

  Deno.test(`${name} counts outcomes per specialist and domain`, async () => {
    const { store, close } = open();
    try {
      await store.stats.record("math", "arithmetic", "success");
      await store.stats.record("math", "arithmetic", "success");
      await store.stats.record("math", "reverse", "failure");
      const got = await store.stats.get("math", "arithmetic");
      assert.equal(got?.successes, 2);
      assert.equal(got?.failures, 0);
      assert.equal((await store.stats.get("math", "reverse"))?.failures, 1);
      assert.equal((await store.stats.all()).length, 2);
    } finally {
      close();
    }
  });

  Deno.test(`${name} persists Hebbian learning so a second reader sees it`, async () => {
    const { store, close } = open();
    try {
      await new HebbianPathways(store.pathways, { learningRate: 0.4, decay: 1 })
        .learn(["reverse", "list"], "lists", "success");
      const again = await new HebbianPathways(store.pathways).weights(["reverse"]);
      assert.ok(Math.abs(again.get("lists")!.get("reverse")! - 0.4) < 1e-12);
    } finally {
      close();
    }
  });

  Deno.test(`${name} stores preference pairs with their specialist`, async () => {
    const { store, pairs, close } = open();
    try {
      await store.preferences.add({
        prompt: "What is 2 + 2?",
        chosen: "4",
        rejected: "5",
        source: "cloud",
        specialist: "math",
      });
      const [pair] = pairs();
      assert.deepEqual(
        [pair.prompt, pair.chosen, pair.rejected, pair.specialist],
        ["What is 2 + 2?", "4", "5", "math"],
      );
    } finally {
      close();
    }
  });
}

Deno.test("pathways learned in a MemoryStore file survive reopening it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/synapse.db`;
    const first = MemoryStore.open(path);
    await new HebbianPathways(first.pathways, { learningRate: 0.5, decay: 1 })
      .learn(["uppercase"], "caps", "success");
    first.close();
    const second = MemoryStore.open(path);
    const w = await new HebbianPathways(second.pathways).weights(["uppercase"]);
    second.close();
    assert.equal(w.get("caps")!.get("uppercase"), 0.5);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
