/**
 * CPU quantizers: f32 values to a weight encoding's bytes. Q4_0/Q4_1/Q5_0/Q5_1/Q8_0 follow
 * ggml's quantize_row_*_ref step for step (float32 arithmetic included); the K-quants come from
 * quantize_kquants_ref.ts; F32/F16/BF16 round to nearest-even.
 * @module
 */
import { GgmlType, ggmlTypeInfo } from "./ggml_types.ts";
import { f32ToBf16Bits, f32ToF16Bits } from "./half_float.ts";
import { quantizeQ4_K, quantizeQ5_K, quantizeQ6_K } from "./quantize_kquants_ref.ts";
import {
  UnsupportedWeightTypeError,
  WeightLayoutError,
  WeightValueError,
} from "./weight_errors.ts";

/** Encodes `blocks` blocks of `x` (from 0) into `out` (from byte 0, zero-filled). */
type BlockQuantizer = (x: Float32Array, out: Uint8Array, blocks: number) => void;

const f = Math.fround;

function putU16(out: Uint8Array, o: number, v: number): void {
  out[o] = v & 0xff;
  out[o + 1] = (v >> 8) & 0xff;
}

function putU32(out: Uint8Array, o: number, v: number): void {
  putU16(out, o, v & 0xffff);
  putU16(out, o + 2, v >>> 16);
}

/** The value of largest magnitude in x[from, from + n) (first one on ties), as ggml picks it. */
function signedAbsMax(x: Float32Array, from: number, n: number): number {
  let amax = 0, max = 0;
  for (let j = from; j < from + n; j++) {
    if (amax < Math.abs(x[j])) {
      amax = Math.abs(x[j]);
      max = x[j];
    }
  }
  return max;
}

function minMax(x: Float32Array, from: number, n: number): [number, number] {
  let min = Infinity, max = -Infinity;
  for (let j = from; j < from + n; j++) {
    if (x[j] < min) min = x[j];
    if (x[j] > max) max = x[j];
  }
  return [min, max];
}

// Symmetric 4/5-bit blocks: the largest-magnitude value maps to -2^(bits-1) exactly.
function quantizeSymmetric(bits: 4 | 5): BlockQuantizer {
  const half = 1 << (bits - 1), top = (1 << bits) - 1, bytes = bits === 4 ? 18 : 22;
  const qs = bits === 4 ? 2 : 6;
  return (x, out, blocks) => {
    for (let b = 0; b < blocks; b++) {
      const i = b * 32, o = b * bytes;
      const d = f(signedAbsMax(x, i, 32) / -half);
      const id = d ? f(1 / d) : 0;
      putU16(out, o, f32ToF16Bits(d));
      let qh = 0;
      for (let j = 0; j < 16; j++) {
        const q0 = Math.min(top, Math.trunc(f(f(x[i + j] * id) + half + 0.5)));
        const q1 = Math.min(top, Math.trunc(f(f(x[i + 16 + j] * id) + half + 0.5)));
        out[o + qs + j] = (q0 & 15) | ((q1 & 15) << 4);
        qh |= ((q0 >> 4) << j) | ((q1 >> 4) << (j + 16));
      }
      if (bits === 5) putU32(out, o + 2, qh >>> 0);
    }
  };
}

// Affine 4/5-bit blocks: min maps to 0 and max to 2^bits - 1.
function quantizeAffine(bits: 4 | 5): BlockQuantizer {
  const top = (1 << bits) - 1, bytes = bits === 4 ? 20 : 24, qs = bits === 4 ? 4 : 8;
  return (x, out, blocks) => {
    for (let b = 0; b < blocks; b++) {
      const i = b * 32, o = b * bytes;
      const [min, max] = minMax(x, i, 32);
      const d = f(f(max - min) / top);
      const id = d ? f(1 / d) : 0;
      putU16(out, o, f32ToF16Bits(d));
      putU16(out, o + 2, f32ToF16Bits(min));
      let qh = 0;
      for (let j = 0; j < 16; j++) {
        const q0 = Math.min(top, Math.trunc(f(f(f(x[i + j] - min) * id) + 0.5)));
        const q1 = Math.min(top, Math.trunc(f(f(f(x[i + 16 + j] - min) * id) + 0.5)));
        out[o + qs + j] = (q0 & 15) | ((q1 & 15) << 4);
        qh |= ((q0 >> 4) << j) | ((q1 >> 4) << (j + 16));
      }
      if (bits === 5) putU32(out, o + 4, qh >>> 0);
    }
  };
}

