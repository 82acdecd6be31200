/**
 * The byte-level BPE pre-tokenizers GGUF files name in `tokenizer.ggml.pre`, as llama.cpp's
 * `llama-vocab.cpp` defines them: split regexes, normalizer, and the flags each family sets.
 * @module
 */
import { TokenizerError } from "./errors.ts";

/** How one family of byte-level BPE models splits text into words before BPE merges. */
export interface PreTokenizerFamily {
  /** Split regexes (tokenizer.json syntax), applied in order, each splitting the last's pieces. */
  readonly splits: readonly string[];
  /** Unicode normalization applied first (Qwen's tokenizer.json has NFC; llama.cpp skips it). */
  readonly normalizer: "NFC" | null;
  /** A word already in the vocabulary is one token, without merges (Llama 3). */
  readonly ignoreMerges: boolean;
  /** Whether a BOS token is added by default (`tokenizer.ggml.add_bos_token` overrides). */
  readonly addBos: boolean;
  /** Whether decoding removes spaces before punctuation (HF `clean_up_tokenization_spaces`). */
  readonly cleanSpaces: boolean;
}

/** GPT-2's split, as its tokenizer.json states it. */
export const GPT2_SPLIT = String
  .raw`'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`;

/** Qwen2/2.5/3's split, exactly as its tokenizer.json states it. */
export const QWEN2_SPLIT = String
  .raw`(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`;

/** Llama 3's split (numbers in groups of up to three), as its tokenizer.json states it. */
export const LLAMA3_SPLIT = String
  .raw`(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`;

const TEKKEN_SPLIT = String
  .raw`[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+`;

const GPT4O_SPLIT = String
  .raw`[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+`;

function family(
  splits: readonly string[],
  flags: Partial<Omit<PreTokenizerFamily, "splits">> = {},
): PreTokenizerFamily {
  return {
    splits,
    normalizer: null,
    ignoreMerges: false,
    addBos: false,
    cleanSpaces: true,
    ...flags,
  };
}

const DEFAULT = family([
  String.raw`[\p{P}\$\+<=>\^~\|]+`,
  GPT2_SPLIT,
  String.raw`\p{N}+`,
  "[0-9][0-9][0-9]",
]);
const LLAMA3 = family([LLAMA3_SPLIT], { ignoreMerges: true, addBos: true });
const QWEN2 = family([QWEN2_SPLIT], { normalizer: "NFC", cleanSpaces: false });
const GPT2 = family([GPT2_SPLIT]);
const STARCODER = family([String.raw`\p{N}`, GPT2_SPLIT]);
const FALCON = family(["[\\p{P}\\$\\+<=>\\^~\\|`]+", GPT2_SPLIT, "[0-9][0-9][0-9]"]);

// Names from llama.cpp's llama_vocab::impl::load; the flags follow its per-name settings.
const FAMILIES: ReadonlyMap<string, PreTokenizerFamily> = new Map([
  ["default", DEFAULT],
  ...["llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2"]
    .map((name) => [name, LLAMA3] as const),
  ...["qwen2", "deepseek-r1-qwen", "kormo"].map((name) => [name, QWEN2] as const),
  ["megrez", { ...QWEN2, cleanSpaces: true }],
  ["stablelm2", { ...QWEN2, cleanSpaces: true }],
  ...["hunyuan", "grok-2"].map((name) => [name, QWEN2] as const),
  ...["gpt-2", "phi-2", "mpt", "olmo", "jais", "exaone4"].map((name) => [name, GPT2] as const),
  ...["trillion", "granite-docling"].map((name) =>
    [name, { ...GPT2, cleanSpaces: false }] as const
  ),
  ...["starcoder", "refact", "codeshell", "exaone", "minerva-7b"]
    .map((name) => [name, STARCODER] as const),
  ...["command-r", "smollm"].map((name) => [name, { ...STARCODER, cleanSpaces: false }] as const),
  ["falcon", FALCON],
  ...["glm4", "chatglm-bpe"].map((name) => [name, family([LLAMA3_SPLIT])] as const),
  ["tekken", family([TEKKEN_SPLIT], { ignoreMerges: true, addBos: true, cleanSpaces: false })],
  ...["gpt-4o", "llama4"].map((name) =>
    [name, family([GPT4O_SPLIT], { cleanSpaces: false })] as const
  ),
]);

/**
 * The family a `tokenizer.ggml.pre` value names (`"default"` when the key is absent).
 * Throws TokenizerError for a name synapse does not know, listing the ones it does.
 *
 * @example
 * ```ts
 * import { preTokenizerFamily } from "./pre_tokenizers.ts";
 * console.assert(preTokenizerFamily("qwen2").normalizer === "NFC");
 * console.assert(preTokenizerFamily("llama-bpe").addBos);
 * ```
 */
export function preTokenizerFamily(pre: string): PreTokenizerFamily {
  const found = FAMILIES.get(pre);
  if (!found) {
    throw new TokenizerError(
      `tokenizer.ggml.pre "${pre}" is not supported; expected one of ${
        [...FAMILIES.keys()].join(", ")
      }`,
    );
  }
  return found;
}

/**
 * Split sequences whose word boundaries `isSafeCut` (text_chunks.ts) relies on: every family
 * above, plus the GPT-2 split that a bare ByteLevel pre-tokenizer with `use_regex` applies.
 */
export const CHUNK_SAFE_SPLITS: readonly (readonly string[])[] = [
  ...new Set(FAMILIES.values()),
].map((f) => f.splits);
