/**
 * Random-init models of real shapes (Qwen2.5-0.5B, Qwen2.5-3B) written as GGUF, for speed
 * measurements: speed does not depend on weight values, only on shapes and encodings. Weights
 * are random bytes made valid for their encoding (small finite scales), so no quantizer runs.
 * @module
 */
import { GgmlType, rowBytes } from "../kernels/mod.ts";
import {
  type GgufMetadataInput,
  type GgufStreamTensor,
  memorySource,
  readGguf,
  writeGgufFile,
} from "../engine/formats/mod.ts";

/** Shape of a Qwen2-family model. */
export interface QwenShape {
  name: string;
  hidden: number;
  layers: number;
  heads: number;
  kvHeads: number;
  ffn: number;
  vocab: number;
  tied: boolean;
}

/** The shapes the speed issue measures. */
export const SHAPES: Record<string, QwenShape> = {
  "qwen2.5-0.5b": {
    name: "qwen2.5-0.5b",
    hidden: 896,
    layers: 24,
    heads: 14,
    kvHeads: 2,
    ffn: 4864,
    vocab: 151936,
    tied: true,
  },
  "qwen2.5-3b": {
    name: "qwen2.5-3b",
    hidden: 2048,
    layers: 36,
    heads: 16,
    kvHeads: 2,
    ffn: 11008,
    vocab: 151936,
    tied: true,
  },
};

/** Encodings a random model can be written in; "Q4_K_M" mixes Q4_K/Q6_K like llama.cpp. */
export type RandomQuant = "F16" | "Q8_0" | "Q4_K_M";

/** xorshift32 fill: fast, deterministic random bytes. */
function randomBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(Math.ceil(n / 4) * 4);
  const u = new Uint32Array(out.buffer);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < u.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    u[i] = x >>> 0;
  }
  return out.subarray(0, n);
}

/** f16 bits of a small positive scale (~0.001-0.002). */
const SMALL_F16 = 0x1419;

/** Random, valid bytes for `rows` x `cols` in `type`. */
export function randomTensor(type: GgmlType, rows: number, cols: number, seed: number): Uint8Array {
  const rb = rowBytes(type, cols);
  const data = randomBytes(rb * rows, seed);
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const blocks = rb * rows;
  if (type === GgmlType.F16) {
    // Clear exponent's top bits so values stay small and finite.
    for (let i = 0; i < blocks; i += 2) {
      dv.setUint16(i, dv.getUint16(i, true) & 0x87ff | 0x1000, true);
    }
  } else if (type === GgmlType.Q8_0) {
    for (let i = 0; i < blocks; i += 34) dv.setUint16(i, SMALL_F16, true);
  } else if (type === GgmlType.Q4_K || type === GgmlType.Q5_K) {
    const bb = type === GgmlType.Q4_K ? 144 : 176;
    for (let i = 0; i < blocks; i += bb) {
      dv.setUint16(i, SMALL_F16, true);
      dv.setUint16(i + 2, SMALL_F16, true);
    }
  } else if (type === GgmlType.Q6_K) {
    for (let i = 0; i < blocks; i += 210) dv.setUint16(i + 208, SMALL_F16, true);
  } else if (type === GgmlType.Q4_0 || type === GgmlType.Q5_0) {
    const bb = type === GgmlType.Q4_0 ? 18 : 22;
    for (let i = 0; i < blocks; i += bb) dv.setUint16(i, SMALL_F16, true);
  } else throw new RangeError(`random ${type} tensors are not supported`);
  return data;
}

function matrixType(q: RandomQuant, name: string, cols: number): GgmlType {
  if (q === "F16") return GgmlType.F16;
  if (q === "Q8_0") return GgmlType.Q8_0;
  // Q4_K_M: K-quants need rows that are multiples of 256; llama.cpp falls back to Q5_0 there.
  if (cols % 256 !== 0) return GgmlType.Q5_0;
  return /attn_v|ffn_down|token_embd/.test(name) ? GgmlType.Q6_K : GgmlType.Q4_K;
}

/**
 * Writes a random `shape` model in `quant` to `path`, carrying `tokenizerFrom`'s tokenizer
 * metadata (a GGUF with the Qwen vocabulary, e.g. the embedded default model).
 */
export async function writeRandomModel(
  path: string,
  shape: QwenShape,
  quant: RandomQuant,
  tokenizerFrom: Uint8Array,
  /** Value of every element of the named norm/bias vectors (defaults: norms 1, biases 0). */
  vectorValues: Record<string, number> = {},
): Promise<number> {
  const src = await readGguf(memorySource(tokenizerFrom));
  const u32 = (value: number): GgufMetadataInput => ({ type: "u32", value });
  const meta = new Map<string, GgufMetadataInput>([
    ["general.architecture", "qwen2"],
    ["general.name", `${shape.name}-random-${quant}`],
    ["qwen2.block_count", u32(shape.layers)],
    ["qwen2.context_length", u32(32768)],
    ["qwen2.embedding_length", u32(shape.hidden)],
    ["qwen2.feed_forward_length", u32(shape.ffn)],
    ["qwen2.attention.head_count", u32(shape.heads)],
    ["qwen2.attention.head_count_kv", u32(shape.kvHeads)],
    ["qwen2.rope.freq_base", { type: "f32", value: 1e6 }],
    ["qwen2.attention.layer_norm_rms_epsilon", { type: "f32", value: 1e-6 }],
  ]);
  for (const [k, v] of src.typedMetadata) if (k.startsWith("tokenizer.")) meta.set(k, v);
  const h = shape.hidden, hd = h / shape.heads, kv = shape.kvHeads * hd;
  const tensors: GgufStreamTensor[] = [];
  let seed = 1;
  const mat = (name: string, rows: number, cols: number) => {
    const type = matrixType(quant, name, cols);
    const s = seed++;
    tensors.push({
      name,
      type,
      shape: [rows, cols],
      data: () => randomTensor(type, rows, cols, s),
    });
  };
  const vec = (name: string, n: number, value: number) =>
    tensors.push({
      name,
      type: GgmlType.F32,
      shape: [n],
      data: () => new Uint8Array(new Float32Array(n).fill(vectorValues[name] ?? value).buffer),
    });
  mat("token_embd.weight", shape.vocab, h);
  for (let l = 0; l < shape.layers; l++) {
    const p = `blk.${l}.`;
    vec(`${p}attn_norm.weight`, h, 1);
    vec(`${p}ffn_norm.weight`, h, 1);
    mat(`${p}attn_q.weight`, h, h);
    mat(`${p}attn_k.weight`, kv, h);
    mat(`${p}attn_v.weight`, kv, h);
    vec(`${p}attn_q.bias`, h, 0);
    vec(`${p}attn_k.bias`, kv, 0);
    vec(`${p}attn_v.bias`, kv, 0);
    mat(`${p}attn_output.weight`, h, h);
    mat(`${p}ffn_gate.weight`, shape.ffn, h);
    mat(`${p}ffn_up.weight`, shape.ffn, h);
    mat(`${p}ffn_down.weight`, h, shape.ffn);
  }
  vec("output_norm.weight", h, 1);
  return await writeGgufFile(path, meta, tensors);
}

/** `n` floats in [-0.5, 0.5) from a fixed LCG (activations for kernel benchmarks). */
export function randomFloats(n: number, seed = 12345): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  });
}