function quantizeQ8_0(x: Float32Array, out: Uint8Array, blocks: number): void {
  for (let b = 0; b < blocks; b++) {
    const i = b * 32, o = b * 34;
    let amax = 0;
    for (let j = i; j < i + 32; j++) amax = Math.max(amax, Math.abs(x[j]));
    const d = f(amax / 127);
    const id = d ? f(1 / d) : 0;
    putU16(out, o, f32ToF16Bits(d));
    for (let j = 0; j < 32; j++) {
      const v = f(x[i + j] * id);
      out[o + 2 + j] = (Math.sign(v) * Math.round(Math.abs(v))) & 0xff; // roundf: half away from 0
    }
  }
}

function encodeF32(x: Float32Array, out: Uint8Array, n: number): void {
  const view = new DataView(out.buffer, out.byteOffset, n * 4);
  for (let i = 0; i < n; i++) view.setFloat32(i * 4, x[i], true);
}

function encode16(toBits: (v: number) => number): BlockQuantizer {
  return (x, out, n) => {
    for (let i = 0; i < n; i++) putU16(out, 2 * i, toBits(x[i]));
  };
}

const QUANTIZERS: ReadonlyMap<GgmlType, BlockQuantizer> = new Map([
  [GgmlType.F32, encodeF32],
  [GgmlType.F16, encode16(f32ToF16Bits)],
  [GgmlType.BF16, encode16(f32ToBf16Bits)],
  [GgmlType.Q4_0, quantizeSymmetric(4)],
  [GgmlType.Q4_1, quantizeAffine(4)],
  [GgmlType.Q5_0, quantizeSymmetric(5)],
  [GgmlType.Q5_1, quantizeAffine(5)],
  [GgmlType.Q8_0, quantizeQ8_0],
  [GgmlType.Q4_K, quantizeQ4_K],
  [GgmlType.Q5_K, quantizeQ5_K],
  [GgmlType.Q6_K, quantizeQ6_K],
]);

/** The encodings {@link quantize} can produce. */
export const QUANTIZABLE_TYPES: readonly GgmlType[] = [...QUANTIZERS.keys()];

/**
 * Encodes `values` (one row, or rows back to back) as `type`; the result is exactly
 * `rowBytes(type, values.length)` bytes. Throws {@link UnsupportedWeightTypeError} for an
 * encoding without a quantizer, {@link WeightLayoutError} when the length is not whole blocks
 * and {@link WeightValueError} for NaN or infinite values in a quantized encoding.
 * @example
 * ```ts
 * import { GgmlType } from "./ggml_types.ts";
 * const bytes = quantize(GgmlType.Q8_0, new Float32Array(32).fill(0.5)); // 34 bytes
 * ```
 */
export function quantize(type: GgmlType, values: Float32Array): Uint8Array<ArrayBuffer> {
  const encode = QUANTIZERS.get(type);
  const info = ggmlTypeInfo(type);
  if (!encode || !info) {
    const names = QUANTIZABLE_TYPES.map((t) => ggmlTypeInfo(t)?.name ?? String(t));
    throw new UnsupportedWeightTypeError(type, "quantize", names);
  }
  if (values.length % info.blockSize !== 0) {
    throw new WeightLayoutError(
      `quantize(${info.name}) expects a whole number of ${info.blockSize}-element blocks; found ${values.length} values`,
    );
  }
  if (info.blockSize > 1) {
    const bad = values.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) {
      throw new WeightValueError(
        `quantize(${info.name}) expects finite values; found ${values[bad]} at index ${bad}`,
      );
    }
  }
  const blocks = values.length / info.blockSize;
  const out = new Uint8Array(blocks * info.blockBytes);
  encode(values, out, blocks);
  return out;
}
