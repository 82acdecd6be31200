/**
 * Reads every tensor a model config needs (canonical names), checks its shape, and hands it to a
 * backend's sink: the GPU uploads matrices in its layout, the CPU copies them into kernel memory.
 * One walk, so both backends refuse the same malformed files with the same messages.
 * @module
 */
import { dequantizeRow, type GgmlType } from "../../kernels/mod.ts";
import type { TensorEntry } from "../formats/mod.ts";
import { type ModelConfig, ModelConfigError } from "./config.ts";

/** Where a backend puts tensors: matrices (file encoding) and norms/biases (as f32). */
export interface TensorSink<M, V> {
  matrix(name: string, type: GgmlType, rows: number, cols: number, data: Uint8Array): M;
  vector(name: string, values: Float32Array): V;
}

/** One transformer block's tensors, in a backend's form. */
export interface LayerTensors<M, V> {
  attnNorm: V;
  ffnNorm: V;
  q: M;
  k: M;
  v: M;
  o: M;
  gate: M;
  up: M;
  down: M;
  qNorm?: V;
  kNorm?: V;
  qBias?: V;
  kBias?: V;
  vBias?: V;
}

/** All tensors of a model, in a backend's form. */
export interface ModelTensors<M, V> {
  embed: M;
  /** The embedding itself when tied. */
  output: M;
  outputNorm: V;
  layers: LayerTensors<M, V>[];
  /** Bytes read from the file. */
  bytes: number;
  /** The most common matrix encoding (by bytes), for listings. */
  dominantType: GgmlType;
}

/** Reads the tensors `config` needs from `tensors` into `sink`; `onProgress` hears bytes read. */
export async function readModelTensors<M, V>(
  config: ModelConfig,
  tensors: ReadonlyMap<string, TensorEntry>,
  sink: TensorSink<M, V>,
  onProgress?: (done: number, total: number) => void,
): Promise<ModelTensors<M, V>> {
  let bytes = 0;
  const total = [...tensors.values()].reduce((s, t) => s + t.byteLength, 0);
  const typeBytes = new Map<GgmlType, number>();
  const need = (name: string): TensorEntry => {
    const t = tensors.get(name);
    if (!t) throw new ModelConfigError(`model file has no tensor "${name}"`);
    return t;
  };
  const matrix = async (name: string, rows: number, cols: number): Promise<M> => {
    const t = need(name);
    if (t.shape.length !== 2 || t.shape[0] !== rows || t.shape[1] !== cols) {
      throw new ModelConfigError(
        `tensor ${name} has shape [${t.shape}], expected [${rows}, ${cols}]`,
      );
    }
    const m = sink.matrix(name, t.type, rows, cols, await t.read());
    bytes += t.byteLength;
    typeBytes.set(t.type, (typeBytes.get(t.type) ?? 0) + t.byteLength);
    onProgress?.(bytes, total);
    return m;
  };
  const vector = async (name: string, length: number): Promise<V> => {
    const t = need(name);
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== length) {
      throw new ModelConfigError(`tensor ${name} has ${count} elements, expected ${length}`);
    }
    bytes += t.byteLength;
    return sink.vector(name, dequantizeRow(t.type, await t.read(), length));
  };
  const c = config;
  const qDim = c.heads * c.headDim;
  const kvDim = c.kvHeads * c.headDim;
  const embed = await matrix("token_embd.weight", c.vocabSize, c.hiddenSize);
  const output = tensors.has("output.weight") && !c.tiedEmbeddings
    ? await matrix("output.weight", c.vocabSize, c.hiddenSize)
    : embed;
  const layers: LayerTensors<M, V>[] = [];
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
  return { embed, output, outputNorm, layers, bytes, dominantType };
}
