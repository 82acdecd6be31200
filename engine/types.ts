/**
 * The engine's contract with everything above it (server, swarm, CLI): a loaded model that
 * tokenizes, renders chat templates, generates with a per-request adapter, and embeds.
 * @module
 */

/** One chat turn, as OpenAI and the Jinja chat templates shape it. */
export interface ChatMessage {
  role: "system" | "user" | "assistant" | "tool";
  content: string;
  /** Tool calls made by an assistant turn (OpenAI shape), passed through to the template. */
  tool_calls?: unknown[];
  tool_call_id?: string;
  name?: string;
}

/** Options for rendering a chat prompt with the model's template. */
export interface ChatTemplateOptions {
  /** Append the assistant header so the model answers (default true). */
  addGenerationPrompt?: boolean;
  /** Qwen3 thinking mode; false by default (renders an empty think block). */
  enableThinking?: boolean;
  /** OpenAI-style tool definitions, passed to the template as `tools`. */
  tools?: unknown[];
}

/** Sampling parameters; all optional, defaults give greedy decoding. */
export interface SamplingParams {
  /** 0 (default) means greedy argmax. */
  temperature?: number;
  /** Keep the k most likely tokens (0 = off). */
  topK?: number;
  /** Nucleus sampling mass in (0, 1] (1 = off). */
  topP?: number;
  /** Drop tokens below minP x p(top) (0 = off). */
  minP?: number;
  /** Penalties over the tokens generated so far (1 / 0 = off). */
  repetitionPenalty?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  /** Seed for reproducible sampling; a random seed is drawn when absent. */
  seed?: number;
}

/** One generation request for a loaded model. */
export interface GenerateRequest {
  /** Token ids of the prompt (already rendered and tokenized). */
  promptIds: readonly number[];
  /** Name of a loaded adapter to apply, or null/undefined for the base model. */
  adapter?: string | null;
  /** Most tokens to generate (default: until a stop token or the context ends). */
  maxTokens?: number;
  sampling?: SamplingParams;
  /** Extra token ids that end generation (the model's end-of-turn ids always do). */
  stopIds?: readonly number[];
  /** Aborting stops generation promptly and frees the sequence's KV cache. */
  signal?: AbortSignal;
  /** Restricts each next token (JSON mode, grammars); steps run one at a time while set. */
  constraint?: TokenConstraint;
  /** Report the chosen token's log-probability and this many alternatives (0-20). */
  logprobs?: number;
  /** Keep going past the model's end-of-turn ids (benchmarks, like llama.cpp's --ignore-eos). */
  ignoreEos?: boolean;
}

/** Decides which tokens may come next, given the tokens generated so far. */
export interface TokenConstraint {
  /**
   * Bitmask over the vocabulary (bit `i % 32` of word `i >> 5` set = token i allowed) for the
   * next token, or null for no restriction. An all-zero mask ends generation ("stop").
   */
  allowed(generated: readonly number[]): Uint32Array | null;
}

/** Why a generation ended. */
export type FinishReason = "stop" | "length" | "cancelled";

/** One generated token. */
export interface TokenEvent {
  id: number;
  /** Index of this token in the generated sequence (0-based). */
  index: number;
  /** Natural-log probability of this token under the (temperature-free) model distribution. */
  logprob?: number;
  /** The most likely alternatives at this step, when `logprobs` was requested. */
  topLogprobs?: { id: number; logprob: number }[];
}

/** Totals reported when a generation ends. */
export interface GenerateResult {
  promptIds: number[];
  /** Generated ids, including the stop id when generation ended on one. */
  ids: number[];
  finishReason: FinishReason;
  /** Leading prompt tokens whose keys and values were reused from an earlier request's cache. */
  cachedTokens: number;
  /** Milliseconds from submission to the first token. */
  ttftMs: number;
  /** Milliseconds spent generating after the first token. */
  decodeMs: number;
}

/** What a model is, for listings and `/api/show`. */
export interface ModelInfo {
  /** e.g. "qwen3", "qwen2", "llama". */
  family: string;
  /** Total parameter count. */
  parameters: number;
  /** Most tokens a sequence may hold (prompt + generated). */
  contextLength: number;
  vocabSize: number;
  hiddenSize: number;
  /** The dominant weight encoding, e.g. "BF16", "Q8_0", "Q4_K". */
  quantization: string;
  /** Ids that end an assistant turn (eos, `<|im_end|>`, ...). */
  stopIds: readonly number[];
  /** Raw Jinja chat template, when the model has one. */
  chatTemplate?: string;
}

/** A running generation: iterate it for tokens as they are produced; `result` settles at the end. */
export interface GenerationStream extends AsyncIterable<TokenEvent> {
  /** Resolves when generation ends (also after cancellation); rejects on engine failure. */
  readonly result: Promise<GenerateResult>;
}

/** A loaded model on the device. All methods are safe to call concurrently. */
export interface Model {
  /** The name it was loaded under (file stem, folder name, or "default"). */
  readonly name: string;
  readonly info: ModelInfo;
  /**
   * What runs it, for listings: the GPU adapter ("NVIDIA H200 (WebGPU)") or the CPU backend
   * ("CPU (WebAssembly SIMD, 2 threads)").
   */
  readonly runsOn: string;
  /** Text to token ids (`addSpecialTokens` false by default, as chat prompts need). */
  encode(text: string, options?: { addSpecialTokens?: boolean }): number[];
  /** Token ids to text (special tokens kept unless `skipSpecialTokens`). */
  decode(ids: readonly number[], options?: { skipSpecialTokens?: boolean }): string;
  /** Renders `messages` with the model's chat template. */
  renderChat(messages: readonly ChatMessage[], options?: ChatTemplateOptions): string;
  /** Loads a LoRA adapter (PEFT folder or llama.cpp GGUF LoRA file) under `name`. */
  loadAdapter(name: string, path: string): Promise<void>;
  /** Frees an adapter; requests already running with it finish first. */
  unloadAdapter(name: string): void;
  /** Names of the loaded adapters. */
  adapterNames(): string[];
  /** Starts generating; tokens stream from the returned object. */
  generate(request: GenerateRequest): GenerationStream;
  /** Mean-pooled final hidden state (after the final norm) of `ids`, length `hiddenSize`. */
  embed(ids: readonly number[]): Promise<Float32Array>;
  /** Frees GPU memory. The model cannot be used afterwards. */
  close(): void;
}
