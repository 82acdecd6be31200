/**
 * Turns the tokenizer a GGUF file carries in its metadata (`tokenizer.ggml.*`) into the
 * tokenizer.json and tokenizer_config.json objects HF tokenizers would load for the same model.
 * @module
 */
import { TokenizerError } from "./errors.ts";
import { type PreTokenizerFamily, preTokenizerFamily } from "./pre_tokenizers.ts";

/** What a Tokenizer is built from. */
export interface TokenizerParts {
  readonly tokenizerJson: Record<string, unknown>;
  readonly tokenizerConfig: Record<string, unknown>;
  readonly eosIds: number[];
  readonly bosId?: number;
}

// llama.cpp's llama_token_type values.
const TOKEN_TYPE = { normal: 1, unknown: 2, control: 3, userDefined: 4, unused: 5, byte: 6 };

type Metadata = ReadonlyMap<string, unknown>;

function stringArray(metadata: Metadata, key: string): readonly string[] {
  const value = metadata.get(key);
  if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) {
    throw new TokenizerError(
      `GGUF metadata ${key} must be an array of strings; found ${kind(value)}`,
    );
  }
  return value;
}

function kind(value: unknown): string {
  if (value === undefined) return "nothing";
  if (Array.isArray(value)) return `an array of ${value.length}`;
  return ArrayBuffer.isView(value) ? value.constructor.name : typeof value;
}

/** A token id from the metadata, or undefined when the key is absent. */
function tokenId(metadata: Metadata, key: string, vocabSize: number): number | undefined {
  const raw = metadata.get(key);
  if (raw === undefined) return undefined;
  const id = typeof raw === "bigint" ? Number(raw) : raw;
  if (typeof id !== "number" || !Number.isInteger(id) || id < 0 || id >= vocabSize) {
    throw new TokenizerError(
      `GGUF metadata ${key} must be a token id below ${vocabSize}; found ${String(raw)}`,
    );
  }
  return id;
}

function tokenTypes(metadata: Metadata, count: number): ArrayLike<number> | null {
  const value = metadata.get("tokenizer.ggml.token_type");
  if (value === undefined) return null;
  const isNumbers = ArrayBuffer.isView(value) || (Array.isArray(value) &&
    value.every((v) => typeof v === "number"));
  if (!isNumbers || (value as ArrayLike<number>).length !== count) {
    throw new TokenizerError(
      `GGUF metadata tokenizer.ggml.token_type must hold ${count} numbers; found ${kind(value)}`,
    );
  }
  return value as ArrayLike<number>;
}

function checkModel(metadata: Metadata): void {
  const model = metadata.get("tokenizer.ggml.model");
  if (model === "gpt2") return;
  if (model === "llama") {
    throw new TokenizerError(
      'tokenizer.ggml.model "llama" (SentencePiece) is not supported yet; only "gpt2" ' +
        "(byte-level BPE) is. Put the model's tokenizer.json beside the GGUF file instead.",
    );
  }
  throw new TokenizerError(
    `tokenizer.ggml.model must be "gpt2" (byte-level BPE); found ${JSON.stringify(model ?? null)}`,
  );
}

function vocabulary(tokens: readonly string[]): Record<string, number> {
  const vocab: Record<string, number> = Object.create(null);
  tokens.forEach((token, id) => {
    // llama.cpp names empty tokens the same way.
    const name = token === "" ? `[EMPTY_${id}]` : token;
    if (name in vocab) {
      throw new TokenizerError(
        `GGUF tokenizer.ggml.tokens holds ${JSON.stringify(name)} twice (ids ${
          vocab[name]
        } and ${id})`,
      );
    }
    vocab[name] = id;
  });
  return vocab;
}

function addedTokens(tokens: readonly string[], types: ArrayLike<number> | null) {
  const added = [];
  for (let id = 0; types && id < tokens.length; id++) {
    const type = types[id];
    if (type !== TOKEN_TYPE.control && type !== TOKEN_TYPE.userDefined) continue;
    added.push({
      id,
      content: tokens[id],
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: type === TOKEN_TYPE.control,
    });
  }
  return added;
}

function preTokenizer(family: PreTokenizerFamily) {
  const byteLevel = {
    type: "ByteLevel",
    add_prefix_space: false,
    trim_offsets: false,
    use_regex: false,
  };
  const splits = family.splits.map((regex) => ({
    type: "Split",
    pattern: { Regex: regex },
    behavior: "Isolated",
    invert: false,
  }));
  return { type: "Sequence", pretokenizers: [...splits, byteLevel] };
}

