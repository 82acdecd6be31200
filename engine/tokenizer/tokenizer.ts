/**
 * A model's tokenizer: text to ids and back, its end-of-turn ids, and its chat template,
 * built from a tokenizer.json folder or from the vocabulary inside a GGUF file.
 * @module
 */
import { Tokenizer as HfTokenizer } from "npm:@huggingface/tokenizers@0.2.0";
import type { ChatMessage, ChatTemplateOptions } from "../types.ts";
import { ChatTemplate } from "./chat_template.ts";
import { ChatTemplateError, TokenizerError } from "./errors.ts";
import { type TokenizerParts, tokenizerPartsFromGguf } from "./gguf_tokenizer.ts";
import { chunkForEncoding, type ChunkOptions, supportsChunking } from "./text_chunks.ts";
import { configIds, readTokenizerFiles } from "./tokenizer_files.ts";

/** Tokens that end an assistant turn in the common chat formats; stop ids when in the vocabulary. */
export const END_OF_TURN_TOKENS: readonly string[] = [
  "<|im_end|>",
  "<|endoftext|>",
  "<|eot_id|>",
  "<|end_of_text|>",
];

/** Ids a tokenizer's files may not name themselves. */
export interface TokenizerExtras {
  /** End-of-sequence ids from config.json / generation_config.json. */
  eosIds?: readonly number[];
  /** The BOS id from config.json, used when tokenizer_config.json names no BOS token. */
  bosId?: number;
}

/** Options of `encode`. */
export interface EncodeOptions {
  /** Add what the post-processor adds (BOS for Llama 3); false by default, as chat prompts need. */
  addSpecialTokens?: boolean;
}

/** Options of `decode`. */
export interface DecodeOptions {
  /** Leave out special tokens (`<|im_end|>`...); false by default. */
  skipSpecialTokens?: boolean;
  /**
   * Remove spaces before punctuation (`" ."` to `"."`), as HF's `clean_up_tokenization_spaces`;
   * defaults to the tokenizer's setting (false for Qwen, true for Llama 3).
   */
  cleanUpSpaces?: boolean;
}

// Texts longer than this are encoded in chunks (see text_chunks.ts); shorter ones in one call.
const CHUNK_MIN_CHARS = 8192;
const CHUNK_MAX_CHARS = 16384;

type Json = Record<string, unknown>;

/** A token named in tokenizer_config.json: a string, `{ content }`, or null. */
function tokenContent(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (value && typeof value === "object" && typeof (value as Json).content === "string") {
    return (value as Json).content as string;
  }
  return undefined;
}

/** `chat_template` as a string or as HF's list of named templates. */
function namedTemplates(value: unknown): Map<string, string> {
  if (typeof value === "string") return new Map([["default", value]]);
  const named = new Map<string, string>();
  for (const entry of Array.isArray(value) ? value : []) {
    if (typeof entry?.name === "string" && typeof entry?.template === "string") {
      named.set(entry.name, entry.template);
    }
  }
  return named;
}

/**
 * A loaded tokenizer. Encoding never throws on odd input (lone surrogates, NUL, megabyte lines);
 * ids the vocabulary does not have are left out when decoding.
 *
 * @example
 * ```ts ignore
 * const tokenizer = await Tokenizer.fromFiles("/models/tiny-qwen3");
 * const prompt = tokenizer.renderChat([{ role: "user", content: "What is 12 + 30?" }]);
 * const ids = tokenizer.encode(prompt);
 * console.log(tokenizer.decode(ids) === prompt); // true
 * ```
 */
export class Tokenizer {
  /** One more than the largest token id. */
  readonly vocabSize: number;
  /** Ids that end a turn: the configured eos ids plus END_OF_TURN_TOKENS present, ascending. */
  readonly stopIds: readonly number[];
  /** The BOS id, when the model has one. */
  readonly bosId?: number;
  /** The default Jinja chat template, when the model has one. */
  readonly chatTemplate?: string;
  readonly #hf: HfTokenizer;
  readonly #special: ReadonlySet<number>;
  readonly #chunking: ChunkOptions | null;
  readonly #templates: ReadonlyMap<string, string>;
  readonly #compiled = new Map<string, ChatTemplate>();
  readonly #bosToken?: string;
  readonly #eosToken?: string;
  #affixes?: { prefix: number[]; suffix: number[] };

  private constructor(parts: TokenizerParts) {
    const { tokenizerJson, tokenizerConfig: config } = parts;
    try {
      this.#hf = new HfTokenizer(tokenizerJson, config);
    } catch (error) {
      throw new TokenizerError(`tokenizer.json could not be loaded: ${(error as Error).message}`, {
        cause: error,
      });
    }
    const added = [...this.#hf.get_added_tokens_decoder().values()];
    this.vocabSize = this.#hf.model?.vocab.length ?? 0;
    const extraSpecial = Array.isArray(config.additional_special_tokens)
      ? config.additional_special_tokens.map((t) => this.tokenToId(String(t)))
      : [];
    this.#special = new Set([
      ...added.filter((t) => t.special).map((t) => t.id),
      ...extraSpecial.filter((id): id is number => id !== undefined),
    ]);
    this.#bosToken = tokenContent(config.bos_token);
    this.#eosToken = tokenContent(config.eos_token);
    this.bosId = (this.#bosToken === undefined ? undefined : this.tokenToId(this.#bosToken)) ??
      parts.bosId;
    this.stopIds = this.#collectStopIds(parts.eosIds);
    this.#templates = namedTemplates(config.chat_template);
    this.chatTemplate = this.#templates.get("default") ?? this.#templates.values().next().value;
    this.#chunking = supportsChunking(tokenizerJson)
      ? {
        minChars: CHUNK_MIN_CHARS,
        maxChars: CHUNK_MAX_CHARS,
        addedTokens: added.map((t) => t.content),
      }
      : null;
  }

