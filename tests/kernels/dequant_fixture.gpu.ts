/**
 * External ground truth for the decoders: every tensor of the fixture's llama.cpp GGUF files,
 * decoded on the CPU and on the GPU, against the bf16 safetensors weights it was made from.
 * @module
 */
import assert from "node:assert/strict";
import { dequantizeRow, GgmlType, ggmlTypeName } from "../../kernels/mod.ts";
import { dequantizeOnGpu } from "./dequantize_on_gpu.ts";
import { fixtureTensors, GGUF_FILES } from "./fixture_weights.ts";
import { testDevice } from "./gpu_test_device.ts";
import { quantSteps } from "./quant_steps.ts";

/**
 * Largest |decoded - source| allowed, in steps of the value's (sub-)block as the file encodes it.
 * The source is the bf16 weight rounded to f16, which is what convert_hf_to_gguf handed to
 * llama-quantize (1-D norms stay F32, converted exactly).
 */
const STEP_BOUNDS: ReadonlyMap<GgmlType, number> = new Map([
  [GgmlType.F32, 0],
  // round to nearest: half a step, plus the f16 rounding of d over 127 levels (127 * 2^-11)
  [GgmlType.Q8_0, 0.57],
  // the largest-magnitude value maps to -16; a value as large on the other side clamps at +15
  [GgmlType.Q5_0, 1.01],
  // round to nearest between min and max: half a step plus the f16 rounding of d and m
  [GgmlType.Q5_1, 0.55],
  // llama.cpp fits each sub-block's scale and min by weighted least squares, which may clip
  // the extremes by about a step (0.91 and 1.09 seen)
  [GgmlType.Q4_K, 1.25],
  [GgmlType.Q5_K, 1.25],
  // make_qx_quants' scale search may clip the largest value (0.68 seen)
  [GgmlType.Q6_K, 1],
]);

/** Tensor types and counts each file holds (the fixture's README), so no type goes untested. */
const TYPES_IN_FILE: Record<typeof GGUF_FILES[number], Record<string, number>> = {
  Q8_0: { F32: 25, Q8_0: 43 },
  Q4_K_M: { F32: 25, Q8_0: 3, Q5_0: 34, Q4_K: 4, Q6_K: 2 },
  Q5_K_M: { F32: 25, Q8_0: 3, Q5_1: 34, Q5_K: 4, Q6_K: 2 },
};

/** Rounding noise is uniform over a step (RMS 0.29 step); more means a biased decoder. */
const RMS_STEP_BOUND = 0.35;

function assertNearSource(
  name: string,
  type: GgmlType,
  bytes: Uint8Array,
  decoded: Float32Array,
  reference: Float32Array,
) {
  const bound = STEP_BOUNDS.get(type);
  assert.ok(bound !== undefined, `${name}: no bound for ${ggmlTypeName(type)}`);
  const { group, steps } = quantSteps(type, bytes, decoded.length);
  let sumSquares = 0;
  for (let i = 0; i < decoded.length; i++) {
    const source = type === GgmlType.F32 ? reference[i] : Math.f16round(reference[i]);
    const step = steps[Math.floor(i / group)];
    const error = Math.abs(decoded[i] - source);
    if (error > bound * step) {
      assert.fail(
        `${name} (${ggmlTypeName(type)})[${i}]: ${decoded[i]} vs ${source}, step ${step}`,
      );
    }
    if (step > 0) sumSquares += (error / step) ** 2;
  }
  const rms = Math.sqrt(sumSquares / decoded.length);
  assert.ok(rms <= RMS_STEP_BOUND, `${name}: RMS error ${rms} steps`);
}

for (const file of GGUF_FILES) {
  Deno.test(`every tensor of tiny-${file}.gguf decodes on the CPU to its bf16 weight within the format's step`, async () => {
    const seen: Record<string, number> = {};
    for await (const t of fixtureTensors(file)) {
      const decoded = dequantizeRow(t.type, t.bytes, t.rows * t.k);
      assertNearSource(t.name, t.type, t.bytes, decoded, t.reference);
      seen[ggmlTypeName(t.type)] = (seen[ggmlTypeName(t.type)] ?? 0) + 1;
    }
    assert.deepEqual(seen, TYPES_IN_FILE[file]);
  });

  Deno.test(`every tensor of tiny-${file}.gguf decodes on the GPU exactly as on the CPU`, async () => {
    const device = await testDevice();
    for await (const t of fixtureTensors(file)) {
      const cpu = dequantizeRow(t.type, t.bytes, t.rows * t.k);
      const gpu = await dequantizeOnGpu(device, t.type, t.bytes, t.rows, t.k);
      const cpuBits = new Uint32Array(cpu.buffer), gpuBits = new Uint32Array(gpu.buffer);
      for (let i = 0; i < cpu.length; i++) {
        if (cpuBits[i] !== gpuBits[i] && cpu[i] !== gpu[i]) {
          assert.fail(`${t.name} (${ggmlTypeName(t.type)})[${i}]: GPU ${gpu[i]}, CPU ${cpu[i]}`);
        }
      }
    }
  });
}