interface SpecialToken {
  readonly id: number;
  readonly content: string;
}

/** TemplateProcessing adding BOS and/or EOS, as HF writes it; null when neither is added. */
function postProcessor(bos: SpecialToken | undefined, eos: SpecialToken | undefined) {
  if (bos === undefined && eos === undefined) return null;
  const special = (token: SpecialToken) => ({ SpecialToken: { id: token.content, type_id: 0 } });
  const sequence = (id: "A" | "B") => ({ Sequence: { id, type_id: id === "A" ? 0 : 1 } });
  const around = (id: "A" | "B") => [
    ...(bos ? [special(bos)] : []),
    sequence(id),
    ...(eos ? [special(eos)] : []),
  ];
  const special_tokens: Record<string, unknown> = {};
  for (const token of [bos, eos]) {
    if (token) {
      special_tokens[token.content] = {
        id: token.content,
        ids: [token.id],
        tokens: [token.content],
      };
    }
  }
  return {
    type: "TemplateProcessing",
    single: around("A"),
    pair: [...around("A"), ...around("B")],
    special_tokens,
  };
}

function flag(metadata: Metadata, key: string, fallback: boolean): boolean {
  const value = metadata.get(key);
  return typeof value === "boolean" ? value : fallback;
}

/**
 * Builds tokenizer.json/tokenizer_config.json objects from GGUF metadata of a byte-level BPE
 * ("gpt2") model. Throws TokenizerError for SentencePiece ("llama") and other models, for an
 * unknown `tokenizer.ggml.pre`, and for missing or inconsistent keys.
 *
 * @example
 * ```ts ignore
 * const { metadata } = await readGguf(await openFileSource("tiny-Q8_0.gguf"));
 * const parts = tokenizerPartsFromGguf(metadata);
 * console.log(parts.eosIds); // [151645]
 * ```
 */
export function tokenizerPartsFromGguf(metadata: Metadata): TokenizerParts {
  checkModel(metadata);
  const pre = metadata.get("tokenizer.ggml.pre") ?? "default";
  const family = preTokenizerFamily(String(pre));
  const tokens = stringArray(metadata, "tokenizer.ggml.tokens");
  const merges = stringArray(metadata, "tokenizer.ggml.merges");
  const types = tokenTypes(metadata, tokens.length);
  const id = (key: string) => tokenId(metadata, `tokenizer.ggml.${key}`, tokens.length);
  const bosId = id("bos_token_id"), eosId = id("eos_token_id"), padId = id("padding_token_id");
  const eosIds = [eosId, id("eot_token_id"), id("eom_token_id")].filter((x) => x !== undefined);
  const addBos = flag(metadata, "tokenizer.ggml.add_bos_token", family.addBos) &&
    bosId !== undefined;
  const addEos = flag(metadata, "tokenizer.ggml.add_eos_token", false) && eosId !== undefined;
  const name = (tokenId: number | undefined) => tokenId === undefined ? null : tokens[tokenId];
  const special = (id: number) => ({ id, content: tokens[id] });
  const postProcess = postProcessor(
    addBos ? special(bosId!) : undefined,
    addEos ? special(eosId!) : undefined,
  );
  const tokenizerJson = {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: addedTokens(tokens, types),
    normalizer: family.normalizer ? { type: family.normalizer } : null,
    pre_tokenizer: preTokenizer(family),
    post_processor: postProcess,
    decoder: { type: "ByteLevel", add_prefix_space: false, trim_offsets: false, use_regex: false },
    model: {
      type: "BPE",
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: "",
      end_of_word_suffix: "",
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: family.ignoreMerges,
      vocab: vocabulary(tokens),
      merges,
    },
  };
  const chatTemplate = metadata.get("tokenizer.chat_template");
  const tokenizerConfig = {
    add_bos_token: addBos,
    add_eos_token: addEos,
    bos_token: name(bosId),
    eos_token: name(eosId),
    pad_token: name(padId),
    clean_up_tokenization_spaces: family.cleanSpaces,
    ...(typeof chatTemplate === "string" ? { chat_template: chatTemplate } : {}),
  };
  return { tokenizerJson, tokenizerConfig, eosIds: eosIds as number[], bosId };
}
