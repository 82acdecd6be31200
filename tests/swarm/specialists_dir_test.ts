import assert from "node:assert/strict";
import { join } from "node:path";
import { specialistsFromDir } from "../../swarm/specialists_dir.ts";
import { FIXTURE_DIR } from "../fixture_paths.ts";

Deno.test("every fixture adapter folder becomes a specialist named after it", async () => {
  const specialists = await specialistsFromDir(join(FIXTURE_DIR, "adapters"));
  assert.deepEqual(specialists.map((s) => s.name), ["geography", "lists", "math"]);
  assert.equal(specialists[2].adapter, join(FIXTURE_DIR, "adapters", "math"));
  assert.equal(specialists[2].cues, undefined);
});

Deno.test("specialistsFromDir reads cues from specialist.yaml or README and finds GGUF LoRAs", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(join(dir, "caps"));
    await Deno.writeTextFile(join(dir, "caps", "lora-caps-f16.gguf"), "GGUF");
    await Deno.writeTextFile(
      join(dir, "caps", "README.md"),
      "# Caps\n\nTurns text to upper case.\n\nCues: uppercase, capitals\n",
    );
    await Deno.mkdir(join(dir, "sums"));
    await Deno.writeTextFile(join(dir, "sums", "adapter_config.json"), "{}");
    await Deno.writeTextFile(join(dir, "sums", "adapter_model.safetensors"), "");
    await Deno.writeTextFile(
      join(dir, "sums", "specialist.yaml"),
      "name: ignored\ncues: [sum, '+']\nsystem_prompt: Reply with a number.\npriority: 2\n",
    );
    await Deno.mkdir(join(dir, "empty"));
    await Deno.writeTextFile(join(dir, "stray.gguf"), "GGUF");
    const [caps, sums, ...rest] = await specialistsFromDir(dir);
    assert.equal(rest.length, 0);
    assert.deepEqual(caps, {
      name: "caps",
      priority: 0,
      description: "Turns text to upper case.",
      cues: ["uppercase", "capitals"],
      adapter: join(dir, "caps", "lora-caps-f16.gguf"),
    });
    assert.equal(sums.name, "sums");
    assert.deepEqual(sums.cues, ["sum", "+"]);
    assert.equal(sums.systemPrompt, "Reply with a number.");
    assert.equal(sums.priority, 2);
    assert.equal(sums.adapter, join(dir, "sums"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("specialistsFromDir fails on a folder that does not exist", async () => {
  await assert.rejects(
    () => specialistsFromDir("/nonexistent/synapse-adapters"),
    Deno.errors.NotFound,
  );
});
