/**
 * openSafetensorsModel(): the fixture's sharded weights, a single-file folder, and indexes that
 * point at missing shards, missing tensors or files outside the folder.
 * @module
 */
import assert from "node:assert/strict";
import { GgmlType } from "../../../kernels/mod.ts";
import { openSafetensorsModel } from "../../../engine/formats/mod.ts";
import { FIXTURE_DIR } from "../../fixture_paths.ts";
import { assertFormatError, filled, safetensorsBytes } from "./format_files.ts";

const SHARD = safetensorsBytes({
  __metadata__: { format: "pt" },
  "model.norm.weight": { dtype: "BF16", shape: [4], data_offsets: [0, 8] },
  "lm_head.weight": { dtype: "F32", shape: [2, 4], data_offsets: [8, 40] },
}, filled(40, 1));

async function withFolder(
  files: Record<string, Uint8Array | string>,
  use: (dir: string) => Promise<void>,
) {
  const dir = await Deno.makeTempDir();
  try {
    for (const [name, content] of Object.entries(files)) {
      if (typeof content === "string") await Deno.writeTextFile(`${dir}/${name}`, content);
      else await Deno.writeFile(`${dir}/${name}`, content);
    }
    await use(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const index = (weightMap: Record<string, unknown>) =>
  JSON.stringify({ metadata: {}, weight_map: weightMap });

Deno.test("openSafetensorsModel() merges the fixture's two shards into 68 BF16 tensors", async () => {
  const model = await openSafetensorsModel(FIXTURE_DIR);
  try {
    assert.equal(model.tensors.size, 68);
    assert.deepEqual([...model.files].sort(), [
      "model-00001-of-00002.safetensors",
      "model-00002-of-00002.safetensors",
    ]);
    assert.ok([...model.tensors.values()].every((t) => t.type === GgmlType.BF16));
    const embed = model.tensors.get("model.embed_tokens.weight")!;
    assert.deepEqual(embed.shape, [151936, 128]);
    assert.deepEqual(model.tensors.get("model.layers.5.mlp.down_proj.weight")!.shape, [128, 512]);
    assert.deepEqual(model.tensors.get("model.layers.0.self_attn.k_proj.weight")!.shape, [64, 128]);
    assert.deepEqual(model.metadata, { format: "pt" });
    const norm = model.tensors.get("model.norm.weight")!;
    assert.equal((await norm.read()).byteLength, 256);
  } finally {
    model.close();
    model.close();
  }
});

Deno.test("openSafetensorsModel() opens a folder with a single model.safetensors", async () => {
  await withFolder({ "model.safetensors": SHARD }, async (dir) => {
    const model = await openSafetensorsModel(`${dir}/`);
    assert.deepEqual(model.files, ["model.safetensors"]);
    assert.deepEqual([...model.tensors.keys()], ["model.norm.weight", "lm_head.weight"]);
    assert.deepEqual(await model.tensors.get("lm_head.weight")!.read(), filled(40, 1).subarray(8));
    model.close();
    await assert.rejects(model.tensors.get("lm_head.weight")!.read(), Deno.errors.BadResource);
  });
});

Deno.test("openSafetensorsModel() rejects a folder with neither weight file", async () => {
  await withFolder({ "config.json": "{}" }, async (dir) => {
    await assertFormatError(
      openSafetensorsModel(dir),
      /no model\.safetensors or model\.safetensors\.index\.json in this folder/,
    );
  });
});

Deno.test("openSafetensorsModel() rejects an index whose tensor is missing from its shard", async () => {
  const files = {
    "a.safetensors": SHARD,
    "model.safetensors.index.json": index({
      "model.norm.weight": "a.safetensors",
      "model.embed_tokens.weight": "a.safetensors",
    }),
  };
  await withFolder(files, async (dir) => {
    await assertFormatError(
      openSafetensorsModel(dir),
      /weight_map puts "model\.embed_tokens\.weight" in a\.safetensors, but that shard has no such tensor/,
    );
  });
});

Deno.test("openSafetensorsModel() rejects an index naming a shard that does not exist", async () => {
  await withFolder(
    { "model.safetensors.index.json": index({ w: "gone.safetensors" }) },
    async (dir) => {
      await assertFormatError(
        openSafetensorsModel(dir),
        /names the weight file gone\.safetensors, which does not exist/,
      );
    },
  );
});

Deno.test("openSafetensorsModel() refuses shard names that leave the folder", async () => {
  for (const shard of ["../model.safetensors", "/etc/passwd", ".hidden", "", 7]) {
    await withFolder({ "model.safetensors.index.json": index({ w: shard }) }, async (dir) => {
      await assertFormatError(
        openSafetensorsModel(dir),
        /weight_map puts "w" in .*; expected a file name in this folder/,
      );
    });
  }
});

Deno.test("openSafetensorsModel() rejects an index that is not JSON or has no weight_map", async () => {
  await withFolder({ "model.safetensors.index.json": "{ nope" }, async (dir) => {
    await assertFormatError(
      openSafetensorsModel(dir),
      /model\.safetensors\.index\.json: not valid JSON/,
    );
  });
  await withFolder({ "model.safetensors.index.json": "{}" }, async (dir) => {
    await assertFormatError(openSafetensorsModel(dir), /expected a "weight_map" object/);
  });
});
