/**
 * What every backend's model shares behind the `Model` contract: its name, config and
 * `ModelInfo`, the tokenizer, request validation and stop ids, and the closed state.
 * @module
 */
import { type GgmlType, ggmlTypeName } from "../../kernels/mod.ts";
import type { TensorEntry } from "../formats/mod.ts";
import type { ChatMessage, ChatTemplateOptions, GenerateRequest, ModelInfo } from "../types.ts";
import type { ModelConfig } from "./config.ts";
import { GenerateError } from "./errors.ts";
import { checkRequest } from "./request_check.ts";

/** What the model needs from a tokenizer (engine/tokenizer's `Tokenizer` provides it). */
export interface TextCodec {
  encode(text: string, options?: { addSpecialTokens?: boolean }): number[];
  decode(ids: readonly number[], options?: { skipSpecialTokens?: boolean }): string;
  renderChat(messages: readonly ChatMessage[], options?: ChatTemplateOptions): string;
  readonly stopIds: readonly number[];
  readonly chatTemplate?: string;
}

/** Context length when the caller names none: the model's own, at most this. */
const DEFAULT_CONTEXT = 4096;

/** Tokens per sequence for a request of `requested` (default 4096) on `config`'s model. */
export function contextLengthFor(config: ModelConfig, requested?: number): number {
  return Math.min(requested ?? DEFAULT_CONTEXT, config.contextLength);
}

/** Parameters of a model: the elements of all its tensors. */
export function countParameters(tensors: ReadonlyMap<string, TensorEntry>): number {
  let n = 0;
  for (const t of tensors.values()) n += t.shape.reduce((a, b) => a * b, 1);
  return n;
}

/** The facts `ModelInfo` takes from the loaded weights rather than the config. */
export interface LoadedShape {
  parameters: number;
  contextLength: number;
  /** The encoding most of the weights use. */
  dominantType: GgmlType;
}

/** The backend-independent half of a loaded model. */
export abstract class BaseModel {
  readonly name: string;
  readonly info: ModelInfo;
  readonly config: ModelConfig;
  readonly #codec: TextCodec;
  #closed = false;

  protected constructor(name: string, config: ModelConfig, codec: TextCodec, shape: LoadedShape) {
    this.name = name;
    this.config = config;
    this.#codec = codec;
    this.info = {
      family: config.family,
      parameters: shape.parameters,
      contextLength: shape.contextLength,
      vocabSize: config.vocabSize,
      hiddenSize: config.hiddenSize,
      quantization: ggmlTypeName(shape.dominantType),
      stopIds: [...new Set([...codec.stopIds, ...config.eosIds])],
      chatTemplate: codec.chatTemplate,
    };
  }

  encode(text: string, options?: { addSpecialTokens?: boolean }): number[] {
    return this.#codec.encode(text, options);
  }

  decode(ids: readonly number[], options?: { skipSpecialTokens?: boolean }): string {
    return this.#codec.decode(ids, options);
  }

  renderChat(messages: readonly ChatMessage[], options?: ChatTemplateOptions): string {
    return this.#codec.renderChat(messages, options);
  }

  /** Validates a request (prompt, ids, sampling values) and returns its token budget. */
  protected validate(req: GenerateRequest): number {
    return checkRequest(req, this.config.vocabSize, this.info.contextLength);
  }

  /** The ids that end `req`: the model's stop ids unless it ignores EOS, and its own. */
  protected stopIdsOf(req: GenerateRequest): Set<number> {
    return new Set([...(req.ignoreEos ? [] : this.info.stopIds), ...(req.stopIds ?? [])]);
  }

  protected assertOpen(): void {
    if (this.#closed) throw new GenerateError(`model ${this.name} is closed`);
  }

  /**
   * Marks the model closed and returns true, or false when it already was: `close` releases
   * its resources once, however often it is called.
   */
  protected markClosed(): boolean {
    if (this.#closed) return false;
    this.#closed = true;
    return true;
  }

  /** The error that ends generations still running when the model closes. */
  protected closedDuringGeneration(): GenerateError {
    return new GenerateError(`model ${this.name} was closed during generation`);
  }
}
