/**
 * The forward pass's small per-token operations in plain TypeScript: RMSNorm, rotary
 * embedding, SwiGLU and causal attention over a sequence's KV cache. They cost little next to
 * the projections (the WASM kernels), and f32 arrays with JIT-compiled loops are enough here.
 * @module
 */

/** RMSNorm of each `width`-long row of `x` (in `rows` rows), times `w`, into `out`. */
export function rmsNormRows(
  x: Float32Array,
  w: Float32Array,
  out: Float32Array,
  rows: number,
  width: number,
  eps: number,
  offset = 0,
): void {
  for (let r = 0; r < rows; r++) {
    const o = offset + r * width;
    let ss = 0;
    for (let i = 0; i < width; i++) ss += x[o + i] * x[o + i];
    const inv = 1 / Math.sqrt(ss / width + eps);
    for (let i = 0; i < width; i++) out[o + i] = x[o + i] * inv * w[i];
  }
}

/** cos and sin of `position * invFreq[i]` for each frequency. */
export function ropeAngles(
  position: number,
  invFreq: Float32Array,
  cos: Float64Array,
  sin: Float64Array,
): void {
  for (let i = 0; i < invFreq.length; i++) {
    const a = position * invFreq[i];
    cos[i] = Math.cos(a);
    sin[i] = Math.sin(a);
  }
}

/**
 * Rotates the head at `x[o .. o + headDim)` in place: halves (NeoX / HF layout) when `neox`,
 * else adjacent pairs (llama.cpp's Llama GGUF layout).
 */
export function rope(
  x: Float32Array,
  o: number,
  headDim: number,
  cos: Float64Array,
  sin: Float64Array,
  neox: boolean,
): void {
  const half = headDim / 2;
  for (let i = 0; i < half; i++) {
    const a = neox ? o + i : o + 2 * i, b = neox ? o + i + half : o + 2 * i + 1;
    const xa = x[a], xb = x[b];
    x[a] = xa * cos[i] - xb * sin[i];
    x[b] = xb * cos[i] + xa * sin[i];
  }
}

/** `out[i] = silu(gate[i]) * up[i]` for `n` values. */
export function swiglu(gate: Float32Array, up: Float32Array, out: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) {
    const g = gate[i];
    out[i] = (g / (1 + Math.exp(-g))) * up[i];
  }
}

/** Shape of one attention call. */
export interface AttentionShape {
  heads: number;
  kvHeads: number;
  headDim: number;
}

/**
 * Working memory of `attendRow`, kept by the caller across rows and steps: a score per cache
 * position, and the head's query and output sum in f64 (reads and the running sum stay out of the
 * typed arrays: each += on a Float32Array rounds and stores, several times slower in V8).
 */
export class AttentionScratch {
  scores = new Float64Array(0);
  readonly q: Float64Array;
  readonly acc: Float64Array;

  constructor(headDim: number) {
    this.q = new Float64Array(headDim);
    this.acc = new Float64Array(headDim);
  }

  /** Makes room for `positions` scores. */
  fit(positions: number): void {
    if (this.scores.length < positions) {
      this.scores = new Float64Array(Math.max(positions, 2 * this.scores.length));
    }
  }
}

/**
 * Causal attention of one query row (`q` at `qo`, all heads) over cache positions
 * `0 .. positions` of `k` and `v` (`[position][kvHeads * headDim]`), into `out` at `oo`.
 * `scratch` must fit `positions` scores.
 */
export function attendRow(
  s: AttentionShape,
  q: Float32Array,
  qo: number,
  k: Float32Array,
  v: Float32Array,
  positions: number,
  out: Float32Array,
  oo: number,
  scratch: AttentionScratch,
): void {
  const { heads, kvHeads, headDim } = s;
  const group = heads / kvHeads, width = kvHeads * headDim, scale = 1 / Math.sqrt(headDim);
  const { scores, q: qh, acc } = scratch;
  for (let h = 0; h < heads; h++) {
    const kvo = Math.floor(h / group) * headDim;
    for (let d = 0; d < headDim; d++) qh[d] = q[qo + h * headDim + d];
    let max = -Infinity;
    for (let p = 0; p < positions; p++) {
      const ko = p * width + kvo;
      let dot = 0;
      for (let d = 0; d < headDim; d++) dot += qh[d] * k[ko + d];
      const sc = dot * scale;
      scores[p] = sc;
      if (sc > max) max = sc;
    }
    let sum = 0;
    for (let p = 0; p < positions; p++) {
      const e = Math.exp(scores[p] - max);
      scores[p] = e;
      sum += e;
    }
    acc.fill(0);
    for (let p = 0; p < positions; p++) {
      const wgt = scores[p] / sum, vo = p * width + kvo;
      for (let d = 0; d < headDim; d++) acc[d] += wgt * v[vo + d];
    }
    const oh = oo + h * headDim;
    for (let d = 0; d < headDim; d++) out[oh + d] = acc[d];
  }
}