  /**
   * Loads the tokenizer of an HF model folder (tokenizer.json, tokenizer_config.json, and the
   * eos ids of generation_config.json/config.json). Throws TokenizerError naming a bad file.
   */
  static async fromFiles(dir: string): Promise<Tokenizer> {
    return new Tokenizer(await readTokenizerFiles(dir));
  }

  /** Builds a tokenizer from parsed tokenizer.json and tokenizer_config.json objects. */
  static fromJson(
    tokenizerJson: object,
    tokenizerConfig: object,
    extra: TokenizerExtras = {},
  ): Tokenizer {
    return new Tokenizer({
      tokenizerJson: tokenizerJson as Json,
      tokenizerConfig: { ...tokenizerConfig as Json },
      eosIds: [...extra.eosIds ?? []],
      bosId: extra.bosId,
    });
  }

  /**
   * Builds the tokenizer a GGUF file carries (`tokenizer.ggml.*`, `tokenizer.chat_template`).
   * Only byte-level BPE ("gpt2") vocabularies are supported; others throw TokenizerError.
   */
  static fromGgufMetadata(metadata: ReadonlyMap<string, unknown>): Tokenizer {
    return new Tokenizer(tokenizerPartsFromGguf(metadata));
  }

  /** Text to token ids. Added tokens in the text (`<|im_start|>`) become their ids. */
  encode(text: string, { addSpecialTokens = false }: EncodeOptions = {}): number[] {
    const input = String(text);
    if (this.#chunking === null || input.length <= CHUNK_MAX_CHARS) {
      try {
        return this.#hf.encode(input, { add_special_tokens: addSpecialTokens }).ids;
      } catch (error) {
        // A giant word overflows the regex engine's stack or the arrays; chunks cannot.
        if (!(error instanceof RangeError)) throw error;
      }
    }
    return this.#encodeInChunks(input, addSpecialTokens);
  }

  #encodeInChunks(input: string, addSpecialTokens: boolean): number[] {
    const options = this.#chunking ??
      { minChars: CHUNK_MIN_CHARS, maxChars: CHUNK_MAX_CHARS, addedTokens: [] };
    const affixes = addSpecialTokens ? this.#specialAffixes() : { prefix: [], suffix: [] };
    const ids = [...affixes.prefix];
    for (const chunk of chunkForEncoding(input, options)) {
      for (const id of this.#hf.encode(chunk, { add_special_tokens: false }).ids) ids.push(id);
    }
    for (const id of affixes.suffix) ids.push(id);
    return ids;
  }

  /** What the post-processor puts before and after a text (e.g. Llama 3's BOS). */
  #specialAffixes(): { prefix: number[]; suffix: number[] } {
    if (this.#affixes) return this.#affixes;
    const plain = this.#hf.encode("a", { add_special_tokens: false }).ids;
    const full = this.#hf.encode("a", { add_special_tokens: true }).ids;
    let at = 0;
    while (at <= full.length - plain.length && plain.some((id, i) => full[at + i] !== id)) at++;
    this.#affixes = { prefix: full.slice(0, at), suffix: full.slice(at + plain.length) };
    return this.#affixes;
  }

  /** Token ids to text; ids not in the vocabulary are left out. */
  decode(ids: readonly number[], options: DecodeOptions = {}): string {
    const known = ids.filter((id) => this.idToToken(id) !== undefined);
    if (known.length === 0) return "";
    return this.#hf.decode(known, {
      skip_special_tokens: options.skipSpecialTokens ?? false,
      clean_up_tokenization_spaces: options.cleanUpSpaces,
    });
  }

  /** The id of a token string (as stored in the vocabulary), or undefined. */
  tokenToId(token: string): number | undefined {
    return this.#hf.token_to_id(token);
  }

  /** The token string of an id (as stored in the vocabulary), or undefined. */
  idToToken(id: number): string | undefined {
    return Number.isInteger(id) && id >= 0 ? this.#hf.id_to_token(id) : undefined;
  }

  /** Whether `id` is a special token (control tokens such as `<|im_end|>`). */
  isSpecial(id: number): boolean {
    return this.#special.has(id);
  }

  /**
   * Renders `messages` with the model's chat template (`add_generation_prompt` true and
   * `enable_thinking` false unless set). Throws ChatTemplateError when the model has no template
   * or the template fails or runs past its limits.
   */
  renderChat(messages: readonly ChatMessage[], options: ChatTemplateOptions = {}): string {
    const source = (options.tools && this.#templates.get("tool_use")) || this.chatTemplate;
    if (source === undefined) {
      throw new ChatTemplateError(
        "the model has no chat template; use --raw to send the prompt as is",
      );
    }
    let template = this.#compiled.get(source);
    if (!template) {
      template = new ChatTemplate(source);
      this.#compiled.set(source, template);
    }
    return template.render({
      messages: messages.map((message) => ({ ...message })),
      add_generation_prompt: options.addGenerationPrompt ?? true,
      enable_thinking: options.enableThinking ?? false,
      ...(options.tools ? { tools: options.tools } : {}),
      ...(this.#bosToken === undefined ? {} : { bos_token: this.#bosToken }),
      ...(this.#eosToken === undefined ? {} : { eos_token: this.#eosToken }),
    });
  }

  #collectStopIds(eosIds: readonly number[]): number[] {
    const named = [this.#eosToken, ...END_OF_TURN_TOKENS].map((t) => t && this.tokenToId(t));
    const ids = new Set([...configIds(eosIds), ...configIds(named)]);
    return [...ids].filter((id) => this.idToToken(id) !== undefined).sort((a, b) => a - b);
  }
}
