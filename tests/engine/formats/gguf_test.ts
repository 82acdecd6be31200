/**
 * readGguf() on the llama.cpp-made fixture files: metadata, tensor types and layout, and data
 * that agrees with the safetensors weights the files were converted from.
 * @module
 */
import assert from "node:assert/strict";
import { GgmlType } from "../../../kernels/mod.ts";
import {
  type GgufFile,
  openFileSource,
  openSafetensorsModel,
  readGguf,
  readSafetensors,
} from "../../../engine/formats/mod.ts";
import { FIXTURE_DIR } from "../../fixture_paths.ts";

async function withGguf(file: string, use: (gguf: GgufFile, size: number) => void | Promise<void>) {
  const source = await openFileSource(`${FIXTURE_DIR}/gguf/${file}`);
  try {
    await use(await readGguf(source), source.size);
  } finally {
    source.close();
  }
}

function typeCounts(gguf: GgufFile): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const t of gguf.tensors.values()) {
    counts[GgmlType[t.type]] = (counts[GgmlType[t.type]] ?? 0) + 1;
  }
  return counts;
}

function bf16ToF32(bytes: Uint8Array): Float32Array {
  const halves = new Uint16Array(bytes.slice().buffer);
  return new Float32Array(Uint32Array.from(halves, (h) => h << 16).buffer);
}

function f16ToF32(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 31) return fraction ? NaN : sign * Infinity;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

Deno.test("readGguf() reads the Q8_0 fixture's model and tokenizer metadata", async () => {
  await withGguf("tiny-Q8_0.gguf", (gguf) => {
    assert.equal(gguf.version, 3);
    assert.equal(gguf.alignment, 32);
    assert.equal(gguf.metadata.get("general.architecture"), "qwen3");
    assert.equal(gguf.metadata.get("qwen3.block_count"), 6);
    assert.equal(gguf.metadata.get("qwen3.embedding_length"), 128);
    assert.equal(gguf.typedMetadata.get("qwen3.block_count")?.type, "u32");
    assert.equal(gguf.metadata.get("qwen3.rope.freq_base"), 1e6);
    const tokens = gguf.metadata.get("tokenizer.ggml.tokens") as string[];
    assert.equal(tokens.length, 151936);
    assert.equal(tokens[0], "!");
    assert.equal(tokens[151645], "<|im_end|>");
    const tokenTypes = gguf.metadata.get("tokenizer.ggml.token_type") as Int32Array;
    assert.ok(tokenTypes instanceof Int32Array);
    assert.equal(tokenTypes.length, 151936);
    assert.equal((gguf.metadata.get("tokenizer.ggml.merges") as string[])[0], "Ġ Ġ");
    assert.equal(gguf.metadata.get("tokenizer.ggml.eos_token_id"), 151645);
    assert.equal(gguf.metadata.get("tokenizer.ggml.add_bos_token"), false);
    assert.match(gguf.metadata.get("tokenizer.chat_template") as string, /<\|im_start\|>/);
  });
});

Deno.test("readGguf() finds the tensor types the fixture README lists for each quantization", async () => {
  const expected: Record<string, Record<string, number>> = {
    "tiny-Q8_0.gguf": { F32: 25, Q8_0: 43 },
    "tiny-Q4_K_M.gguf": { F32: 25, Q8_0: 3, Q5_0: 34, Q4_K: 4, Q6_K: 2 },
    "tiny-Q5_K_M.gguf": { F32: 25, Q8_0: 3, Q5_1: 34, Q5_K: 4, Q6_K: 2 },
  };
  for (const [file, counts] of Object.entries(expected)) {
    await withGguf(file, (gguf) => {
      assert.deepEqual(typeCounts(gguf), counts, file);
      assert.equal(gguf.metadata.get("qwen3.block_count"), 6, file);
      assert.equal((gguf.metadata.get("tokenizer.ggml.tokens") as string[]).length, 151936, file);
    });
  }
});

Deno.test("readGguf() reverses GGUF dims into outermost-first shapes with matching byte counts", async () => {
  await withGguf("tiny-Q8_0.gguf", async (gguf) => {
    const embed = gguf.tensors.get("token_embd.weight")!;
    assert.deepEqual(embed.shape, [151936, 128]);
    assert.equal(embed.type, GgmlType.Q8_0);
    assert.equal(embed.byteLength, 151936 * (128 / 32) * 34);
    const keys = gguf.tensors.get("blk.0.attn_k.weight")!;
    assert.deepEqual(keys.shape, [64, 128]);
    assert.equal((await keys.read()).byteLength, keys.byteLength);
  });
});

Deno.test("readGguf() starts the data section where llama.cpp's aligned tensors fill the file exactly", async () => {
  for (const file of ["tiny-Q4_K_M.gguf", "lora-math-f16.gguf"]) {
    await withGguf(file, async (gguf, size) => {
      assert.equal(gguf.dataOffset % gguf.alignment, 0);
      let end = gguf.dataOffset;
      for (const tensor of gguf.tensors.values()) {
        const probe = new Uint8Array(await tensor.read());
        assert.equal(probe.byteLength, tensor.byteLength);
        end = Math.ceil((end + tensor.byteLength) / gguf.alignment) * gguf.alignment;
      }
      assert.equal(end, size, `${file}: the aligned tensors fill the file exactly`);
    });
  }
});

Deno.test("readGguf() data agrees with the safetensors weights the GGUF was converted from", async () => {
  const model = await openSafetensorsModel(FIXTURE_DIR);
  try {
    const norm = bf16ToF32(await model.tensors.get("model.norm.weight")!.read());
    await withGguf("tiny-Q8_0.gguf", async (gguf) => {
      const entry = gguf.tensors.get("output_norm.weight")!;
      assert.equal(entry.type, GgmlType.F32);
      assert.deepEqual(new Float32Array((await entry.read()).slice().buffer), norm);
    });
  } finally {
    model.close();
  }
});

Deno.test("readGguf() reads the LoRA adapter GGUFs, whose F16 data matches the PEFT adapter", async () => {
  const peftSource = await openFileSource(`${FIXTURE_DIR}/adapters/math/adapter_model.safetensors`);
  try {
    const peft = await readSafetensors(peftSource);
    const loraA = peft.tensors.get(
      "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight",
    )!;
    const expected = new Float32Array((await loraA.read()).slice().buffer);
    await withGguf("lora-math-f16.gguf", async (gguf) => {
      assert.equal(gguf.metadata.get("general.type"), "adapter");
      assert.equal(gguf.metadata.get("adapter.type"), "lora");
      assert.equal(gguf.metadata.get("adapter.lora.alpha"), 32);
      assert.deepEqual(typeCounts(gguf), { F16: 84 });
      const entry = gguf.tensors.get("blk.0.attn_q.weight.lora_a")!;
      assert.deepEqual(entry.shape, loraA.shape);
      const halves = new Uint16Array((await entry.read()).slice().buffer);
      halves.forEach((h, i) =>
        assert.ok(Math.abs(f16ToF32(h) - expected[i]) <= 1e-3 * Math.abs(expected[i]) + 1e-7)
      );
    });
    for (const name of ["geography", "lists"]) {
      await withGguf(`lora-${name}-f16.gguf`, (gguf) => assert.equal(gguf.tensors.size, 84));
    }
  } finally {
    peftSource.close();
  }
});
