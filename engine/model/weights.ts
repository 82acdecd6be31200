/**
 * Puts a model's tensors on the GPU once, in their file encoding (rows rearranged into the GPU
 * layout of kernels/weight_layout.ts, the same bytes moved). Matrices larger than the device's
 * binding limit are split by rows into chunks; norms and biases (tiny) become f32.
 * @module
 */
import {
  dequantizeRow,
  type GgmlType,
  gpuRowBytes,
  rowBytes,
  toGpuLayout,
} from "../../kernels/mod.ts";
import type { TensorEntry } from "../formats/mod.ts";
import type { Gpu } from "../gpu/mod.ts";
import type { ModelConfig } from "./config.ts";
import { ModelConfigError } from "./config.ts";

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

/** One transformer block's weights. */
export interface LayerWeights {
  attnNorm: GPUBuffer;
  ffnNorm: GPUBuffer;
  q: GpuMatrix;
  k: GpuMatrix;
  v: GpuMatrix;
  o: GpuMatrix;
  gate: GpuMatrix;
  up: GpuMatrix;
  down: GpuMatrix;
  qNorm?: GPUBuffer;
  kNorm?: GPUBuffer;
  qBias?: GPUBuffer;
  kBias?: GPUBuffer;
  vBias?: GPUBuffer;
}

/** All weights of a model on the device. */
export interface ModelWeights {
  embed: GpuMatrix;
  output: GpuMatrix;
  outputNorm: GPUBuffer;
  layers: LayerWeights[];
  /** Bytes uploaded. */
  bytes: number;
  /** The most common matrix encoding, for listings. */
  dominantType: GgmlType;
}

/** Uploads every tensor the config needs from `tensors` (canonical names). */
export async function uploadWeights(
  gpu: Gpu,
  config: ModelConfig,
  tensors: ReadonlyMap<string, TensorEntry>,
  onProgress?: (done: number, total: number) => void,
): Promise<ModelWeights> {
  let bytes = 0;
  const total = [...tensors.values()].reduce((s, t) => s + t.byteLength, 0);
  const typeCount = new Map<GgmlType, number>();
  const need = (name: string): TensorEntry => {
    const t = tensors.get(name);
    if (!t) throw new ModelConfigError(`model file has no tensor "${name}"`);
    return t;
  };
  const matrix = async (name: string, rows: number, cols: number): Promise<GpuMatrix> => {
    const t = need(name);
    if (t.shape.length !== 2 || t.shape[0] !== rows || t.shape[1] !== cols) {
      throw new ModelConfigError(
        `tensor ${name} has shape [${t.shape}], expected [${rows}, ${cols}]`,
      );
    }
    const m = uploadMatrix(gpu, name, t.type, rows, cols, await t.read());
    bytes += t.byteLength;
    typeCount.set(t.type, (typeCount.get(t.type) ?? 0) + t.byteLength);
    onProgress?.(bytes, total);
    return m;
  };
  const vector = async (name: string, length: number): Promise<GPUBuffer> => {
    const t = need(name);
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== length) {
      throw new ModelConfigError(`tensor ${name} has ${count} elements, expected ${length}`);
    }
    bytes += t.byteLength;
    return gpu.storage(length * 4, name, dequantizeRow(t.type, await t.read(), length));
  };
  const c = config;
  const qDim = c.heads * c.headDim;
  const kvDim = c.kvHeads * c.headDim;
  const embed = await matrix("token_embd.weight", c.vocabSize, c.hiddenSize);
  const output = tensors.has("output.weight") && !c.tiedEmbeddings
    ? await matrix("output.weight", c.vocabSize, c.hiddenSize)
    : embed;
  const layers: LayerWeights[] = [];
  for (let i = 0; i < c.layers; i++) {
    const p = `blk.${i}.`;
    layers.push({
      attnNorm: await vector(`${p}attn_norm.weight`, c.hiddenSize),
      ffnNorm: await vector(`${p}ffn_norm.weight`, c.hiddenSize),
      q: await matrix(`${p}attn_q.weight`, qDim, c.hiddenSize),
      k: await matrix(`${p}attn_k.weight`, kvDim, c.hiddenSize),
      v: await matrix(`${p}attn_v.weight`, kvDim, c.hiddenSize),
      o: await matrix(`${p}attn_output.weight`, c.hiddenSize, qDim),
      gate: await matrix(`${p}ffn_gate.weight`, c.ffnSize, c.hiddenSize),
      up: await matrix(`${p}ffn_up.weight`, c.ffnSize, c.hiddenSize),
      down: await matrix(`${p}ffn_down.weight`, c.hiddenSize, c.ffnSize),
      qNorm: c.qkNorm ? await vector(`${p}attn_q_norm.weight`, c.headDim) : undefined,
      kNorm: c.qkNorm ? await vector(`${p}attn_k_norm.weight`, c.headDim) : undefined,
      qBias: c.qkvBias ? await vector(`${p}attn_q.bias`, qDim) : undefined,
      kBias: c.qkvBias ? await vector(`${p}attn_k.bias`, kvDim) : undefined,
      vBias: c.qkvBias ? await vector(`${p}attn_v.bias`, kvDim) : undefined,
    });
  }
  const outputNorm = await vector("output_norm.weight", c.hiddenSize);
  const dominantType = [...typeCount.entries()].sort((a, b) => b[1] - a[1])[0][0];
  return { embed, output, outputNorm, layers, bytes, dominantType };
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
