/**
 * The GPU layout of weight rows. A GGUF block packs its fields at 2-byte offsets (Q5_0: scale at
 * 0, high bits at 2, nibbles at 6, 22 bytes a block), so a kernel reading it in place makes
 * several unaligned 32-bit reads per four values. On upload each row of such an encoding is
 * rearranged into planes, one per block field, in block order: Q5_0 rows become
 * `[nibbles 16 B x nb][high bits 4 B x nb][scales 2 B x nb]`. Every plane but the last (2-byte
 * scales) then starts 16-byte aligned, and a lane reads a block's 32 values with one 16-byte load
 * plus a word and a half-word. Rows are padded to 16 bytes. The bytes are the file's, moved,
 * never re-encoded, so decoding stays exact; K-quants with aligned fields (Q4_K, Q5_K) and float
 * rows keep their file layout (padded).
 * @module
 */
import { GgmlType, rowBytes } from "./ggml_types.ts";
import { WeightLayoutError } from "./weight_errors.ts";

/** One field of a block: its size and its byte offset inside the file's block. */
interface BlockField {
  readonly bytes: number;
  readonly at: number;
}

/**
 * The fields of each encoding that is rearranged, in plane order (the widest first, so every
 * plane but the last starts 16-byte aligned).
 */
const PLANES: ReadonlyMap<GgmlType, readonly BlockField[]> = new Map([
  [GgmlType.Q4_0, [{ bytes: 16, at: 2 }, { bytes: 2, at: 0 }]],
  [GgmlType.Q4_1, [{ bytes: 16, at: 4 }, { bytes: 4, at: 0 }]],
  [GgmlType.Q5_0, [{ bytes: 16, at: 6 }, { bytes: 4, at: 2 }, { bytes: 2, at: 0 }]],
  [GgmlType.Q5_1, [{ bytes: 16, at: 8 }, { bytes: 4, at: 4 }, { bytes: 4, at: 0 }]],
  [GgmlType.Q8_0, [{ bytes: 32, at: 2 }, { bytes: 2, at: 0 }]],
  [GgmlType.Q6_K, [
    { bytes: 128, at: 0 },
    { bytes: 64, at: 128 },
    { bytes: 16, at: 192 },
    { bytes: 2, at: 208 },
  ]],
]);

/** Whether `type`'s rows are rearranged into field planes on the GPU. */
export function isPlanar(type: GgmlType): boolean {
  return PLANES.has(type);
}

/**
 * Byte offset of each field plane within a GPU row of `blocks` blocks, in `PLANES` order (for
 * the WGSL decoders; empty for encodings kept in file layout).
 */
export function planeOffsets(type: GgmlType, blocks: number): number[] {
  const offsets: number[] = [];
  let at = 0;
  for (const f of PLANES.get(type) ?? []) {
    offsets.push(at);
    at += f.bytes * blocks;
  }
  return offsets;
}

/** Bytes of one row of `elements` values on the GPU: the file's row, padded to 16 bytes. */
export function gpuRowBytes(type: GgmlType, elements: number): number {
  return Math.ceil(rowBytes(type, elements) / 16) * 16;
}

/**
 * `rows` rows of `elements` values, in the file encoding `data`, rearranged into the GPU layout
 * (`rows * gpuRowBytes` bytes; `data` itself when that layout is the file's).
 */
export function toGpuLayout(
  type: GgmlType,
  elements: number,
  rows: number,
  data: Uint8Array,
): Uint8Array {
  const fileRow = rowBytes(type, elements);
  if (data.byteLength !== fileRow * rows) {
    throw new WeightLayoutError(
      `${rows} rows of ${fileRow} bytes need ${fileRow * rows} bytes; found ${data.byteLength}`,
    );
  }
  const gpuRow = gpuRowBytes(type, elements);
  const fields = PLANES.get(type);
  if (!fields && gpuRow === fileRow) return data; // already aligned: no copy of a large matrix
  const out = new Uint8Array(gpuRow * rows);
  if (!fields) {
    for (let r = 0; r < rows; r++) {
      out.set(data.subarray(r * fileRow, (r + 1) * fileRow), r * gpuRow);
    }
    return out;
  }
  const blockBytes = fields.reduce((s, f) => s + f.bytes, 0);
  const blocks = fileRow / blockBytes;
  const offsets = planeOffsets(type, blocks);
  // Plain byte loops: a subarray per field would allocate hundreds of millions of views for a
  // billion-parameter model.
  for (let r = 0; r < rows; r++) {
    const src = r * fileRow, dst = r * gpuRow;
    for (let i = 0; i < fields.length; i++) {
      const { bytes, at } = fields[i];
      let to = dst + offsets[i];
      for (let b = 0; b < blocks; b++) {
        const from = src + b * blockBytes + at;
        for (let j = 0; j < bytes; j++) out[to++] = data[from + j];
      }
    }
  }
  return out;
}
