import assert from "node:assert/strict";
import {
  dequantizeRow,
  dequantizeRowsDispatch,
  dequantizeRowsParams,
  GgmlType,
  ggmlTypeName,
  GPU_DECODABLE_TYPES,
  gpuRowBytes,
  quantize,
  toGpuLayout,
  UnsupportedWeightTypeError,
  WEIGHT_ARRAY,
  WeightLayoutError,
  WgslIdentifierError,
  wgslWeightDecoder,
} from "../../kernels/mod.ts";
import { dequantizeOnGpu } from "./dequantize_on_gpu.ts";
import { dispatch, outputBuffer, readBack, testDevice, uploadBytes } from "./gpu_test_device.ts";
import { gaussianWeights, seededRandom } from "./test_data.ts";

/** Distance in units in the last place between two f32 values (+0 and -0 are equal). */
function ulps(a: number, b: number): number {
  const bits = new Int32Array(new Float32Array([a, b]).buffer);
  const ordered = (i: number) => (bits[i] < 0 ? -(bits[i] & 0x7fffffff) : bits[i]);
  return Math.abs(ordered(0) - ordered(1));
}

function assertSameValues(gpu: Float32Array, cpu: Float32Array, what: string): void {
  assert.equal(gpu.length, cpu.length, what);
  for (let i = 0; i < cpu.length; i++) {
    if (ulps(gpu[i], cpu[i]) > 1) assert.fail(`${what}[${i}]: GPU ${gpu[i]}, CPU ${cpu[i]}`);
  }
}

/**
 * `rows` rows of `k` random weights encoded as `type`: the file's bytes (`encoded`) and, in the
 * GPU layout, placed after `lead` bytes of junk (`bytes`).
 */
function encodedMatrix(type: GgmlType, rows: number, k: number, lead: number) {
  const encoded = quantize(type, gaussianWeights(rows * k, 1000 + type));
  const gpuRows = toGpuLayout(type, k, rows, encoded);
  const bytes = new Uint8Array(lead + gpuRows.length).fill(0xa5);
  bytes.set(gpuRows, lead);
  return { encoded, bytes, cpu: dequantizeRow(type, encoded, rows * k) };
}

/** Row length for `type`: one block when the block is 32 or 256 values, 12 values for floats. */
const oneBlock = (type: GgmlType) =>
  [GgmlType.F32, GgmlType.F16, GgmlType.BF16].includes(type) ? 12 : type >= 10 ? 256 : 32;

for (const type of GPU_DECODABLE_TYPES) {
  const name = ggmlTypeName(type);
  Deno.test(`GPU ${name} decoding equals dequantizeRow() on a matrix of odd row count`, async () => {
    const device = await testDevice();
    const k = oneBlock(type) * 3;
    const { encoded, cpu } = encodedMatrix(type, 7, k, 0);
    assertSameValues(await dequantizeOnGpu(device, type, encoded, 7, k), cpu, name);
  });

  Deno.test(`GPU ${name} decoding reads rows that start after other data`, async () => {
    const device = await testDevice();
    const k = oneBlock(type);
    const { encoded, cpu } = encodedMatrix(type, 5, k, 0);
    assertSameValues(await dequantizeOnGpu(device, type, encoded, 5, k, 48), cpu, name);
  });

  Deno.test(`load4 for ${name} is right at the last 4 values of the last row`, async () => {
    const device = await testDevice();
    const k = oneBlock(type), rows = 3, lead = 32;
    const { bytes, cpu } = encodedMatrix(type, rows, k, lead);
    const lastRow = lead + (rows - 1) * gpuRowBytes(type, k);
    const code = `@group(0) @binding(0) var<storage, read> w: ${WEIGHT_ARRAY};
@group(0) @binding(1) var<storage, read_write> out: array<vec4<f32>>;
${wgslWeightDecoder(type, "w", k)}
@compute @workgroup_size(1) fn main() { out[0] = load4_w(${lastRow}u, ${k - 4}u); }`;
    const weights = uploadBytes(device, bytes);
    const out = outputBuffer(device, 16);
    await dispatch(device, code, [weights, out], [1]);
    const got = new Float32Array(await readBack(device, out, 16));
    assertSameValues(got, cpu.subarray(rows * k - 4), `${name} tail`);
  });

  Deno.test(`load32 for ${name} decodes every 32-value chunk of every row`, async () => {
    const device = await testDevice();
    const k = Math.max(oneBlock(type), 32) * 2, rows = 3, lead = 16;
    const { bytes, cpu } = encodedMatrix(type, rows, k, lead);
    const chunks = k / 32;
    // Invocation i decodes chunk i % chunks of row i / chunks into out[8i .. 8i + 7].
    const code = `@group(0) @binding(0) var<storage, read> w: ${WEIGHT_ARRAY};
@group(0) @binding(1) var<storage, read_write> out: array<vec4<f32>>;
${wgslWeightDecoder(type, "w", k)}
@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) g: vec3<u32>) {
  if (g.x >= ${rows * chunks}u) { return; }
  let v = load32_w(${lead}u + (g.x / ${chunks}u) * ${gpuRowBytes(type, k)}u, g.x % ${chunks}u);
  ${[0, 1, 2, 3, 4, 5, 6, 7].map((q) => `out[g.x * 8u + ${q}u] = v.q${q};`).join(" ")}
}`;
    const out = outputBuffer(device, rows * k * 4);
    await dispatch(device, code, [uploadBytes(device, bytes), out], [1]);
    const got = new Float32Array(await readBack(device, out, rows * k * 4));
    assertSameValues(got, cpu, `${name} chunks`);
  });
}

