import assert from "node:assert/strict";
import {
  dequantizeRow,
  f32ToBf16Bits,
  f32ToF16Bits,
  GgmlType,
  UnsupportedWeightTypeError,
  WeightLayoutError,
} from "../../kernels/mod.ts";

// Hand-built blocks: each test writes the fields of one ggml block struct byte by byte and
// checks values computed from the struct's definition in ggml-common.h.

function f16(bytes: Uint8Array, o: number, v: number): void {
  const bits = f32ToF16Bits(v);
  bytes[o] = bits & 0xff;
  bytes[o + 1] = bits >> 8;
}

Deno.test("dequantizeRow(F32/F16/BF16) reads little-endian values from any byte offset", () => {
  const f32 = new Uint8Array(9);
  new DataView(f32.buffer).setFloat32(1, -1.5, true);
  new DataView(f32.buffer).setFloat32(5, 3.25, true);
  assert.deepEqual([...dequantizeRow(GgmlType.F32, f32.subarray(1), 2)], [-1.5, 3.25]);
  const half = new Uint8Array(4);
  f16(half, 0, 0.5);
  f16(half, 2, -65504);
  assert.deepEqual([...dequantizeRow(GgmlType.F16, half, 2)], [0.5, -65504]);
  const bf = new Uint8Array([f32ToBf16Bits(2) & 0xff, f32ToBf16Bits(2) >> 8]);
  assert.deepEqual([...dequantizeRow(GgmlType.BF16, bf, 1)], [2]);
});

Deno.test("dequantizeRow(Q4_0/Q4_1) puts low nibbles first and high nibbles in the second half", () => {
  const q40 = new Uint8Array(18);
  f16(q40, 0, 0.5);
  q40[2] = 0x3f; // element 0 = 15 - 8, element 16 = 3 - 8
  q40[17] = 0x80; // element 15 = 0 - 8, element 31 = 8 - 8
  const y = dequantizeRow(GgmlType.Q4_0, q40, 32);
  assert.deepEqual([y[0], y[16], y[15], y[31], y[1]], [3.5, -2.5, -4, 0, -4]);
  const q41 = new Uint8Array(20);
  f16(q41, 0, 0.25);
  f16(q41, 2, -1);
  q41[4] = 0x2f;
  const z = dequantizeRow(GgmlType.Q4_1, q41, 32);
  assert.deepEqual([z[0], z[16], z[1]], [15 * 0.25 - 1, 2 * 0.25 - 1, -1]);
});

Deno.test("dequantizeRow(Q5_0/Q5_1) takes element e's fifth bit from bit e of qh", () => {
  const q50 = new Uint8Array(22);
  f16(q50, 0, 1);
  new DataView(q50.buffer).setUint32(2, (1 << 3) | (1 << 20), true);
  q50[6 + 3] = 0x01; // element 3: 1 | 16; element 19: 0
  q50[6 + 4] = 0x20; // element 20: 2 | 16
  const y = dequantizeRow(GgmlType.Q5_0, q50, 32);
  assert.deepEqual([y[3], y[19], y[20], y[4]], [1, -16, 2, -16]);
  const q51 = new Uint8Array(24);
  f16(q51, 0, 0.5);
  f16(q51, 2, 10);
  new DataView(q51.buffer).setUint32(4, 1 << 31, true);
  q51[8 + 15] = 0xf0;
  assert.equal(dequantizeRow(GgmlType.Q5_1, q51, 32)[31], 31 * 0.5 + 10);
});

Deno.test("dequantizeRow(Q8_0) reads signed bytes", () => {
  const q = new Uint8Array(68);
  f16(q, 0, 2);
  q[2] = 0x81;
  f16(q, 34, 0.5);
  q[34 + 2 + 31] = 0x7f;
  const y = dequantizeRow(GgmlType.Q8_0, q, 64);
  assert.deepEqual([y[0], y[63], y[1]], [-254, 63.5, 0]);
});

