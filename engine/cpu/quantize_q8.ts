/**
 * Activations to Q8_0 for `gemmQ8_0`, per 32-value block the way llama.cpp's x86 CPU path does
 * (`quantize_row_q8_0`): scale d = max|x| / 127 stored as f16, q = round-half-even(x * 127 / max),
 * so our int8 dot products see the same integers as llama.cpp's and greedy choices agree.
 * The int8 values are stored widened to int16, the form the kernel's pmaddwd loads take.
 * @module
 */
import { f16BitsToF32, f32ToF16Bits } from "../../kernels/mod.ts";
import { Q8_BLOCK } from "./wasm_kernels.ts";

/** Round half to even (`_MM_ROUND_NEAREST`); Math.round rounds halves up. */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && (r & 1) !== 0 ? r - 1 : r;
}

/**
 * Quantizes `tokens` rows of `cols` values from `x` into `q` (`[tokens][cols]`) and scales `d`
 * (`[tokens][cols / 32]`).
 */
export function quantizeQ8_0(
  x: Float32Array,
  tokens: number,
  cols: number,
  q: Int16Array,
  d: Float32Array,
): void {
  const blocks = (tokens * cols) / Q8_BLOCK;
  for (let b = 0; b < blocks; b++) {
    const o = b * Q8_BLOCK;
    let amax = 0;
    for (let j = 0; j < Q8_BLOCK; j++) amax = Math.max(amax, Math.abs(x[o + j]));
    d[b] = f16BitsToF32(f32ToF16Bits(Math.fround(amax / 127)));
    const id = amax !== 0 ? Math.fround(127 / amax) : 0;
    for (let j = 0; j < Q8_BLOCK; j++) q[o + j] = roundHalfEven(Math.fround(x[o + j] * id));
  }
}
