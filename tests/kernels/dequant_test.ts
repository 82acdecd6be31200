import assert from "node:assert/strict";
import {
  dequantizeRow,
  dequantizeRowsDispatch,
  dequantizeRowsParams,
  GgmlType,
  ggmlTypeName,
  GPU_DECODABLE_TYPES,
  quantize,
  rowBytes,
  UnsupportedWeightTypeError,
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

/** `rows` rows of `k` random weights encoded as `type`, placed after `lead` bytes of junk. */
function encodedMatrix(type: GgmlType, rows: number, k: number, lead: number) {
  const encoded = quantize(type, gaussianWeights(rows * k, 1000 + type));
  const bytes = new Uint8Array(lead + encoded.length).fill(0xa5);
  bytes.set(encoded, lead);
  return { bytes, cpu: dequantizeRow(type, encoded, rows * k) };
}

/** Row length for `type`: one block when the block is 32 or 256 values, 12 values for floats. */
const oneBlock = (type: GgmlType) =>
  [GgmlType.F32, GgmlType.F16, GgmlType.BF16].includes(type) ? 12 : type >= 10 ? 256 : 32;

for (const type of GPU_DECODABLE_TYPES) {
  const name = ggmlTypeName(type);
  Deno.test(`GPU ${name} decoding equals dequantizeRow() on a matrix of odd row count`, async () => {
    const device = await testDevice();
    const k = oneBlock(type) * 3;
    const { bytes, cpu } = encodedMatrix(type, 7, k, 0);
    assertSameValues(await dequantizeOnGpu(device, type, bytes, 7, k), cpu, name);
  });

  Deno.test(`GPU ${name} decoding reads rows that start at non-4-aligned bytes`, async () => {
    const device = await testDevice();
    const k = oneBlock(type);
    const { bytes, cpu } = encodedMatrix(type, 5, k, 2); // rows start at 2 + r * rowBytes
    assertSameValues(await dequantizeOnGpu(device, type, bytes, 5, k, 2), cpu, name);
  });

  Deno.test(`load4 for ${name} is right at the last 4 values of the last row`, async () => {
    const device = await testDevice();
    const k = oneBlock(type), rows = 3, lead = 2;
    const { bytes, cpu } = encodedMatrix(type, rows, k, lead);
    const lastRow = lead + (rows - 1) * rowBytes(type, k);
    const code = `@group(0) @binding(0) var<storage, read> w: array<u32>;
@group(0) @binding(1) var<storage, read_write> out: array<vec4<f32>>;
${wgslWeightDecoder(type, "w")}
@compute @workgroup_size(1) fn main() { out[0] = load4_w(${lastRow}u, ${k - 4}u); }`;
    const weights = uploadBytes(device, bytes); // exactly the bytes, padded to 4
    const out = outputBuffer(device, 16);
    await dispatch(device, code, [weights, out], [1]);
    const got = new Float32Array(await readBack(device, out, 16));
    assertSameValues(got, cpu.subarray(rows * k - 4), `${name} tail`);
  });
}

Deno.test("decoders for two buffers of different encodings share one shader", async () => {
  const device = await testDevice();
  const a = quantize(GgmlType.Q6_K, gaussianWeights(256, 1));
  const b = quantize(GgmlType.Q4_0, gaussianWeights(256, 2));
  const code = `@group(0) @binding(0) var<storage, read> wa: array<u32>;
@group(0) @binding(1) var<storage, read> wb: array<u32>;
@group(0) @binding(2) var<storage, read_write> out: array<vec4<f32>>;
${wgslWeightDecoder(GgmlType.Q6_K, "wa")}
${wgslWeightDecoder(GgmlType.Q4_0, "wb")}
@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) g: vec3<u32>) {
  out[g.x] = load4_wa(0u, g.x * 4u) + load4_wb(0u, g.x * 4u);
}`;
  const out = outputBuffer(device, 256 * 4);
  await dispatch(device, code, [uploadBytes(device, a), uploadBytes(device, b), out], [1]);
  const got = new Float32Array(await readBack(device, out, 256 * 4));
  const ya = dequantizeRow(GgmlType.Q6_K, a, 256), yb = dequantizeRow(GgmlType.Q4_0, b, 256);
  assertSameValues(got, ya.map((v, i) => v + yb[i]), "sum");
});

Deno.test("a weight buffer may share its name with the decoder's own locals", async () => {
  const device = await testDevice();
  for (const name of ["w", "k", "blk", "rowByte", "e", "s", "dm"]) {
    const code = `@group(0) @binding(0) var<storage, read> ${name}: array<u32>;
@group(0) @binding(1) var<storage, read_write> result: array<vec4<f32>>;
${wgslWeightDecoder(GgmlType.Q5_K, name)}
@compute @workgroup_size(1) fn main() { result[0] = load4_${name}(0u, 252u); }`;
    const bytes = quantize(GgmlType.Q5_K, gaussianWeights(256, 9));
    const out = outputBuffer(device, 16);
    await dispatch(device, code, [uploadBytes(device, bytes), out], [1]);
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
    assert.throws(() => wgslWeightDecoder(GgmlType.Q8_0, bad), WgslIdentifierError, bad);
  }
  assert.throws(() => wgslWeightDecoder(GgmlType.Q2_K, "w"), UnsupportedWeightTypeError);
});

Deno.test("dequantizeRowsParams() checks the row length and the first row's alignment", () => {
  assert.deepEqual(
    [...dequantizeRowsParams(GgmlType.Q8_0, { rows: 3, k: 64, firstRowByte: 2 })],
    [3, 16, 68, 2],
  );
  assert.throws(() => dequantizeRowsParams(GgmlType.Q8_0, { rows: 1, k: 48 }), WeightLayoutError);
  assert.throws(() => dequantizeRowsParams(GgmlType.F16, { rows: 1, k: 6 }), WeightLayoutError);
  assert.throws(
    () => dequantizeRowsParams(GgmlType.Q8_0, { rows: 1, k: 32, firstRowByte: 3 }),
    WeightLayoutError,
  );
});
