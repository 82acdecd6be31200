/**
 * The choice of a cache for a new prompt: the longest shared head under the same adapter, never
 * the whole prompt, the longest-unused holder when nothing is shared, and nothing from caches
 * forgotten or made with another adapter.
 */
import assert from "node:assert/strict";
import { PrefixCache } from "../../engine/model/mod.ts";

Deno.test("prefix cache: the holder sharing the longest head under the same adapter wins", () => {
  const c = new PrefixCache<string, number>();
  c.remember("a", 0, [1, 2, 3]);
  c.remember("b", 0, [1, 2, 3, 4, 5]);
  c.remember("c", 1, [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(c.pick(["a", "b", "c"], 0, [1, 2, 3, 4, 9]), { holder: "b", reuse: 4 });
  assert.deepEqual(c.pick(["a", "b", "c"], 1, [1, 2, 3, 4, 9]), { holder: "c", reuse: 4 });
  assert.deepEqual(c.pick(["a"], 0, [1, 2, 3, 4, 9]), { holder: "a", reuse: 3 });
});

Deno.test("prefix cache: a prompt wholly cached still leaves its last token to compute", () => {
  const c = new PrefixCache<string, null>();
  c.remember("a", null, [7, 8, 9, 10]);
  assert.deepEqual(c.pick(["a"], null, [7, 8, 9]), { holder: "a", reuse: 2 });
  assert.deepEqual(c.pick(["a"], null, [7]), { holder: "a", reuse: 0 });
});

Deno.test("prefix cache: with nothing shared, the holder unused longest (or never used) is taken", () => {
  const c = new PrefixCache<string, number>();
  c.remember("old", 0, [1]);
  c.remember("new", 0, [2]);
  assert.equal(c.pick(["new", "old"], 0, [3, 3])?.holder, "old");
  assert.equal(c.pick(["new", "old", "empty"], 0, [3, 3])?.holder, "empty");
  // Reusing "old" makes it the most recent: "new" is now the one to give up.
  assert.deepEqual(c.pick(["new", "old"], 0, [1, 5]), { holder: "old", reuse: 1 });
  assert.equal(c.pick(["new", "old"], 0, [3, 3])?.holder, "new");
  assert.equal(c.pick([], 0, [3, 3]), null);
});

Deno.test("prefix cache: forgotten holders and adapters share nothing", () => {
  const c = new PrefixCache<string, number>();
  c.remember("a", 0, [1, 2, 3]);
  c.remember("b", 1, [1, 2, 3]);
  c.remember("c", 1, [1, 2]);
  c.forget("a");
  assert.equal(c.pick(["a"], 0, [1, 2, 3, 4])?.reuse, 0);
  c.forgetAdapter(1);
  assert.equal(c.pick(["b", "c"], 1, [1, 2, 3, 4])?.reuse, 0);
  c.remember("a", 0, [1, 2, 3]);
  c.clear();
  assert.equal(c.pick(["a"], 0, [1, 2, 3, 4])?.reuse, 0);
});
