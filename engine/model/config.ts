/**
 * Model families as data: one `ModelConfig` describes everything the forward pass needs, read
 * from an HF `config.json` or from GGUF metadata. Adding a family is a registry entry here.
 * @module
 */

/** Everything the forward pass needs to know about a model's shape. */
export interface ModelConfig {
  family: string;
  hiddenSize: number;
  layers: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  ffnSize: number;
  vocabSize: number;
  rmsEps: number;
  /** Inverse RoPE frequencies (already scaled for Llama 3 style scaling). */
  ropeTheta: number;
  ropeScaling?: RopeScaling;
  /** Rotate halves (HF layout) rather than adjacent pairs (llama.cpp's Llama GGUF layout). */
  ropeNeox: boolean;
  qkNorm: boolean;
  qkvBias: boolean;
  tiedEmbeddings: boolean;
  contextLength: number;
  bosId?: number;
  eosIds: number[];
}

/** Llama 3.x frequency scaling. */
export interface RopeScaling {
  factor: number;
  lowFreqFactor: number;
  highFreqFactor: number;
  originalContext: number;
}

/** How a family differs from the others: this table is the whole "class hierarchy". */
interface FamilySpec {
  family: string;
  hfArchitectures: string[];
  ggufArchitecture: string;
  qkNorm: boolean;
  qkvBias: boolean;
  /** RoPE layout of GGUF files of this family (llama.cpp permutes Llama q/k to adjacent pairs). */
  ggufRopeNeox: boolean;
}

const FAMILIES: FamilySpec[] = [
  {
    family: "qwen3",
    hfArchitectures: ["Qwen3ForCausalLM"],
    ggufArchitecture: "qwen3",
    qkNorm: true,
    qkvBias: false,
    ggufRopeNeox: true,
  },
  {
    family: "qwen2",
    hfArchitectures: ["Qwen2ForCausalLM"],
    ggufArchitecture: "qwen2",
    qkNorm: false,
    qkvBias: true,
    ggufRopeNeox: true,
  },
  {
    family: "llama",
    hfArchitectures: ["LlamaForCausalLM"],
    ggufArchitecture: "llama",
    qkNorm: false,
    qkvBias: false,
    ggufRopeNeox: false,
  },
];

/** A config the engine cannot run. */
export class ModelConfigError extends Error {
  override name = "ModelConfigError";
}

