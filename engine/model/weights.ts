/**
 * Puts a model's tensors on the GPU once, in their file encoding (rows rearranged into the GPU
 * layout of kernels/weight_layout.ts, the same bytes moved). Matrices larger than the device's
 * binding limit are split by rows into chunks; norms and biases (tiny) become f32.
 * @module
 */
import { type GgmlType, gpuRowBytes, rowBytes, toGpuLayout } from "../../kernels/mod.ts";
import type { TensorEntry } from "../formats/mod.ts";
import type { Gpu } from "../gpu/mod.ts";
import type { ModelConfig } from "./config.ts";
import { ModelConfigError } from "./config.ts";
import { type LayerTensors, type ModelTensors, readModelTensors } from "./tensor_walk.ts";

/** A row range of a matrix that fits one binding. */
export interface MatrixChunk {
  buffer: GPUBuffer;
  rowStart: number;
  rowCount: number;
}

/** A weight matrix `[rows, cols]` on the GPU in its file encoding. */
export interface GpuMatrix {
  type: GgmlType;
  rows: number;
  cols: number;
  chunks: MatrixChunk[];
}

/** One transformer block's weights on the GPU. */
export type LayerWeights = LayerTensors<GpuMatrix, GPUBuffer>;

/** All weights of a model on the device. */
export type ModelWeights = ModelTensors<GpuMatrix, GPUBuffer>;

/** Uploads every tensor the config needs from `tensors` (canonical names). */
export function uploadWeights(
  gpu: Gpu,
  config: ModelConfig,
  tensors: ReadonlyMap<string, TensorEntry>,
  onProgress?: (done: number, total: number) => void,
): Promise<ModelWeights> {
  return readModelTensors(config, tensors, {
    matrix: (name, type, rows, cols, data) => uploadMatrix(gpu, name, type, rows, cols, data),
    vector: (name, values) => gpu.storage(values.byteLength, name, values),
  }, onProgress);
}

/**
 * Uploads encoded rows in the GPU layout, split into chunks that each fit one storage binding.
 * `data` is the file's bytes.
 */
export function uploadMatrix(
  gpu: Gpu,
  name: string,
  type: GgmlType,
  rows: number,
  cols: number,
  data: Uint8Array,
): GpuMatrix {
  const rb = rowBytes(type, cols);
  if (data.byteLength !== rb * rows) {
    throw new ModelConfigError(
      `tensor ${name}: ${data.byteLength} bytes for ${rows} rows of ${rb}`,
    );
  }
  const gpuRow = gpuRowBytes(type, cols);
  const rowsPerChunk = Math.max(1, Math.floor(gpu.info.maxStorageBindingBytes / gpuRow));
  const chunks: MatrixChunk[] = [];
  for (let start = 0; start < rows; start += rowsPerChunk) {
    const count = Math.min(rowsPerChunk, rows - start);
    const part = toGpuLayout(type, cols, count, data.subarray(start * rb, (start + count) * rb));
    chunks.push({
      buffer: gpu.storage(part.byteLength, name, part),
      rowStart: start,
      rowCount: count,
    });
  }
  return { type, rows, cols, chunks };
}
