import assert from "node:assert/strict";
import {
  dequantizeRow,
  GgmlType,
  ggmlTypeName,
  quantize,
  rowBytes,
  UnsupportedWeightTypeError,
  WeightLayoutError,
  WeightValueError,
} from "../../kernels/mod.ts";
import { edgeCaseWeights, gaussianWeights } from "./test_data.ts";

/** Max |x - y| allowed for each value of `x` after a round trip through one encoding. */
type ErrorBound = (x: Float32Array) => Float64Array;

function perGroup(n: number, group: number, bound: (g: Float32Array) => number | number[]) {
  return (x: Float32Array) => {
    const out = new Float64Array(x.length);
    for (let i = 0; i < x.length; i += group) {
      const b = bound(x.subarray(i, i + group));
      for (let j = 0; j < group; j++) out[i + j] = typeof b === "number" ? b : b[Math.floor(j / n)];
    }
    return out;
  };
}

const absMax = (g: Float32Array) => g.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
const range = (g: Float32Array) => Math.max(...g) - Math.min(...g);
const F16_REL = 2 ** -10; // one f16 rounding of a block's scale or min, with margin

/** f16 scales are absolute below 2^-14: each level may be off by half an f16 subnormal step. */
const F16_FLOOR = 2 ** -25;

/** Symmetric formats: one step of amax / levels (the side opposite the max may clamp). */
const symmetric = (levels: number, steps: number) =>
  perGroup(32, 32, (g) => absMax(g) * (steps / levels + F16_REL) + levels * F16_FLOOR);
/** Affine formats: half a step of (max - min) / levels, plus f16 rounding of d and m. */
const affine = (levels: number) =>
  perGroup(
    32,
    32,
    (g) => (0.5 * range(g)) / levels + (absMax(g) + range(g)) * F16_REL + (levels + 1) * F16_FLOOR,
  );

/** Q4_K/Q5_K: half of the sub-block's step, which the 6-bit super-block scales may widen by one d. */
function kAffine(nmax: number): ErrorBound {
  return perGroup(32, 256, (sb) => {
    const subs = [...Array(8).keys()].map((s) => sb.subarray(s * 32, s * 32 + 32));
    const lo = subs.map((s) => Math.min(0, ...s)), hi = subs.map((s) => Math.max(0, ...s));
    const dmin = (Math.max(...lo.map((v) => -v)) / 63) * (1 + F16_REL);
    const need = subs.map((_, s) => (hi[s] - lo[s] + dmin) / (nmax + 0.5));
    const d = (Math.max(...need) / 63) * (1 + F16_REL);
    return need.map((n) => 0.5 * (n + d) * (1 + 1e-6));
  });
}

/** Q6_K: half of the 16-value sub-block's step amax/31.5, widened by one super-block d. */
const kSymmetric6: ErrorBound = perGroup(16, 256, (sb) => {
  const amax = [...Array(16).keys()].map((s) => absMax(sb.subarray(s * 16, s * 16 + 16)) / 31.5);
  const d = (Math.max(...amax) / 127) * (1 + F16_REL);
  return amax.map((a) => 0.5 * (a + d) * (1 + 1e-6));
});

const BOUNDS: ReadonlyArray<[GgmlType, ErrorBound]> = [
  [GgmlType.F32, (x) => new Float64Array(x.length)],
  [GgmlType.F16, (x) => Float64Array.from(x, (v) => Math.abs(v) * 2 ** -11 + 2 ** -25)],
  [GgmlType.BF16, (x) => Float64Array.from(x, (v) => Math.abs(v) * 2 ** -8)],
  [GgmlType.Q8_0, symmetric(127, 0.5)],
  [GgmlType.Q4_0, symmetric(8, 1)],
  [GgmlType.Q5_0, symmetric(16, 1)],
  [GgmlType.Q4_1, affine(15)],
  [GgmlType.Q5_1, affine(31)],
  [GgmlType.Q4_K, kAffine(15)],
  [GgmlType.Q5_K, kAffine(31)],
  [GgmlType.Q6_K, kSymmetric6],
];

function assertWithinBound(type: GgmlType, x: Float32Array, bound: ErrorBound): void {
  const bytes = quantize(type, x);
  assert.equal(bytes.length, rowBytes(type, x.length));
  const y = dequantizeRow(type, bytes, x.length);
  const limit = bound(x);
  for (let i = 0; i < x.length; i++) {
    const err = Math.abs(y[i] - x[i]);
    assert.ok(
      err <= limit[i],
      `${ggmlTypeName(type)}[${i}]: ${x[i]} -> ${y[i]}, error ${err} > ${limit[i]}`,
    );
  }
}

for (const [type, bound] of BOUNDS) {
  Deno.test(`quantize(${ggmlTypeName(type)}) round-trips random weights within the format's step`, () => {
    assertWithinBound(type, gaussianWeights(4096, type + 1), bound);
  });
  Deno.test(`quantize(${ggmlTypeName(type)}) handles zero, constant, one-signed and outlier blocks`, () => {
    assertWithinBound(type, edgeCaseWeights(), bound);
  });
}

Deno.test("quantize() gives all-zero blocks that decode to zeros", () => {
  for (const [type] of BOUNDS) {
    const y = dequantizeRow(type, quantize(type, new Float32Array(256)), 256);
    assert.deepEqual([...y].map(Math.abs), new Array(256).fill(0), ggmlTypeName(type));
  }
});

Deno.test("quantize(Q8_0) stores ggml's scale amax/127 and rounds halves away from zero", () => {
  const x = new Float32Array(32);
  x[0] = 127;
  x[1] = 2.5;
  x[2] = -2.5;
  x[3] = -127;
  const bytes = quantize(GgmlType.Q8_0, x);
  assert.deepEqual([...bytes.subarray(0, 2)], [0x00, 0x3c]); // d = 1.0 as f16
  assert.deepEqual([...bytes.subarray(2, 6)], [127, 3, 0xfd, 0x81]); // 127, 3, -3, -127
});

Deno.test("quantize(Q4_0) maps the largest-magnitude value to level 0 (-8 * d)", () => {
  const x = new Float32Array(32).fill(1);
  x[5] = -4;
  const bytes = quantize(GgmlType.Q4_0, x);
  assert.deepEqual([...bytes.subarray(0, 2)], [0x00, 0x38]); // d = -4 / -8 = 0.5
  assert.equal(bytes[2 + 5] & 15, 0);
  assert.equal(bytes[2 + 0] & 15, 10); // 1 / 0.5 + 8
});

Deno.test("quantize() rejects partial blocks, unknown types and non-finite values", () => {
  assert.throws(() => quantize(GgmlType.Q8_0, new Float32Array(33)), WeightLayoutError);
  assert.throws(() => quantize(GgmlType.Q4_K, new Float32Array(128)), WeightLayoutError);
  assert.throws(() => quantize(GgmlType.Q2_K, new Float32Array(256)), UnsupportedWeightTypeError);
  const x = new Float32Array(32);
  x[7] = NaN;
  assert.throws(() => quantize(GgmlType.Q4_0, x), WeightValueError);
  assert.ok(Number.isNaN(dequantizeRow(GgmlType.F16, quantize(GgmlType.F16, x), 32)[7]));
});
