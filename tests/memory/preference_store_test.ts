/** PreferenceStore: pairs, the unused filter and marking pairs used. */
import assert from "node:assert/strict";
import { MemoryInputError, MemoryStore } from "../../memory/mod.ts";

Deno.test("preferences.list({unused: true}) returns only pairs not yet marked used", () => {
  const store = MemoryStore.open(":memory:");
  const a = store.preferences.add({
    prompt: "p",
    chosen: "good",
    rejected: "bad",
    source: "feedback",
    specialist: "coder",
  });
  const b = store.preferences.add({ prompt: "q", chosen: "yes", rejected: "no", source: "cloud" });
  assert.equal(store.preferences.markUsed([a]), 1);
  assert.equal(store.preferences.markUsed([a]), 0, "already used");
  assert.deepEqual(store.preferences.list({ unused: true }).map((p) => p.id), [b]);
  const used = store.preferences.list({ unused: false });
  assert.deepEqual(used.map((p) => [p.id, p.usedInTraining, p.specialist]), [[a, true, "coder"]]);
  assert.ok(used[0].usedAt);
  assert.equal(store.preferences.list({ specialist: "coder" }).length, 1);
  assert.equal(store.preferences.count({ unused: true }), 1);
  assert.equal(store.preferences.count(), 2);
  store.close();
});

Deno.test("preferences.add() refuses a pair whose sides are equal, or a missing field", () => {
  const store = MemoryStore.open(":memory:");
  assert.throws(
    () => store.preferences.add({ prompt: "p", chosen: "same", rejected: "same", source: "s" }),
    (e) => e instanceof MemoryInputError && e.field === "chosen",
  );
  assert.throws(
    // deno-lint-ignore no-explicit-any
    () => store.preferences.add({ prompt: "p", chosen: "a", rejected: "b" } as any),
    (e) => e instanceof MemoryInputError && e.field === "source",
  );
  assert.equal(store.preferences.count(), 0);
  store.close();
});
