/**
 * readSafetensors(): the fixture's shard and adapter files, and one broken file per check the
 * reader makes (header length, JSON, dtype, shape/byte-count, offsets).
 * @module
 */
import assert from "node:assert/strict";
import { GgmlType } from "../../../kernels/mod.ts";
import { memorySource, openFileSource, readSafetensors } from "../../../engine/formats/mod.ts";
import { FIXTURE_DIR } from "../../fixture_paths.ts";
import { assertFormatError, filled, safetensorsBytes } from "./format_files.ts";

const read = (bytes: Uint8Array) => readSafetensors(memorySource(bytes, "bad.safetensors"));
const oneTensor = (info: Record<string, unknown>, data = new Uint8Array(24)) =>
  safetensorsBytes({ w: { dtype: "F32", shape: [2, 3], data_offsets: [0, 24], ...info } }, data);

Deno.test("readSafetensors() reads the fixture's embedding shard: one BF16 [151936, 128] tensor", async () => {
  const source = await openFileSource(`${FIXTURE_DIR}/model-00001-of-00002.safetensors`);
  try {
    const file = await readSafetensors(source);
    assert.deepEqual(file.metadata, { format: "pt" });
    assert.deepEqual([...file.tensors.keys()], ["model.embed_tokens.weight"]);
    const embed = file.tensors.get("model.embed_tokens.weight")!;
    assert.equal(embed.type, GgmlType.BF16);
    assert.deepEqual(embed.shape, [151936, 128]);
    assert.equal(embed.byteLength, 151936 * 128 * 2);
  } finally {
    source.close();
  }
});

Deno.test("readSafetensors() reads a PEFT adapter: 84 F32 LoRA matrices", async () => {
  const source = await openFileSource(`${FIXTURE_DIR}/adapters/math/adapter_model.safetensors`);
  try {
    const { tensors } = await readSafetensors(source);
    assert.equal(tensors.size, 84);
    assert.ok([...tensors.values()].every((t) => t.type === GgmlType.F32));
    const loraB = tensors.get("base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight")!;
    assert.deepEqual(loraB.shape, [128, 16]);
    assert.equal((await loraB.read()).byteLength, 128 * 16 * 4);
  } finally {
    source.close();
  }
});

Deno.test("readSafetensors() returns each tensor's own bytes from the data section", async () => {
  const data = filled(24 + 8, 0);
  const bytes = safetensorsBytes({
    __metadata__: { format: "pt" },
    a: { dtype: "F16", shape: [4], data_offsets: [0, 8] },
    b: { dtype: "F32", shape: [2, 3], data_offsets: [8, 32] },
  }, data);
  const file = await read(bytes);
  assert.deepEqual(await file.tensors.get("a")!.read(), data.subarray(0, 8));
  assert.deepEqual(await file.tensors.get("b")!.read(), data.subarray(8, 32));
  assert.equal(file.tensors.get("a")!.type, GgmlType.F16);
});

Deno.test("readSafetensors() rejects a header length over 100 MB or past the end of the file", async () => {
  const bytes = oneTensor({});
  const view = new DataView(bytes.buffer);
  view.setBigUint64(0, 2n ** 40n, true);
  await assertFormatError(
    read(bytes),
    /header length 1099511627776 is over the 100000000-byte limit/,
  );
  view.setBigUint64(0, BigInt(bytes.length), true);
  await assertFormatError(
    read(bytes),
    new RegExp(`header length ${bytes.length} runs past the end`),
  );
  await assertFormatError(read(bytes.subarray(0, 5)), /truncated: 5 bytes, too short/);
});

Deno.test("readSafetensors() rejects a header that is not a JSON object", async () => {
  await assertFormatError(
    read(safetensorsBytes(null, new Uint8Array(), '{"w": {"dtype": ')),
    /header is not valid JSON/,
  );
  await assertFormatError(
    read(safetensorsBytes([1, 2], new Uint8Array())),
    /header must be a JSON object, found an array/,
  );
  await assertFormatError(
    read(safetensorsBytes({ __metadata__: { n: 1 } }, new Uint8Array())),
    /__metadata__ must map strings to strings/,
  );
});

Deno.test("readSafetensors() rejects dtypes it cannot load, naming the tensor and the dtype", async () => {
  await assertFormatError(
    read(oneTensor({ dtype: "I64", shape: [3] })),
    /tensor "w" has dtype "I64"; synapse loads F32, F16 and BF16/,
  );
  await assertFormatError(read(oneTensor({ dtype: undefined })), /tensor "w" has dtype undefined/);
});

Deno.test("readSafetensors() rejects a shape whose byte count differs from its data_offsets", async () => {
  await assertFormatError(
    read(oneTensor({ shape: [2, 2] })),
    /tensor "w" F32 \[2,2\] needs 16 bytes, but its data_offsets span 24/,
  );
  await assertFormatError(
    read(oneTensor({ shape: [2, -3] })),
    /tensor "w" shape \[2,-3\] is not a list of non-negative integers/,
  );
});

Deno.test("readSafetensors() rejects data_offsets outside the data section", async () => {
  await assertFormatError(
    read(oneTensor({ data_offsets: [8, 32] })),
    /tensor "w" data_offsets \[8,32\] must be \[begin, end\] with 0 <= begin <= end <= 24/,
  );
  await assertFormatError(read(oneTensor({ data_offsets: [24, 0] })), /data_offsets \[24,0\]/);
  await assertFormatError(read(oneTensor({ data_offsets: [0] })), /data_offsets \[0\]/);
  const whole = oneTensor({});
  await assertFormatError(
    read(whole.subarray(0, whole.length - 1)),
    /data_offsets \[0,24\] must be .* <= 23/,
  );
});
