import assert from "node:assert/strict";
import { HomeNotFoundError, resolveHome } from "../../config/mod.ts";

Deno.test("resolveHome() prefers SYNAPSE_HOME, else ~/.synapse", () => {
  assert.equal(resolveHome({ SYNAPSE_HOME: "/data/s", HOME: "/home/u" }), "/data/s");
  assert.equal(resolveHome({ HOME: "/home/u" }), "/home/u/.synapse");
  assert.ok(resolveHome({ SYNAPSE_HOME: "rel" }).startsWith("/"));
});

Deno.test("resolveHome() says what it needs when no home is known", () => {
  assert.throws(() => resolveHome({}), HomeNotFoundError);
});
