/**
 * CPU reference decoders: one row of weights in its file encoding to f32, bit for bit what
 * ggml's dequantize_row_* produce. The GPU decoders in dequant.ts are tested against these.
 * @module
 */
import { GgmlType, ggmlTypeInfo } from "./ggml_types.ts";
import { bf16BitsToF32, f16DecodeTable } from "./half_float.ts";
import { UnsupportedWeightTypeError, WeightLayoutError } from "./weight_errors.ts";

/** Decodes `blocks` consecutive blocks of `src` (from byte 0) into `out` (from element 0). */
type BlockRowDecoder = (src: Uint8Array, out: Float32Array, blocks: number) => void;

function u32At(src: Uint8Array, o: number): number {
  return (src[o] | (src[o + 1] << 8) | (src[o + 2] << 16) | (src[o + 3] << 24)) >>> 0;
}

function f16At(h: Float32Array, src: Uint8Array, o: number): number {
  return h[src[o] | (src[o + 1] << 8)];
}

function decodeF32(src: Uint8Array, out: Float32Array, n: number): void {
  const view = new DataView(src.buffer, src.byteOffset, n * 4);
  for (let i = 0; i < n; i++) out[i] = view.getFloat32(i * 4, true);
}

function decodeF16(src: Uint8Array, out: Float32Array, n: number): void {
  const h = f16DecodeTable();
  for (let i = 0; i < n; i++) out[i] = f16At(h, src, 2 * i);
}

function decodeBf16(src: Uint8Array, out: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) out[i] = bf16BitsToF32(src[2 * i] | (src[2 * i + 1] << 8));
}

// Q4_0 {f16 d; u8 qs[16]}: y[j] = (lo nibble - 8) * d, y[j + 16] = (hi nibble - 8) * d.
function decodeQ4_0(src: Uint8Array, out: Float32Array, blocks: number): void {
  const h = f16DecodeTable();
  for (let b = 0; b < blocks; b++) {
    const o = b * 18, y = b * 32, d = f16At(h, src, o);
    for (let j = 0; j < 16; j++) {
      const q = src[o + 2 + j];
      out[y + j] = ((q & 15) - 8) * d;
      out[y + j + 16] = ((q >> 4) - 8) * d;
    }
  }
}

// Q4_1 {f16 d, m; u8 qs[16]}: y = nibble * d + m.
function decodeQ4_1(src: Uint8Array, out: Float32Array, blocks: number): void {
  const h = f16DecodeTable();
  for (let b = 0; b < blocks; b++) {
    const o = b * 20, y = b * 32, d = f16At(h, src, o), m = f16At(h, src, o + 2);
    for (let j = 0; j < 16; j++) {
      const q = src[o + 4 + j];
      out[y + j] = (q & 15) * d + m;
      out[y + j + 16] = (q >> 4) * d + m;
    }
  }
}

// Q5_0 {f16 d; u32 qh; u8 qs[16]}: element e's fifth bit is bit e of qh; y = (q - 16) * d.
function decodeQ5_0(src: Uint8Array, out: Float32Array, blocks: number): void {
  const h = f16DecodeTable();
  for (let b = 0; b < blocks; b++) {
    const o = b * 22, y = b * 32, d = f16At(h, src, o), qh = u32At(src, o + 2);
    for (let j = 0; j < 16; j++) {
      const q = src[o + 6 + j];
      out[y + j] = (((q & 15) | (((qh >>> j) & 1) << 4)) - 16) * d;
      out[y + j + 16] = (((q >> 4) | (((qh >>> (j + 16)) & 1) << 4)) - 16) * d;
    }
  }
}

// Q5_1 {f16 d, m; u32 qh; u8 qs[16]}: y = q * d + m.
function decodeQ5_1(src: Uint8Array, out: Float32Array, blocks: number): void {
  const h = f16DecodeTable();
  for (let b = 0; b < blocks; b++) {
    const o = b * 24, y = b * 32, d = f16At(h, src, o), m = f16At(h, src, o + 2);
    const qh = u32At(src, o + 4);
    for (let j = 0; j < 16; j++) {
      const q = src[o + 8 + j];
      out[y + j] = ((q & 15) | (((qh >>> j) & 1) << 4)) * d + m;
      out[y + j + 16] = ((q >> 4) | (((qh >>> (j + 16)) & 1) << 4)) * d + m;
    }
  }
}

// Q8_0 {f16 d; i8 qs[32]}: y = q * d.
function decodeQ8_0(src: Uint8Array, out: Float32Array, blocks: number): void {
  const h = f16DecodeTable();
  for (let b = 0; b < blocks; b++) {
    const o = b * 34, y = b * 32, d = f16At(h, src, o);
    for (let j = 0; j < 32; j++) out[y + j] = ((src[o + 2 + j] << 24) >> 24) * d;
  }
}

/**
 * The 6-bit scale and min of sub-block `j` (0..7) of a Q4_K/Q5_K block from its 12 packed
 * bytes at `o` (ggml's get_scale_min_k4), written into `sm` as [scale, min].
 */
export function scaleMinK4(src: Uint8Array, o: number, j: number, sm: Uint8Array): void {
  if (j < 4) {
    sm[0] = src[o + j] & 63;
    sm[1] = src[o + j + 4] & 63;
  } else {
    sm[0] = (src[o + j + 4] & 15) | ((src[o + j - 4] >> 6) << 4);
    sm[1] = (src[o + j + 4] >> 4) | ((src[o + j] >> 6) << 4);
  }
}

