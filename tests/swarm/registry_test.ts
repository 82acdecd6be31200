import assert from "node:assert/strict";
import { AdapterPool } from "../../swarm/adapter_pool.ts";
import { SpecialistConfigError, UnknownSpecialistError } from "../../swarm/errors.ts";
import { SpecialistRegistry } from "../../swarm/registry.ts";

function pool(): { pool: AdapterPool; unloaded: string[] } {
  const unloaded: string[] = [];
  return {
    pool: new AdapterPool({
      loadAdapter: () => Promise.resolve(),
      unloadAdapter: (n) => unloaded.push(n),
    }),
    unloaded,
  };
}

Deno.test("the registry keeps configuration order and finds specialists by name", () => {
  const registry = new SpecialistRegistry(pool().pool, [
    { name: "math", adapter: "/a/math" },
    { name: "big", endpoint: { url: "http://127.0.0.1:9", model: "m" } },
  ]);
  assert.deepEqual(registry.names(), ["math", "big"]);
  assert.equal(registry.get("math").adapter, "/a/math");
  assert.equal(registry.client("big").endpoint.model, "m");
  assert.throws(() => registry.client("math"), SpecialistConfigError);
  assert.throws(() => registry.get("poetry"), UnknownSpecialistError);
});

Deno.test("adding a taken name fails; update replaces and remove forgets", () => {
  const { pool: p } = pool();
  const registry = new SpecialistRegistry(p, [{ name: "math" }]);
  assert.throws(() => registry.add({ name: "math" }), /already exists/);
  registry.update({ name: "math", cues: ["sum"] });
  assert.deepEqual(registry.get("math").cues, ["sum"]);
  registry.remove("math");
  assert.equal(registry.has("math"), false);
  assert.throws(() => registry.remove("math"), UnknownSpecialistError);
});

Deno.test("the registry registers adapters in the pool and checks entries", async () => {
  const { pool: p } = pool();
  const registry = new SpecialistRegistry(p, []);
  await assert.rejects(() => p.acquire("lists"), RangeError);
  registry.add({ name: "lists", adapter: "/nonexistent/lists" });
  await assert.rejects(() => p.acquire("lists"), Deno.errors.NotFound);
  assert.throws(() => registry.add({ name: "../x" }), SpecialistConfigError);
});
