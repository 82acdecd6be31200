/** Loading refuses bad model files and folders with errors that name the problem. */
import assert from "node:assert/strict";
import { loadModel, ModelConfigError, ModelFormatError } from "../../engine/mod.ts";
import { FIXTURE_DIR } from "../fixture_paths.ts";
import { ENGINE_BACKENDS } from "./backends.ts";

Deno.test("loadModel: a missing path names the path", async () => {
  await assert.rejects(
    loadModel("/nonexistent/model.gguf"),
    (e: Error) => e instanceof ModelFormatError && e.message.includes("/nonexistent/model.gguf"),
  );
});

Deno.test("loadModel: a file that is not GGUF is refused as such", async () => {
  const path = await Deno.makeTempFile({ suffix: ".gguf" });
  await Deno.writeTextFile(path, "this is not a model at all, just text");
  await assert.rejects(loadModel(path), /not a GGUF file/);
  await Deno.remove(path);
});

Deno.test("loadModel: a truncated GGUF is refused, not half-loaded", async () => {
  const bytes = await Deno.readFile(`${FIXTURE_DIR}/gguf/tiny-Q8_0.gguf`);
  const path = await Deno.makeTempFile({ suffix: ".gguf" });
  await Deno.writeFile(path, bytes.subarray(0, bytes.length - 1000));
  await assert.rejects(loadModel(path), ModelFormatError);
  await Deno.remove(path);
});

Deno.test("loadModel: an HF folder with an unknown architecture names it", async () => {
  const dir = await Deno.makeTempDir();
  const cfg = JSON.parse(await Deno.readTextFile(`${FIXTURE_DIR}/config.json`));
  cfg.architectures = ["MambaForCausalLM"];
  await Deno.writeTextFile(`${dir}/config.json`, JSON.stringify(cfg));
  await assert.rejects(
    loadModel(dir),
    (e: Error) => e instanceof ModelConfigError && e.message.includes("MambaForCausalLM"),
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("loadModel: a config whose shapes disagree with the weights is refused", async () => {
  const dir = await Deno.makeTempDir();
  for (const f of Deno.readDirSync(FIXTURE_DIR)) {
    if (f.isFile) await Deno.symlink(`${FIXTURE_DIR}/${f.name}`, `${dir}/${f.name}`);
  }
  await Deno.remove(`${dir}/config.json`);
  const cfg = JSON.parse(await Deno.readTextFile(`${FIXTURE_DIR}/config.json`));
  cfg.intermediate_size = 256;
  await Deno.writeTextFile(`${dir}/config.json`, JSON.stringify(cfg));
  await assert.rejects(loadModel(dir), /expected \[256, 128\]/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("loadAdapter: a folder without weights and a model file (not a LoRA) are refused", async () => {
  const m = await loadModel("default");
  try {
    const dir = await Deno.makeTempDir();
    await Deno.writeTextFile(`${dir}/adapter_config.json`, '{"peft_type":"LORA","r":16}');
    await assert.rejects(m.loadAdapter("x", dir), ModelFormatError);
    await assert.rejects(m.loadAdapter("y", `${FIXTURE_DIR}/gguf/tiny-Q8_0.gguf`), /not a LoRA/);
    await Deno.remove(dir, { recursive: true });
  } finally {
    m.close();
  }
});

for (const backend of ENGINE_BACKENDS) {
  Deno.test(`generate (${backend}): non-finite logits end the generation with an error, not garbage tokens`, async () => {
    const { writeRandomModel } = await import("../../bench/random_model.ts");
    const { defaultModelBytes } = await import("../../engine/default_model/mod.ts");
    const path = await Deno.makeTempFile({ suffix: ".gguf" });
    const shape = {
      name: "nan",
      hidden: 64,
      layers: 1,
      heads: 2,
      kvHeads: 1,
      ffn: 128,
      vocab: 151936,
      tied: true,
    };
    await writeRandomModel(path, shape, "F16", await defaultModelBytes(), {
      "output_norm.weight": NaN,
    });
    const m = await loadModel(path, { backend });
    try {
      const s = m.generate({ promptIds: [1, 2, 3], maxTokens: 4 });
      await assert.rejects(s.result, /non-finite logits/);
    } finally {
      m.close();
      await Deno.remove(path);
    }
  });
}
