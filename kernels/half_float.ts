/**
 * Bit-exact conversions between f32 and the 16-bit float encodings of weights (IEEE f16 and
 * bfloat16), rounding to nearest-even the way ggml's GGML_FP32_TO_FP16 / _TO_BF16 do.
 * @module
 */

let f16Table: Float32Array | undefined;

/** All 65,536 f16 bit patterns decoded once, on first use (a table beats per-value bit work). */
function table(): Float32Array {
  if (!f16Table) {
    const bits = new Uint16Array(65536);
    for (let i = 0; i < 65536; i++) bits[i] = i;
    f16Table = Float32Array.from(new Float16Array(bits.buffer));
  }
  return f16Table;
}

/**
 * The f32 value of the f16 whose bits are `bits` (subnormals, infinities and NaN included).
 * @example
 * ```ts
 * f16BitsToF32(0x3c00); // 1
 * ```
 */
export function f16BitsToF32(bits: number): number {
  return table()[bits & 0xffff];
}

/** The f16 lookup table itself, for hot loops that decode millions of values. */
export function f16DecodeTable(): Float32Array {
  return table();
}

const scratch16 = new Float16Array(1);
const scratch16Bits = new Uint16Array(scratch16.buffer);
const scratch32 = new Float32Array(1);
const scratch32Bits = new Uint32Array(scratch32.buffer);

/**
 * f16 bits of `value` rounded to f32 first, then to the nearest f16 (ties to even), which is
 * what ggml does with a float argument. Overflow gives infinity.
 * @example
 * ```ts
 * f32ToF16Bits(1); // 0x3c00
 * ```
 */
export function f32ToF16Bits(value: number): number {
  scratch16[0] = Math.fround(value);
  return scratch16Bits[0];
}

/**
 * Bits of the smallest f16 that is >= `value` (value finite, >= 0): a scale rounded this way
 * never shrinks the range it has to cover.
 */
export function f32ToF16BitsCeil(value: number): number {
  const bits = f32ToF16Bits(value);
  return f16BitsToF32(bits) < value ? bits + 1 : bits;
}

/**
 * The f32 value of the bfloat16 whose bits are `bits`.
 * @example
 * ```ts
 * bf16BitsToF32(0x3f80); // 1
 * ```
 */
export function bf16BitsToF32(bits: number): number {
  scratch32Bits[0] = (bits & 0xffff) << 16;
  return scratch32[0];
}

/**
 * bfloat16 bits of `value` rounded to f32 first, then to nearest-even; NaN stays a quiet NaN
 * (ggml_compute_fp32_to_bf16).
 * @example
 * ```ts
 * f32ToBf16Bits(1); // 0x3f80
 * ```
 */
export function f32ToBf16Bits(value: number): number {
  scratch32[0] = value;
  const u = scratch32Bits[0];
  if ((u & 0x7fffffff) > 0x7f800000) return ((u >>> 16) | 64) & 0xffff;
  return ((u + (0x7fff + ((u >>> 16) & 1))) >>> 16) & 0xffff;
}
