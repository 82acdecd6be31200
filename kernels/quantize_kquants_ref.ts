/**
 * Simple, valid K-quant quantizers (Q4_K, Q5_K, Q6_K) for test data and random-init models:
 * one pass per sub-block, scales rounded up so every value stays in range, no iterative search.
 * Not ggml's optimal search (llama-quantize does better), but within half a step of every value.
 * @module
 */
import { f16BitsToF32, f32ToF16BitsCeil } from "./half_float.ts";

const f = Math.fround;

function putU16(out: Uint8Array, o: number, v: number): void {
  out[o] = v & 0xff;
  out[o + 1] = (v >> 8) & 0xff;
}

/** Packs the 6-bit scales and mins of 8 sub-blocks into 12 bytes (inverse of get_scale_min_k4). */
function packScalesMinsK4(ls: Uint8Array, lm: Uint8Array, out: Uint8Array, o: number): void {
  for (let j = 0; j < 8; j++) {
    if (j < 4) {
      out[o + j] = ls[j];
      out[o + j + 4] = lm[j];
    } else {
      out[o + j + 4] = (ls[j] & 15) | ((lm[j] & 15) << 4);
      out[o + j - 4] |= (ls[j] >> 4) << 6;
      out[o + j] |= (lm[j] >> 4) << 6;
    }
  }
}

/** An f16 super-block scale (bits, value) that is >= `need / 63`, so 6-bit multiples reach `need`. */
function superScale(need: number): [number, number] {
  const bits = f32ToF16BitsCeil(need / 63);
  return [bits, f16BitsToF32(bits)];
}

/**
 * Affine K-quant levels of one 256-value super-block starting at `x[i]`: writes d, dmin and the
 * packed scales at `out[o..o+16)` and returns the level 0..nmax of every value.
 */
function affineLevels(x: Float32Array, i: number, nmax: number, out: Uint8Array, o: number) {
  const offsetNeed = new Float64Array(8), top = new Float64Array(8);
  for (let s = 0; s < 8; s++) {
    let lo = 0, hi = 0; // the format's min is never positive, so 0 is always in range
    for (let l = 0; l < 32; l++) {
      lo = Math.min(lo, x[i + s * 32 + l]);
      hi = Math.max(hi, x[i + s * 32 + l]);
    }
    offsetNeed[s] = -lo;
    top[s] = hi;
  }
  const [dminBits, dmin] = superScale(Math.max(...offsetNeed));
  const lm = new Uint8Array(8), ls = new Uint8Array(8), stepNeed = new Float64Array(8);
  for (let s = 0; s < 8; s++) {
    lm[s] = dmin > 0 ? Math.min(63, Math.ceil(offsetNeed[s] / dmin)) : 0;
    // nmax + 0.5: the top value may round down onto the last level.
    stepNeed[s] = (top[s] + f(dmin * lm[s])) / (nmax + 0.5);
  }
  const [dBits, d] = superScale(Math.max(...stepNeed));
  for (let s = 0; s < 8; s++) ls[s] = d > 0 ? Math.min(63, Math.ceil(stepNeed[s] / d)) : 0;
  putU16(out, o, dBits);
  putU16(out, o + 2, dminBits);
  packScalesMinsK4(ls, lm, out, o + 4);
  const levels = new Uint8Array(256);
  for (let s = 0; s < 8; s++) {
    const step = f(d * ls[s]), offset = f(dmin * lm[s]);
    if (!step) continue;
    for (let l = 0; l < 32; l++) {
      const q = Math.round((x[i + s * 32 + l] + offset) / step);
      levels[s * 32 + l] = Math.max(0, Math.min(nmax, q));
    }
  }
  return levels;
}

/** Q4_K {f16 d, dmin; u8 scales[12]; u8 qs[128]} for `blocks` super-blocks of 256 values. */
export function quantizeQ4_K(x: Float32Array, out: Uint8Array, blocks: number): void {
  for (let b = 0; b < blocks; b++) {
    const o = b * 144, L = affineLevels(x, b * 256, 15, out, o);
    for (let g = 0; g < 4; g++) {
      for (let l = 0; l < 32; l++) {
        out[o + 16 + g * 32 + l] = L[g * 64 + l] | (L[g * 64 + 32 + l] << 4);
      }
    }
  }
}

/** Q5_K {f16 d, dmin; u8 scales[12]; u8 qh[32]; u8 qs[128]} for `blocks` super-blocks. */
export function quantizeQ5_K(x: Float32Array, out: Uint8Array, blocks: number): void {
  for (let b = 0; b < blocks; b++) {
    const o = b * 176, L = affineLevels(x, b * 256, 31, out, o);
    for (let g = 0; g < 4; g++) {
      for (let l = 0; l < 32; l++) {
        const lo = L[g * 64 + l], hi = L[g * 64 + 32 + l];
        out[o + 48 + g * 32 + l] = (lo & 15) | ((hi & 15) << 4);
        out[o + 16 + l] |= ((lo >> 4) << (2 * g)) | ((hi >> 4) << (2 * g + 1));
      }
    }
  }
}

/**
 * Signed step of a 16-value Q6_K sub-block: levels -32..31 must cover [lo, hi]; pick the sign
 * that needs the smaller step (the wider side of the data goes to -32).
 */
function q6Step(x: Float32Array, from: number): number {
  let lo = 0, hi = 0;
  for (let l = from; l < from + 16; l++) {
    lo = Math.min(lo, x[l]);
    hi = Math.max(hi, x[l]);
  }
  const positive = Math.max(hi / 31.5, -lo / 32.5);
  const negative = Math.max(-lo / 31.5, hi / 32.5);
  return positive <= negative ? positive : -negative;
}

function packQ6Levels(L: Uint8Array, out: Uint8Array, o: number): void {
  for (let half = 0; half < 2; half++) {
    const j = half * 128, ql = o + half * 64, qh = o + 128 + half * 32;
    for (let l = 0; l < 32; l++) {
      out[ql + l] = (L[j + l] & 15) | ((L[j + l + 64] & 15) << 4);
      out[ql + l + 32] = (L[j + l + 32] & 15) | ((L[j + l + 96] & 15) << 4);
      out[qh + l] = (L[j + l] >> 4) | ((L[j + l + 32] >> 4) << 2) |
        ((L[j + l + 64] >> 4) << 4) | ((L[j + l + 96] >> 4) << 6);
    }
  }
}

/** Q6_K {u8 ql[128]; u8 qh[64]; i8 scales[16]; f16 d} for `blocks` super-blocks of 256 values. */
export function quantizeQ6_K(x: Float32Array, out: Uint8Array, blocks: number): void {
  for (let b = 0; b < blocks; b++) {
    const i = b * 256, o = b * 210, steps = new Float64Array(16);
    for (let s = 0; s < 16; s++) steps[s] = q6Step(x, i + s * 16);
    const bits = f32ToF16BitsCeil(Math.max(...steps.map(Math.abs)) / 127);
    const d = f16BitsToF32(bits);
    putU16(out, o + 208, bits);
    const L = new Uint8Array(256).fill(32);
    for (let s = 0; s < 16; s++) {
      const sc = d > 0 ? Math.sign(steps[s]) * Math.min(127, Math.ceil(Math.abs(steps[s]) / d)) : 0;
      out[o + 192 + s] = sc & 0xff;
      const step = f(d * sc);
      if (!step) continue;
      for (let l = 0; l < 16; l++) {
        const q = Math.round(x[i + s * 16 + l] / step);
        L[s * 16 + l] = Math.max(-32, Math.min(31, q)) + 32;
      }
    }
    packQ6Levels(L, out, o);
  }
}
