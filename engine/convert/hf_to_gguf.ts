/**
 * Converts an HF model folder (config.json, safetensors, tokenizer.json) into one GGUF file in
 * the engine's canonical tensor names, quantizing matrices (Q8_0 by default) and carrying the
 * tokenizer and chat template as `tokenizer.ggml.*` metadata. This is how the embedded default
 * model is made.
 * @module
 */
import { dequantizeRow, GgmlType, quantize } from "../../kernels/mod.ts";
import { type GgufMetadataInput, type GgufStreamTensor, writeGgufFile } from "../formats/mod.ts";
import { openHfFolder } from "../load.ts";

/** GGUF token types, as llama.cpp writes them. */
const TOKEN_NORMAL = 1, TOKEN_CONTROL = 3, TOKEN_USER_DEFINED = 4, TOKEN_UNUSED = 5;

/** Options for the conversion. */
export interface ConvertOptions {
  /** Encoding of 2-D weight matrices (norms stay F32). */
  matrixType?: GgmlType;
}

/** Writes `dir` as a GGUF file at `out`; returns the bytes written. */
export async function convertHfToGguf(
  dir: string,
  out: string,
  options: ConvertOptions = {},
): Promise<number> {
  const matrixType = options.matrixType ?? GgmlType.Q8_0;
  const hf = await openHfFolder(dir);
  const c = hf.config;
  const arch = c.family;
  const u32 = (value: number): GgufMetadataInput => ({ type: "u32", value });
  const f32 = (value: number): GgufMetadataInput => ({ type: "f32", value });
  const meta = new Map<string, GgufMetadataInput>([
    ["general.architecture", arch],
    ["general.type", "model"],
    ["general.name", dir.split("/").filter(Boolean).pop() ?? "model"],
    [`${arch}.block_count`, u32(c.layers)],
    [`${arch}.context_length`, u32(c.contextLength)],
    [`${arch}.embedding_length`, u32(c.hiddenSize)],
    [`${arch}.feed_forward_length`, u32(c.ffnSize)],
    [`${arch}.attention.head_count`, u32(c.heads)],
    [`${arch}.attention.head_count_kv`, u32(c.kvHeads)],
    [`${arch}.rope.freq_base`, f32(c.ropeTheta)],
    [`${arch}.attention.layer_norm_rms_epsilon`, f32(c.rmsEps)],
    [`${arch}.attention.key_length`, u32(c.headDim)],
    [`${arch}.attention.value_length`, u32(c.headDim)],
    ...tokenizerMetadata(
      dir,
      c.vocabSize,
      await readJson(`${dir}/tokenizer.json`),
      await readJson(`${dir}/tokenizer_config.json`),
      c.eosIds,
      c.bosId,
    ),
  ]);
  const tensors: GgufStreamTensor[] = [];
  for (const [name, t] of hf.tensors) {
    const isMatrix = t.shape.length === 2;
    const type = isMatrix ? matrixType : GgmlType.F32;
    tensors.push({
      name,
      type,
      shape: t.shape,
      data: async () => {
        const count = t.shape.reduce((a, b) => a * b, 1);
        return quantize(type, dequantizeRow(t.type, await t.read(), count));
      },
    });
  }
  try {
    return await writeGgufFile(out, meta, tensors);
  } finally {
    hf.close();
  }
}

async function readJson(path: string): Promise<Record<string, unknown>> {
  return JSON.parse(await Deno.readTextFile(path));
}

/** `tokenizer.ggml.*` keys equivalent to a byte-level BPE tokenizer.json. */
function tokenizerMetadata(
  dir: string,
  vocabSize: number,
  tok: Record<string, unknown>,
  cfg: Record<string, unknown>,
  eosIds: number[],
  bosId: number | undefined,
): [string, GgufMetadataInput][] {
  const model = tok.model as { type: string; vocab: Record<string, number>; merges: unknown[] };
  if (model?.type !== "BPE") throw new Error(`${dir}: only BPE tokenizers can be converted`);
  const tokens: string[] = new Array(vocabSize);
  const types = new Int32Array(vocabSize).fill(TOKEN_UNUSED);
  for (const [text, id] of Object.entries(model.vocab)) {
    tokens[id] = text;
    types[id] = TOKEN_NORMAL;
  }
  for (const a of (tok.added_tokens ?? []) as { id: number; content: string; special: boolean }[]) {
    tokens[a.id] = a.content;
    types[a.id] = a.special ? TOKEN_CONTROL : TOKEN_USER_DEFINED;
  }
  for (let i = 0; i < vocabSize; i++) tokens[i] ??= `[PAD${i}]`;
  const merges = model.merges.map((m) => (Array.isArray(m) ? m.join(" ") : String(m)));
  const eosToken = typeof cfg.eos_token === "string" ? cfg.eos_token : undefined;
  const eos: number | undefined = eosToken === undefined ? eosIds[0] : tokens.indexOf(eosToken);
  const out: [string, GgufMetadataInput][] = [
    ["tokenizer.ggml.model", "gpt2"],
    ["tokenizer.ggml.pre", "qwen2"],
    ["tokenizer.ggml.tokens", tokens],
    ["tokenizer.ggml.token_type", { type: "array", itemType: "i32", value: types }],
    ["tokenizer.ggml.merges", merges],
    ["tokenizer.ggml.add_bos_token", false],
  ];
  if (eos !== undefined) out.push(["tokenizer.ggml.eos_token_id", { type: "u32", value: eos }]);
  if (bosId !== undefined) {
    out.push(["tokenizer.ggml.bos_token_id", { type: "u32", value: bosId }]);
    out.push(["tokenizer.ggml.padding_token_id", { type: "u32", value: bosId }]);
  }
  if (typeof cfg.chat_template === "string") {
    out.push(["tokenizer.chat_template", cfg.chat_template]);
  }
  return out;
}
