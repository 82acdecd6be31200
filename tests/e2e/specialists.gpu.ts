/**
 * `up --specialists DIR` with the fixture's three LoRA specialists: `synapse` routes,
 * `synapse:NAME` forces one, the routing comes back in the `synapse` extension, and the swarm's
 * models are listed next to the local ones.
 */
import assert from "node:assert/strict";
import { startStack } from "../../cli/stack.ts";
import { resolveConfig } from "../../config/mod.ts";
import { silentLogger } from "../../server/mod.ts";
import { FIXTURE_DIR } from "../fixture_paths.ts";

Deno.test({
  name: "specialists from a folder answer as synapse and synapse:NAME",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const home = await Deno.makeTempDir({ prefix: "synapse-swarm-" });
    const config = resolveConfig(home, null, {
      flags: { "server.port": "0", "models.specialists": `${FIXTURE_DIR}/adapters` },
    });
    const stack = await startStack(config, { logger: silentLogger });
    const ask = async (model: string, content: string) => {
      const response = await fetch(`${stack.url}/v1/chat/completions`, {
        method: "POST",
        body: JSON.stringify({
          model,
          messages: [{ role: "user", content }],
          max_tokens: 6,
          temperature: 0,
        }),
      });
      return { status: response.status, body: await response.json() };
    };
    try {
      const models = await (await fetch(`${stack.url}/v1/models`)).json();
      const ids = models.data.map((m: { id: string }) => m.id);
      for (
        const id of [
          "synapse",
          "synapse:math",
          "synapse:lists",
          "synapse:geography",
          "default:latest",
        ]
      ) {
        assert.ok(ids.includes(id), `${id} in ${ids}`);
      }
      const forced = await ask("synapse:math", "What is 47 + 38?");
      assert.equal(forced.status, 200, JSON.stringify(forced.body));
      assert.deepEqual(forced.body.synapse.specialists, ["math"]);
      assert.equal(
        forced.body.choices[0].message.content.trim().startsWith("85"),
        true,
        forced.body.choices[0].message.content,
      );
      const routed = await ask("synapse", "Reverse the list: 3 9 1");
      assert.equal(routed.status, 200);
      assert.ok(Array.isArray(routed.body.synapse.parts));
      assert.equal(typeof routed.body.synapse.conversation_id, "number", "logged to memory too");
      const unknown = await ask("synapse:poetry", "hi");
      assert.equal(unknown.status, 404);
      const status = await (await fetch(`${stack.url}/api/status`)).json();
      assert.deepEqual(status.specialists.map((s: { name: string }) => s.name).sort(), [
        "geography",
        "lists",
        "math",
      ]);
    } finally {
      await stack.close(0);
      await Deno.remove(home, { recursive: true });
    }
  },
});