Deno.test("decoders for two buffers of different encodings share one shader", async () => {
  const device = await testDevice();
  const a = quantize(GgmlType.Q6_K, gaussianWeights(256, 1));
  const b = quantize(GgmlType.Q4_0, gaussianWeights(256, 2));
  const code = `@group(0) @binding(0) var<storage, read> wa: ${WEIGHT_ARRAY};
@group(0) @binding(1) var<storage, read> wb: ${WEIGHT_ARRAY};
@group(0) @binding(2) var<storage, read_write> out: array<vec4<f32>>;
${wgslWeightDecoder(GgmlType.Q6_K, "wa", 256)}
${wgslWeightDecoder(GgmlType.Q4_0, "wb", 256)}
@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) g: vec3<u32>) {
  out[g.x] = load4_wa(0u, g.x * 4u) + load4_wb(0u, g.x * 4u);
}`;
  const out = outputBuffer(device, 256 * 4);
  const gpuA = toGpuLayout(GgmlType.Q6_K, 256, 1, a), gpuB = toGpuLayout(GgmlType.Q4_0, 256, 1, b);
  await dispatch(device, code, [uploadBytes(device, gpuA), uploadBytes(device, gpuB), out], [1]);
  const got = new Float32Array(await readBack(device, out, 256 * 4));
  const ya = dequantizeRow(GgmlType.Q6_K, a, 256), yb = dequantizeRow(GgmlType.Q4_0, b, 256);
  assertSameValues(got, ya.map((v, i) => v + yb[i]), "sum");
});

Deno.test("a weight buffer may share its name with the decoder's own locals", async () => {
  const device = await testDevice();
  for (const name of ["w", "k", "blk", "rowByte", "e", "s", "dm"]) {
    const code = `@group(0) @binding(0) var<storage, read> ${name}: ${WEIGHT_ARRAY};
@group(0) @binding(1) var<storage, read_write> result: array<vec4<f32>>;
${wgslWeightDecoder(GgmlType.Q5_K, name, 256)}
@compute @workgroup_size(1) fn main() { result[0] = load4_${name}(0u, 252u); }`;
    const bytes = quantize(GgmlType.Q5_K, gaussianWeights(256, 9));
    const out = outputBuffer(device, 16);
    const gpuBytes = toGpuLayout(GgmlType.Q5_K, 256, 1, bytes);
    await dispatch(device, code, [uploadBytes(device, gpuBytes), out], [1]);
    const got = new Float32Array(await readBack(device, out, 16));
    assertSameValues(got, dequantizeRow(GgmlType.Q5_K, bytes, 256).subarray(252), name);
  }
});

Deno.test("GPU decoding covers a dispatch wider than one workgroup dimension", async () => {
  const device = await testDevice();
  const rows = 3, k = 64 * 4 * 70; // 210 workgroups; a limit of 64 forces a 2-D grid
  const x = Float32Array.from({ length: rows * k }, seededRandom(5));
  const bytes = quantize(GgmlType.F32, x);
  assert.deepEqual(dequantizeRowsDispatch(rows, k, 64), [64, 4]);
  const got = await dequantizeOnGpu(device, GgmlType.F32, bytes, rows, k, 0, 64);
  assertSameValues(got, x, "F32");
});

Deno.test("wgslWeightDecoder() rejects names that are not WGSL identifiers and unknown types", () => {
  for (const bad of ["", "1w", "w-x", "__w", "w;fn"]) {
    assert.throws(() => wgslWeightDecoder(GgmlType.Q8_0, bad, 32), WgslIdentifierError, bad);
  }
  assert.throws(() => wgslWeightDecoder(GgmlType.Q2_K, "w", 256), UnsupportedWeightTypeError);
});

Deno.test("dequantizeRowsParams() checks the row length and the first row's alignment", () => {
  assert.deepEqual(
    [...dequantizeRowsParams(GgmlType.Q8_0, { rows: 3, k: 64, firstRowByte: 16 })],
    [3, 16, 80, 16],
  );
  assert.throws(() => dequantizeRowsParams(GgmlType.Q8_0, { rows: 1, k: 48 }), WeightLayoutError);
  assert.throws(() => dequantizeRowsParams(GgmlType.F16, { rows: 1, k: 6 }), WeightLayoutError);
  assert.throws(
    () => dequantizeRowsParams(GgmlType.Q8_0, { rows: 1, k: 32, firstRowByte: 2 }),
    WeightLayoutError,
  );
});
