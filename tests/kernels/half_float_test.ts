import assert from "node:assert/strict";
import {
  bf16BitsToF32,
  f16BitsToF32,
  f32ToBf16Bits,
  f32ToF16Bits,
  f32ToF16BitsCeil,
} from "../../kernels/mod.ts";

Deno.test("f16BitsToF32() decodes normals, subnormals, zeros, infinities and NaN", () => {
  assert.equal(f16BitsToF32(0x3c00), 1);
  assert.equal(f16BitsToF32(0xc000), -2);
  assert.equal(f16BitsToF32(0x7bff), 65504);
  assert.equal(f16BitsToF32(0x0001), 2 ** -24);
  assert.equal(f16BitsToF32(0x03ff), 1023 * 2 ** -24);
  assert.ok(Object.is(f16BitsToF32(0x8000), -0));
  assert.equal(f16BitsToF32(0x7c00), Infinity);
  assert.ok(Number.isNaN(f16BitsToF32(0x7e00)));
});

Deno.test("f32ToF16Bits() inverts f16BitsToF32() for every finite f16", () => {
  for (let bits = 0; bits < 0x10000; bits++) {
    if ((bits & 0x7c00) === 0x7c00) continue;
    assert.equal(f32ToF16Bits(f16BitsToF32(bits)), bits, `bits 0x${bits.toString(16)}`);
  }
});

Deno.test("f32ToF16Bits() rounds to nearest with ties to even", () => {
  const ulp = 2 ** -10; // f16 spacing in [1, 2)
  assert.equal(f32ToF16Bits(1 + ulp / 2), 0x3c00); // tie, even stays
  assert.equal(f32ToF16Bits(1 + ulp * 1.5), 0x3c02); // tie, odd rounds up
  assert.equal(f32ToF16Bits(1 + ulp * 0.51), 0x3c01);
  assert.equal(f32ToF16Bits(70000), 0x7c00); // overflow is infinity
});

Deno.test("f32ToF16BitsCeil() never returns a value below its argument", () => {
  for (const v of [0, 1e-8, 0.1, 1 / 63, 1 + 2 ** -11, 3.14159, 60000]) {
    const up = f16BitsToF32(f32ToF16BitsCeil(v));
    assert.ok(up >= v, `${up} < ${v}`);
    assert.ok(up <= v * (1 + 2 ** -10) + 2 ** -24, `${up} is more than one step above ${v}`);
  }
});

Deno.test("bf16 conversion keeps the top half of the f32 with round-to-nearest-even", () => {
  assert.equal(f32ToBf16Bits(1), 0x3f80);
  assert.equal(bf16BitsToF32(0x3f80), 1);
  assert.equal(bf16BitsToF32(0xc0a0), -5);
  const ulp = 2 ** -7; // bf16 spacing in [1, 2)
  assert.equal(f32ToBf16Bits(1 + ulp / 2), 0x3f80);
  assert.equal(f32ToBf16Bits(1 + ulp * 1.5), 0x3f82);
  assert.equal(f32ToBf16Bits(1 + ulp * 0.51), 0x3f81);
  assert.ok(Number.isNaN(bf16BitsToF32(f32ToBf16Bits(NaN))));
  for (let bits = 0; bits < 0x10000; bits += 7) {
    if ((bits & 0x7f80) === 0x7f80) continue;
    assert.equal(f32ToBf16Bits(bf16BitsToF32(bits)), bits);
  }
});