// Q4_K {f16 d, dmin; u8 scales[12]; u8 qs[128]}: 8 sub-blocks of 32, y = d*sc * q - dmin*m.
function decodeQ4_K(src: Uint8Array, out: Float32Array, blocks: number): void {
  const h = f16DecodeTable(), sm = new Uint8Array(2);
  for (let b = 0; b < blocks; b++) {
    const o = b * 144, d = f16At(h, src, o), dmin = f16At(h, src, o + 2);
    for (let s = 0; s < 8; s++) {
      scaleMinK4(src, o + 4, s, sm);
      const d1 = d * sm[0], m1 = dmin * sm[1], shift = (s & 1) * 4;
      const q = o + 16 + (s >> 1) * 32, y = b * 256 + s * 32;
      for (let l = 0; l < 32; l++) out[y + l] = d1 * ((src[q + l] >> shift) & 15) - m1;
    }
  }
}

// Q5_K {f16 d, dmin; u8 scales[12]; u8 qh[32]; u8 qs[128]}: the fifth bit of sub-block s is bit s of qh[l].
function decodeQ5_K(src: Uint8Array, out: Float32Array, blocks: number): void {
  const h = f16DecodeTable(), sm = new Uint8Array(2);
  for (let b = 0; b < blocks; b++) {
    const o = b * 176, d = f16At(h, src, o), dmin = f16At(h, src, o + 2);
    for (let s = 0; s < 8; s++) {
      scaleMinK4(src, o + 4, s, sm);
      const d1 = d * sm[0], m1 = dmin * sm[1], shift = (s & 1) * 4;
      const q = o + 48 + (s >> 1) * 32, y = b * 256 + s * 32;
      for (let l = 0; l < 32; l++) {
        const v = ((src[q + l] >> shift) & 15) | (((src[o + 16 + l] >> s) & 1) << 4);
        out[y + l] = d1 * v - m1;
      }
    }
  }
}

// Q6_K {u8 ql[128]; u8 qh[64]; i8 scales[16]; f16 d}: y = d * sc * (q - 32), sub-blocks of 16.
function decodeQ6_K(src: Uint8Array, out: Float32Array, blocks: number): void {
  const h = f16DecodeTable();
  for (let b = 0; b < blocks; b++) {
    const o = b * 210, d = f16At(h, src, o + 208);
    for (let e = 0; e < 256; e++) {
      const half = e >> 7, quarter = (e >> 5) & 3, l = e & 31;
      const lo = (src[o + half * 64 + (quarter & 1) * 32 + l] >> ((quarter >> 1) * 4)) & 15;
      const hi = (src[o + 128 + half * 32 + l] >> (quarter * 2)) & 3;
      const sc = (src[o + 192 + half * 8 + (l >> 4) + quarter * 2] << 24) >> 24;
      out[b * 256 + e] = Math.fround(d * sc) * ((lo | (hi << 4)) - 32);
    }
  }
}

const ROW_DECODERS: ReadonlyMap<GgmlType, BlockRowDecoder> = new Map([
  [GgmlType.F32, decodeF32],
  [GgmlType.F16, decodeF16],
  [GgmlType.BF16, decodeBf16],
  [GgmlType.Q4_0, decodeQ4_0],
  [GgmlType.Q4_1, decodeQ4_1],
  [GgmlType.Q5_0, decodeQ5_0],
  [GgmlType.Q5_1, decodeQ5_1],
  [GgmlType.Q8_0, decodeQ8_0],
  [GgmlType.Q4_K, decodeQ4_K],
  [GgmlType.Q5_K, decodeQ5_K],
  [GgmlType.Q6_K, decodeQ6_K],
]);

/**
 * Decodes the first `elements` values of `bytes` (a row, or several rows back to back) from
 * encoding `type` to f32, exactly as ggml's dequantize_row_* would.
 * Throws {@link UnsupportedWeightTypeError} for an encoding without a decoder and
 * {@link WeightLayoutError} when `elements` is not whole blocks or `bytes` is too short.
 * @example
 * ```ts
 * import { GgmlType } from "./ggml_types.ts";
 * const row = dequantizeRow(GgmlType.F16, new Uint8Array([0x00, 0x3c]), 1); // [1]
 * ```
 */
export function dequantizeRow(
  type: GgmlType,
  bytes: Uint8Array,
  elements: number,
): Float32Array<ArrayBuffer> {
  const decode = ROW_DECODERS.get(type);
  const info = ggmlTypeInfo(type);
  if (!decode || !info) {
    const names = [...ROW_DECODERS.keys()].map((t) => ggmlTypeInfo(t)?.name ?? String(t));
    throw new UnsupportedWeightTypeError(type, "dequantizeRow", names);
  }
  if (!Number.isSafeInteger(elements) || elements < 0 || elements % info.blockSize !== 0) {
    throw new WeightLayoutError(
      `dequantizeRow(${info.name}) expects a whole number of ${info.blockSize}-element blocks; found ${elements} elements`,
    );
  }
  const blocks = elements / info.blockSize;
  const need = blocks * info.blockBytes;
  if (bytes.length < need) {
    throw new WeightLayoutError(
      `dequantizeRow(${info.name}) needs ${need} bytes for ${elements} elements; found ${bytes.length}`,
    );
  }
  const out = new Float32Array(elements);
  decode(bytes, out, blocks);
  return out;
}
