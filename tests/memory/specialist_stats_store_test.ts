/** SpecialistStatsStore: outcomes per specialist and domain. */
import assert from "node:assert/strict";
import { MemoryInputError, MemoryStore, successRate } from "../../memory/mod.ts";

Deno.test("stats.record() counts outcomes per (specialist, domain) with a smoothed confidence", () => {
  const store = MemoryStore.open(":memory:");
  store.stats.record("coder", "python", "success");
  store.stats.record("coder", "python", "success");
  const after = store.stats.record("coder", "python", "failure");
  assert.deepEqual([after.successes, after.failures], [2, 1]);
  assert.equal(after.confidence, successRate(2, 1));
  assert.equal(after.confidence, 0.6);
  store.stats.record("coder", "sql", "failure");
  assert.deepEqual(store.stats.all().map((s) => [s.domain, s.successes, s.failures]), [[
    "python",
    2,
    1,
  ], ["sql", 0, 1]]);
  store.close();
});

Deno.test("stats.get() gives zero counts and confidence 0.5 for an unseen pair", () => {
  const store = MemoryStore.open(":memory:");
  const none = store.stats.get("writer", "poetry");
  assert.deepEqual([none.successes, none.failures, none.confidence, none.updatedAt], [
    0,
    0,
    0.5,
    null,
  ]);
  assert.throws(
    // deno-lint-ignore no-explicit-any
    () => store.stats.record("writer", "poetry", "meh" as any),
    (e) => e instanceof MemoryInputError && e.field === "outcome",
  );
  store.close();
});
