/**
 * A weight matrix in kernel memory, in the form its kernel reads: Q8_0 repacked into int8
 * quants `[rows][cols]` plus f32 scales `[rows][cols / 32]` (the 34-byte file blocks are
 * unaligned for SIMD loads), every other encoding dequantized to f32 once at load.
 * @module
 */
import { dequantizeRow, f16DecodeTable, GgmlType, rowBytes } from "../../kernels/mod.ts";
import type { KernelMemory } from "./kernel_memory.ts";
import { Q8_BLOCK } from "./wasm_kernels.ts";

/** A `[rows, cols]` matrix ready for `gemmQ8_0` (kind "q8_0") or `gemmF32` (kind "f32"). */
export interface CpuMatrix {
  kind: "q8_0" | "f32";
  rows: number;
  cols: number;
  /** Address of the int8 quants (q8_0) or the f32 values. */
  ptr: number;
  /** Address of the f32 block scales (q8_0 only; 0 otherwise). */
  scales: number;
}

/** A matrix the CPU kernels cannot take (wrong length, or rows not a multiple of 4 floats). */
export class CpuWeightError extends Error {
  override name = "CpuWeightError";
}

/** Copies one tensor's encoded rows into `mem` in its kernel's form. */
export function loadMatrix(
  mem: KernelMemory,
  name: string,
  type: GgmlType,
  rows: number,
  cols: number,
  data: Uint8Array,
): CpuMatrix {
  const expected = rowBytes(type, cols) * rows;
  if (data.byteLength !== expected) {
    throw new CpuWeightError(`tensor ${name}: ${data.byteLength} bytes, expected ${expected}`);
  }
  if (type === GgmlType.Q8_0) return repackQ8_0(mem, rows, cols, data);
  if (cols % 4 !== 0) {
    throw new CpuWeightError(`tensor ${name}: rows of ${cols} values are not a multiple of 4`);
  }
  const values = dequantizeRow(type, data, rows * cols);
  const { ptr, view } = mem.allocF32(rows * cols);
  view.set(values);
  return { kind: "f32", rows, cols, ptr, scales: 0 };
}

// Q8_0 block: f16 scale d, then 32 int8 quants; value = q * d.
function repackQ8_0(mem: KernelMemory, rows: number, cols: number, data: Uint8Array): CpuMatrix {
  const blocks = (rows * cols) / Q8_BLOCK;
  const ptr = mem.alloc(rows * cols);
  const scales = mem.alloc(blocks * 4);
  const q = mem.i8(ptr, rows * cols), s = mem.f32(scales, blocks);
  const src = new Int8Array(data.buffer, data.byteOffset, data.byteLength);
  const half = f16DecodeTable();
  for (let b = 0; b < blocks; b++) {
    const o = b * 34;
    s[b] = half[data[o] | (data[o + 1] << 8)];
    q.set(src.subarray(o + 2, o + 34), b * Q8_BLOCK);
  }
  return { kind: "q8_0", rows, cols, ptr, scales };
}

/** Row `row` of `m` as f32 into `out` (token embeddings). */
export function matrixRow(mem: KernelMemory, m: CpuMatrix, row: number, out: Float32Array): void {
  if (m.kind === "f32") {
    out.set(mem.f32(m.ptr + row * m.cols * 4, m.cols));
    return;
  }
  const q = mem.i8(m.ptr + row * m.cols, m.cols);
  const s = mem.f32(m.scales + (row * m.cols / Q8_BLOCK) * 4, m.cols / Q8_BLOCK);
  for (let i = 0; i < m.cols; i++) out[i] = q[i] * s[i >> 5];
}