function positiveInt(value: unknown, key: string): number {
  if (typeof value === "bigint") value = Number(value);
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value <= 0) {
    throw new ModelConfigError(`config ${key} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

function validate(c: ModelConfig): ModelConfig {
  if (c.heads % c.kvHeads !== 0) {
    throw new ModelConfigError(`${c.heads} attention heads is not a multiple of ${c.kvHeads}`);
  }
  if (c.headDim % 2 !== 0 || c.hiddenSize % 4 !== 0 || c.ffnSize % 4 !== 0) {
    throw new ModelConfigError("head, hidden and FFN sizes must be even multiples of 4");
  }
  return c;
}

/** Reads an HF `config.json` (already parsed). */
export function configFromHf(json: Record<string, unknown>): ModelConfig {
  const arch = (json.architectures as string[] | undefined)?.[0] ?? "";
  const spec = FAMILIES.find((f) => f.hfArchitectures.includes(arch));
  if (!spec) {
    const known = FAMILIES.flatMap((f) => f.hfArchitectures).join(", ");
    throw new ModelConfigError(`unsupported architecture "${arch}"; supported: ${known}`);
  }
  const hidden = positiveInt(json.hidden_size, "hidden_size");
  const heads = positiveInt(json.num_attention_heads, "num_attention_heads");
  const rope = (json.rope_parameters ?? json.rope_scaling ?? {}) as Record<string, unknown>;
  const theta = Number(rope.rope_theta ?? json.rope_theta ?? 10000);
  const eos = json.eos_token_id;
  return validate({
    family: spec.family,
    hiddenSize: hidden,
    layers: positiveInt(json.num_hidden_layers, "num_hidden_layers"),
    heads,
    kvHeads: positiveInt(json.num_key_value_heads ?? heads, "num_key_value_heads"),
    headDim: positiveInt(json.head_dim ?? hidden / heads, "head_dim"),
    ffnSize: positiveInt(json.intermediate_size, "intermediate_size"),
    vocabSize: positiveInt(json.vocab_size, "vocab_size"),
    rmsEps: Number(json.rms_norm_eps ?? 1e-6),
    ropeTheta: theta,
    ropeScaling: llama3Scaling(rope),
    ropeNeox: true,
    qkNorm: spec.qkNorm,
    qkvBias: spec.qkvBias || json.attention_bias === true,
    tiedEmbeddings: json.tie_word_embeddings === true,
    contextLength: positiveInt(json.max_position_embeddings ?? 4096, "max_position_embeddings"),
    bosId: typeof json.bos_token_id === "number" ? json.bos_token_id : undefined,
    eosIds: Array.isArray(eos) ? eos.map(Number) : typeof eos === "number" ? [eos] : [],
  });
}

function llama3Scaling(rope: Record<string, unknown>): RopeScaling | undefined {
  if (rope.rope_type !== "llama3") return undefined;
  return {
    factor: Number(rope.factor),
    lowFreqFactor: Number(rope.low_freq_factor),
    highFreqFactor: Number(rope.high_freq_factor),
    originalContext: Number(rope.original_max_position_embeddings),
  };
}

/** Reads GGUF metadata (`general.architecture` and `<arch>.*` keys). */
export function configFromGguf(meta: ReadonlyMap<string, unknown>): ModelConfig {
  const arch = String(meta.get("general.architecture") ?? "");
  const spec = FAMILIES.find((f) => f.ggufArchitecture === arch);
  if (!spec) {
    const known = FAMILIES.map((f) => f.ggufArchitecture).join(", ");
    throw new ModelConfigError(`unsupported GGUF architecture "${arch}"; supported: ${known}`);
  }
  const get = (k: string) => meta.get(`${arch}.${k}`);
  const hidden = positiveInt(get("embedding_length"), `${arch}.embedding_length`);
  const heads = positiveInt(get("attention.head_count"), `${arch}.attention.head_count`);
  const tokens = meta.get("tokenizer.ggml.tokens") as unknown[] | undefined;
  const eos = meta.get("tokenizer.ggml.eos_token_id");
  const bos = meta.get("tokenizer.ggml.bos_token_id");
  const keyLength = get("attention.key_length");
  const scaleType = get("rope.scaling.type");
  return validate({
    family: spec.family,
    hiddenSize: hidden,
    layers: positiveInt(get("block_count"), `${arch}.block_count`),
    heads,
    kvHeads: positiveInt(get("attention.head_count_kv") ?? heads, `${arch}.head_count_kv`),
    headDim: positiveInt(keyLength ?? hidden / heads, `${arch}.attention.key_length`),
    ffnSize: positiveInt(get("feed_forward_length"), `${arch}.feed_forward_length`),
    vocabSize: positiveInt(get("vocab_size") ?? tokens?.length, `${arch}.vocab_size`),
    rmsEps: Number(get("attention.layer_norm_rms_epsilon") ?? 1e-6),
    ropeTheta: Number(get("rope.freq_base") ?? 10000),
    ropeScaling: scaleType === "llama3"
      ? {
        factor: Number(get("rope.scaling.factor")),
        lowFreqFactor: Number(get("rope.scaling.low_freq_factor") ?? 1),
        highFreqFactor: Number(get("rope.scaling.high_freq_factor") ?? 4),
        originalContext: Number(get("rope.scaling.original_context_length") ?? 8192),
      }
      : undefined,
    ropeNeox: spec.ggufRopeNeox,
    qkNorm: spec.qkNorm,
    qkvBias: spec.qkvBias,
    tiedEmbeddings: false,
    contextLength: positiveInt(get("context_length") ?? 4096, `${arch}.context_length`),
    bosId: bos === undefined ? undefined : Number(bos),
    eosIds: eos === undefined ? [] : [Number(eos)],
  });
}

/** Maps an HF tensor name to the engine's (llama.cpp's) canonical name, or undefined. */
export function canonicalTensorName(hfName: string): string | undefined {
  const fixed: Record<string, string> = {
    "model.embed_tokens.weight": "token_embd.weight",
    "model.norm.weight": "output_norm.weight",
    "lm_head.weight": "output.weight",
  };
  if (fixed[hfName]) return fixed[hfName];
  const m = /^model\.layers\.(\d+)\.(.+)\.(weight|bias)$/.exec(hfName);
  if (!m) return undefined;
  const parts: Record<string, string> = {
    "input_layernorm": "attn_norm",
    "post_attention_layernorm": "ffn_norm",
    "self_attn.q_proj": "attn_q",
    "self_attn.k_proj": "attn_k",
    "self_attn.v_proj": "attn_v",
    "self_attn.o_proj": "attn_output",
    "self_attn.q_norm": "attn_q_norm",
    "self_attn.k_norm": "attn_k_norm",
    "mlp.gate_proj": "ffn_gate",
    "mlp.up_proj": "ffn_up",
    "mlp.down_proj": "ffn_down",
  };
  const part = parts[m[2]];
  return part ? `blk.${m[1]}.${part}.${m[3]}` : undefined;
}

/** Inverse rotation frequencies for the config, with Llama 3 scaling applied. */
export function ropeFrequencies(c: ModelConfig): Float32Array {
  const half = c.headDim / 2;
  const out = new Float32Array(half);
  for (let i = 0; i < half; i++) {
    let f = 1 / Math.pow(c.ropeTheta, Math.fround((2 * i) / c.headDim));
    const s = c.ropeScaling;
    if (s) {
      const lowWave = s.originalContext / s.lowFreqFactor;
      const highWave = s.originalContext / s.highFreqFactor;
      const wave = (2 * Math.PI) / f;
      if (wave > lowWave) f = f / s.factor;
      else if (wave >= highWave) {
        const smooth = (s.originalContext / wave - s.lowFreqFactor) /
          (s.highFreqFactor - s.lowFreqFactor);
        f = (1 - smooth) * (f / s.factor) + smooth * f;
      }
    }
    out[i] = f;
  }
  return out;
}