/** A Q4_K/Q5_K block whose sub-block s has scale 10 + 7s (6 bits) and min 40 + 3s. */
function kScales(block: Uint8Array): void {
  f16(block, 0, 0.5); // d
  f16(block, 2, 0.25); // dmin
  for (let s = 0; s < 8; s++) {
    const sc = 10 + 7 * s, m = 40 + 3 * s;
    if (s < 4) {
      block[4 + s] = sc | ((10 + 7 * (s + 4)) >> 4) << 6;
      block[8 + s] = m | ((40 + 3 * (s + 4)) >> 4) << 6;
    } else {
      block[8 + s] = (sc & 15) | ((m & 15) << 4);
    }
  }
}

Deno.test("dequantizeRow(Q4_K) unpacks 6-bit scales and mins of all 8 sub-blocks", () => {
  const b = new Uint8Array(144);
  kScales(b);
  for (let g = 0; g < 4; g++) {
    for (let l = 0; l < 32; l++) b[16 + g * 32 + l] = (l % 16) | ((15 - (l % 16)) << 4);
  }
  const y = dequantizeRow(GgmlType.Q4_K, b, 256);
  for (let s = 0; s < 8; s++) {
    for (const l of [0, 5, 31]) {
      const q = s % 2 === 0 ? l % 16 : 15 - (l % 16);
      assert.equal(
        y[s * 32 + l],
        0.5 * (10 + 7 * s) * q - 0.25 * (40 + 3 * s),
        `sub-block ${s}, ${l}`,
      );
    }
  }
});

Deno.test("dequantizeRow(Q5_K) adds 16 where bit s of qh[l] is set", () => {
  const b = new Uint8Array(176);
  kScales(b);
  b[16 + 7] = 0b1010_0101; // sub-blocks 0, 2, 5, 7 at l = 7
  for (let i = 48; i < 176; i++) b[i] = 0x21;
  const y = dequantizeRow(GgmlType.Q5_K, b, 256);
  for (let s = 0; s < 8; s++) {
    const q = (s % 2 === 0 ? 1 : 2) + ([0, 2, 5, 7].includes(s) ? 16 : 0);
    assert.equal(y[s * 32 + 7], 0.5 * (10 + 7 * s) * q - 0.25 * (40 + 3 * s), `sub-block ${s}`);
    assert.equal(y[s * 32 + 8], 0.5 * (10 + 7 * s) * (s % 2 === 0 ? 1 : 2) - 0.25 * (40 + 3 * s));
  }
});

Deno.test("dequantizeRow(Q6_K) combines ql nibbles, qh bit pairs and signed per-16 scales", () => {
  const b = new Uint8Array(210);
  f16(b, 208, 0.125);
  for (let s = 0; s < 16; s++) b[192 + s] = (s % 2 ? -(s + 1) : s + 1) & 0xff;
  // element 200: half 1, quarter 2 (high nibble of ql[64 + 8]), qh[32 + 8] bits 4-5, scale 8 + 0 + 4
  b[64 + 8] = 0x70;
  b[128 + 32 + 8] = 0b10 << 4;
  // element 37: half 0, quarter 1 (low nibble of ql[32 + 5]), qh[5] bits 2-3, scale 0 + 0 + 2
  b[32 + 5] = 0x0c;
  b[128 + 5] = 0b11 << 2;
  const y = dequantizeRow(GgmlType.Q6_K, b, 256);
  assert.equal(y[200], 0.125 * 13 * ((0x7 | (0b10 << 4)) - 32));
  assert.equal(y[37], 0.125 * 3 * ((0xc | (0b11 << 4)) - 32));
  assert.equal(y[0], 0.125 * 1 * -32);
  assert.equal(y[16], 0.125 * -2 * -32);
});

Deno.test("dequantizeRow() rejects partial blocks, short input and unknown types", () => {
  assert.throws(() => dequantizeRow(GgmlType.Q8_0, new Uint8Array(34), 16), WeightLayoutError);
  assert.throws(() => dequantizeRow(GgmlType.Q6_K, new Uint8Array(209), 256), WeightLayoutError);
  assert.throws(
    () => dequantizeRow(GgmlType.Q2_K, new Uint8Array(84), 256),
    UnsupportedWeightTypeError,
  );
});
