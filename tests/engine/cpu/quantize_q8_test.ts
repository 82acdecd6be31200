/** Activation quantization for the int8 kernel follows llama.cpp's x86 quantize_row_q8_0. */
import assert from "node:assert/strict";
import { f16BitsToF32, f32ToF16Bits } from "../../../kernels/mod.ts";
import { quantizeQ8_0 } from "../../../engine/cpu/quantize_q8.ts";

Deno.test("quantizeQ8_0: scale max/127 as f16, the largest value at 127, halves to even", () => {
  const x = new Float32Array(64);
  x[0] = 127;
  x[1] = 2.5;
  x[2] = 3.5;
  x[3] = -2.5;
  x[4] = -3.5;
  x[5] = 0.49;
  for (let i = 32; i < 64; i++) x[i] = Math.sin(i) * 0.3;
  const q = new Int16Array(64), d = new Float32Array(2);
  quantizeQ8_0(x, 2, 32, q, d);
  assert.deepEqual([...q.slice(0, 6)], [127, 2, 4, -2, -4, 0]);
  assert.equal(d[0], 1);
  let amax = 0;
  for (let i = 32; i < 64; i++) amax = Math.max(amax, Math.abs(x[i]));
  assert.equal(d[1], f16BitsToF32(f32ToF16Bits(amax / 127)));
  for (let i = 32; i < 64; i++) {
    assert.ok(Math.abs(q[i] - x[i] * 127 / amax) <= 0.5 + 1e-6, `value ${i}`);
  }
});

Deno.test("quantizeQ8_0: an all-zero block has scale 0 and zero quants", () => {
  const q = new Int16Array(32).fill(5), d = new Float32Array(1).fill(5);
  quantizeQ8_0(new Float32Array(32), 1, 32, q, d);
  assert.equal(d[0], 0);
  assert.ok(q.every((v) => v === 0));
});
