/**
 * Plain-TypeScript references of the WASM kernels (wasm_kernels.ts), for their tests: the same
 * arguments as arrays instead of addresses, `out[t * outStride + r] = dot(row r, token t)`.
 * @module
 */
import { Q8_BLOCK } from "./wasm_kernels.ts";

/** `gemmQ8_0`: int8 weights with per-32 scales times int8 activations with per-32 scales. */
export function gemmQ8_0Ref(
  w: Int8Array,
  ws: Float32Array,
  xq: Int16Array,
  xs: Float32Array,
  out: Float32Array,
  rows: number,
  blocks: number,
  tokens: number,
  outStride: number,
): void {
  const cols = blocks * Q8_BLOCK;
  for (let r = 0; r < rows; r++) {
    for (let t = 0; t < tokens; t++) {
      let sum = 0;
      for (let b = 0; b < blocks; b++) {
        let dot = 0;
        for (let j = 0; j < Q8_BLOCK; j++) {
          dot += w[r * cols + b * Q8_BLOCK + j] * xq[t * cols + b * Q8_BLOCK + j];
        }
        sum += dot * Math.fround(ws[r * blocks + b] * xs[t * blocks + b]);
      }
      out[t * outStride + r] = sum;
    }
  }
}

/** `gemmF32`: f32 weights times f32 activations. */
export function gemmF32Ref(
  w: Float32Array,
  x: Float32Array,
  out: Float32Array,
  rows: number,
  cols: number,
  tokens: number,
  outStride: number,
): void {
  for (let r = 0; r < rows; r++) {
    for (let t = 0; t < tokens; t++) {
      let sum = 0;
      for (let i = 0; i < cols; i++) sum += w[r * cols + i] * x[t * cols + i];
      out[t * outStride + r] = sum;
    }
  }
}
