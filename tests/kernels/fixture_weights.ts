/**
 * The fixture's llama.cpp GGUF files paired tensor by tensor with the bf16 safetensors weights
 * they were converted from, for the decoding and quantizing tests against external ground truth.
 * @module
 */
import { openFileSource, openSafetensorsModel, readGguf } from "../../engine/formats/mod.ts";
import { dequantizeRow, GgmlType } from "../../kernels/mod.ts";
import { FIXTURE_DIR } from "../fixture_paths.ts";

/** The quantized GGUF files of the fixture, by the suffix of `gguf/tiny-<suffix>.gguf`. */
export const GGUF_FILES = ["Q8_0", "Q4_K_M", "Q5_K_M"] as const;

const TOP_LEVEL: Record<string, string> = {
  "token_embd.weight": "model.embed_tokens.weight",
  "output_norm.weight": "model.norm.weight",
};

const IN_LAYER: Record<string, string> = {
  attn_norm: "input_layernorm",
  ffn_norm: "post_attention_layernorm",
  attn_q: "self_attn.q_proj",
  attn_k: "self_attn.k_proj",
  attn_v: "self_attn.v_proj",
  attn_output: "self_attn.o_proj",
  attn_q_norm: "self_attn.q_norm",
  attn_k_norm: "self_attn.k_norm",
  ffn_gate: "mlp.gate_proj",
  ffn_up: "mlp.up_proj",
  ffn_down: "mlp.down_proj",
};

/** The Hugging Face name of a llama.cpp tensor name (`blk.3.attn_q.weight` → `model.layers.3.self_attn.q_proj.weight`). */
export function hfTensorName(ggufName: string): string {
  if (TOP_LEVEL[ggufName]) return TOP_LEVEL[ggufName];
  const match = /^blk\.(\d+)\.(\w+)\.weight$/.exec(ggufName);
  const part = match && IN_LAYER[match[2]];
  if (!part) throw new Error(`expected a known llama.cpp tensor name; found "${ggufName}"`);
  return `model.layers.${match[1]}.${part}.weight`;
}

/** One GGUF tensor beside the bf16 weight it came from. */
export interface FixtureTensor {
  readonly name: string;
  readonly type: GgmlType;
  readonly rows: number;
  /** Values per row. */
  readonly k: number;
  /** The tensor's bytes as llama.cpp wrote them. */
  readonly bytes: Uint8Array;
  /** The safetensors weight, bf16 widened to f32. */
  readonly reference: Float32Array;
}

/** Every tensor of `gguf/tiny-<file>.gguf` with its reference, in file order. */
export async function* fixtureTensors(file: typeof GGUF_FILES[number]) {
  const source = await openFileSource(`${FIXTURE_DIR}/gguf/tiny-${file}.gguf`);
  const hf = await openSafetensorsModel(FIXTURE_DIR);
  try {
    const gguf = await readGguf(source);
    for (const [name, entry] of gguf.tensors) {
      const hfEntry = hf.tensors.get(hfTensorName(name));
      if (!hfEntry) throw new Error(`${name}: no ${hfTensorName(name)} in the safetensors`);
      const k = entry.shape[entry.shape.length - 1];
      const rows = entry.shape.slice(0, -1).reduce((a, b) => a * b, 1);
      const reference = dequantizeRow(GgmlType.BF16, await hfEntry.read(), rows * k);
      const tensor: FixtureTensor = {
        name,
        type: entry.type,
        rows,
        k,
        bytes: await entry.read(),
        reference,
      };
      yield tensor;
    }
  } finally {
    hf.close();
    source.close();
  }
}
