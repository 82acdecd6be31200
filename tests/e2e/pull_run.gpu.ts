/**
 * Pull from a loopback hub, then serve what was pulled: the model runs (issue 6, "Must show").
 */
import assert from "node:assert/strict";
import { resolveConfig } from "../../config/mod.ts";
import { startStack } from "../../cli/stack.ts";
import { silentLogger } from "../../server/mod.ts";
import { tempCli } from "../cli/cli_env.ts";
import { FIXTURE_DIR } from "../fixture_paths.ts";
import { startLoopbackHub } from "../hub/loopback_hub.ts";

Deno.test({
  name: "a model pulled from the hub (safetensors, HF layout) is served and answers",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const files = [
      "config.json",
      "generation_config.json",
      "model-00001-of-00002.safetensors",
      "model-00002-of-00002.safetensors",
      "model.safetensors.index.json",
      "tokenizer.json",
      "tokenizer_config.json",
    ];
    const hub = await startLoopbackHub([{ repo: "synapse/tiny-qwen3", dir: FIXTURE_DIR, files }]);
    const cli = await tempCli({ HF_ENDPOINT: hub.url });
    const configText =
      "registry:\n  tiny:\n    repo: synapse/tiny-qwen3\n    files: ['*.json', '*.safetensors']\nmodels:\n  default: tiny\nserver:\n  port: 0\n";
    await Deno.writeTextFile(`${cli.home}/config.yaml`, configText);
    try {
      const pulled = await cli.run(["pull", "tiny"]);
      assert.equal(pulled.code, 0, pulled.err);
      const shown = JSON.parse((await cli.run(["show", "tiny", "--json"])).out);
      assert.equal(shown.manifest.format, "safetensors");
      const stack = await startStack(resolveConfig(cli.home, configText), { logger: silentLogger });
      try {
        assert.equal(stack.defaultModel, "tiny:latest");
        const response = await fetch(`${stack.url}/v1/chat/completions`, {
          method: "POST",
          body: JSON.stringify({
            model: "tiny",
            messages: [{ role: "user", content: "def add(a, b):" }],
            max_tokens: 4,
            temperature: 0,
          }),
        });
        const body = await response.json();
        assert.equal(response.status, 200, JSON.stringify(body));
        assert.ok(body.usage.completion_tokens >= 1);
        const ps = await (await fetch(`${stack.url}/api/ps`)).json();
        assert.deepEqual(ps.models.map((m: { name: string }) => m.name), ["tiny:latest"]);
        // 30. rm of a loaded model unloads it from the running server first.
        const removed = await cli.run(["rm", "tiny", "--port", String(stack.port)]);
        assert.equal(removed.code, 0, removed.err);
        const after = await (await fetch(`${stack.url}/api/ps`)).json();
        assert.deepEqual(after.models, []);
        assert.doesNotMatch((await cli.run(["list"])).out, /tiny/);
      } finally {
        await stack.close(0);
      }
    } finally {
      await hub.close();
      await cli.cleanup();
    }
  },
});
