/**
 * Reads every tensor a model config needs (canonical names) into kernel memory: matrices in
 * their kernel's form (matrix.ts), norms and biases as f32 arrays.
 * @module
 */
import type { GgmlType } from "../../kernels/mod.ts";
import { dequantizeRow } from "../../kernels/mod.ts";
import type { TensorEntry } from "../formats/mod.ts";
import { type ModelConfig, ModelConfigError } from "../model/mod.ts";
import type { KernelMemory } from "./kernel_memory.ts";
import { type CpuMatrix, loadMatrix } from "./matrix.ts";

/** One transformer block's weights. */
export interface CpuLayer {
  attnNorm: Float32Array;
  ffnNorm: Float32Array;
  q: CpuMatrix;
  k: CpuMatrix;
  v: CpuMatrix;
  o: CpuMatrix;
  gate: CpuMatrix;
  up: CpuMatrix;
  down: CpuMatrix;
  qNorm?: Float32Array;
  kNorm?: Float32Array;
  qBias?: Float32Array;
  kBias?: Float32Array;
  vBias?: Float32Array;
}

/** A model's weights in kernel memory. */
export interface CpuWeights {
  embed: CpuMatrix;
  output: CpuMatrix;
  outputNorm: Float32Array;
  layers: CpuLayer[];
  /** The most common matrix encoding in the file, for listings. */
  dominantType: GgmlType;
}

/** Loads the weights `config` needs from `tensors`. */
export async function loadCpuWeights(
  mem: KernelMemory,
  config: ModelConfig,
  tensors: ReadonlyMap<string, TensorEntry>,
  onProgress?: (done: number, total: number) => void,
): Promise<CpuWeights> {
  let done = 0;
  const total = [...tensors.values()].reduce((s, t) => s + t.byteLength, 0);
  const typeBytes = new Map<GgmlType, number>();
  const need = (name: string): TensorEntry => {
    const t = tensors.get(name);
    if (!t) throw new ModelConfigError(`model file has no tensor "${name}"`);
    return t;
  };
  const matrix = async (name: string, rows: number, cols: number): Promise<CpuMatrix> => {
    const t = need(name);
    if (t.shape.length !== 2 || t.shape[0] !== rows || t.shape[1] !== cols) {
      throw new ModelConfigError(
        `tensor ${name} has shape [${t.shape}], expected [${rows}, ${cols}]`,
      );
    }
    const m = loadMatrix(mem, name, t.type, rows, cols, await t.read());
    done += t.byteLength;
    typeBytes.set(t.type, (typeBytes.get(t.type) ?? 0) + t.byteLength);
    onProgress?.(done, total);
    return m;
  };
  const vector = async (name: string, length: number): Promise<Float32Array> => {
    const t = need(name);
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== length) {
      throw new ModelConfigError(`tensor ${name} has ${count} elements, expected ${length}`);
    }
    done += t.byteLength;
    return dequantizeRow(t.type, await t.read(), length);
  };
  const c = config;
  const qDim = c.heads * c.headDim, kvDim = c.kvHeads * c.headDim;
  const embed = await matrix("token_embd.weight", c.vocabSize, c.hiddenSize);
  const output = tensors.has("output.weight") && !c.tiedEmbeddings
    ? await matrix("output.weight", c.vocabSize, c.hiddenSize)
    : embed;
  const layers: CpuLayer[] = [];
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
  const dominantType = [...typeBytes.entries()].sort((a, b) => b[1] - a[1])[0][0];
  return { embed, output, outputNorm, layers, dominantType };
}
