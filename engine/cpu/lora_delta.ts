/**
 * A LoRA adapter's contribution to one projection, unmerged so each request can carry its own:
 * `y_t += scale * B (A x_t)` for every token t of a step.
 * @module
 */
import type { LoraWeights } from "../lora/mod.ts";

/**
 * Adds the delta of `adapter`'s module `key` ("<layer>.<module>") to `y` (`[tokens][outF]`)
 * for inputs `x` (`[tokens][inF]`); does nothing when the adapter does not target it.
 */
export function addLoraDelta(
  adapter: LoraWeights,
  key: string,
  x: Float32Array,
  y: Float32Array,
  tokens: number,
  inF: number,
  outF: number,
): void {
  const m = adapter.matrices.get(key);
  if (!m) return;
  const r = adapter.rank, { a, b } = m;
  const u = new Float32Array(r);
  for (let t = 0; t < tokens; t++) {
    const xo = t * inF, yo = t * outF;
    for (let j = 0; j < r; j++) {
      let s = 0;
      const ao = j * inF;
      for (let i = 0; i < inF; i++) s += a[ao + i] * x[xo + i];
      u[j] = s * adapter.scale;
    }
    for (let o = 0; o < outF; o++) {
      let s = 0;
      const bo = o * r;
      for (let j = 0; j < r; j++) s += b[bo + j] * u[j];
      y[yo + o] += s;
    }
  }
}
