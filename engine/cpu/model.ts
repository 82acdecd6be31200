/**
 * `CpuModel`: the engine's `Model` contract on the CPU, for machines without a usable GPU.
 * Weights sit in one shared WebAssembly memory (Q8_0 as int8, others f32), projections run in
 * WASM SIMD kernels (the logits split across threads), adapters apply unmerged per request.
 * @module
 */
import { ggmlTypeName } from "../../kernels/mod.ts";
import type { TensorEntry } from "../formats/mod.ts";
import { loadLora, type LoraWeights } from "../lora/mod.ts";
import {
  checkRequest,
  GenerateError,
  type ModelConfig,
  Sequence,
  type TextCodec,
} from "../model/mod.ts";
import type {
  ChatMessage,
  ChatTemplateOptions,
  GenerateRequest,
  GenerationStream,
  Model,
  ModelInfo,
} from "../types.ts";
import { CpuForward } from "./forward.ts";
import { KernelMemory } from "./kernel_memory.ts";
import { KvCache } from "./kv_cache.ts";
import { RowSplitter } from "./row_split.ts";
import { CpuScheduler, PREFILL_CHUNK } from "./scheduler.ts";
import { loadCpuWeights } from "./weights.ts";

/** Options for `loadCpuModel`. */
export interface CpuModelOptions {
  /** Most tokens per sequence (default: min(model's, 4096)). */
  contextLength?: number;
  /** Threads for the large projections (default: the machine's cores, at most 8). */
  threads?: number;
  /** Called as weights load: bytes done, bytes total. */
  onProgress?: (done: number, total: number) => void;
}

/** Most threads by default: the logits split stops paying beyond a few. */
const MAX_DEFAULT_THREADS = 8;

/** Builds a `CpuModel` from tensors in canonical names. */
export async function loadCpuModel(
  name: string,
  config: ModelConfig,
  tensors: ReadonlyMap<string, TensorEntry>,
  codec: TextCodec,
  options: CpuModelOptions = {},
): Promise<CpuModel> {
  const mem = new KernelMemory();
  const weights = await loadCpuWeights(mem, config, tensors, options.onProgress);
  let parameters = 0;
  for (const t of tensors.values()) parameters += t.shape.reduce((a, b) => a * b, 1);
  const contextLength = Math.min(options.contextLength ?? 4096, config.contextLength);
  const threads = options.threads ??
    Math.min(MAX_DEFAULT_THREADS, navigator.hardwareConcurrency || 1);
  const split = new RowSplitter(mem, threads);
  const forward = new CpuForward(mem, config, weights, PREFILL_CHUNK, split);
  const info: ModelInfo = {
    family: config.family,
    parameters,
    contextLength,
    vocabSize: config.vocabSize,
    hiddenSize: config.hiddenSize,
    quantization: ggmlTypeName(weights.dominantType),
    stopIds: [...new Set([...codec.stopIds, ...config.eosIds])],
    chatTemplate: codec.chatTemplate,
  };
  return new CpuModel(name, config, info, codec, forward, split);
}

/** The engine's model on the CPU. */
export class CpuModel implements Model {
  readonly name: string;
  readonly info: ModelInfo;
  readonly config: ModelConfig;
  /** Threads the large projections run on. */
  readonly threads: number;
  /** What runs the model, for listings and benchmarks. */
  readonly runsOn: string;
  #codec: TextCodec;
  #forward: CpuForward;
  #split: RowSplitter;
  #scheduler: CpuScheduler;
  #adapters = new Map<string, LoraWeights>();
  #closed = false;

  constructor(
    name: string,
    config: ModelConfig,
    info: ModelInfo,
    codec: TextCodec,
    forward: CpuForward,
    split: RowSplitter,
  ) {
    this.name = name;
    this.config = config;
    this.info = info;
    this.#codec = codec;
    this.#forward = forward;
    this.#split = split;
    this.threads = split.threads;
    this.runsOn = `CPU (WebAssembly SIMD, ${split.threads} thread${split.threads > 1 ? "s" : ""})`;
    this.#scheduler = new CpuScheduler(forward, {
      layers: config.layers,
      kvWidth: config.kvHeads * config.headDim,
      contextLength: info.contextLength,
      vocabSize: config.vocabSize,
    });
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

  async loadAdapter(name: string, path: string): Promise<void> {
    this.#assertOpen();
    // Requests already running keep the weights they started with.
    this.#adapters.set(name, await loadLora(path, this.config));
  }

  unloadAdapter(name: string): void {
    this.#adapters.delete(name);
  }

  adapterNames(): string[] {
    return [...this.#adapters.keys()];
  }

  generate(request: GenerateRequest): GenerationStream {
    this.#assertOpen();
    const adapter = this.#adapter(request.adapter);
    const budget = checkRequest(request, this.config.vocabSize, this.info.contextLength);
    const stops = new Set([
      ...(request.ignoreEos ? [] : this.info.stopIds),
      ...(request.stopIds ?? []),
    ]);
    const seq = new Sequence(request, -1, budget, stops);
    this.#scheduler.submit(seq, adapter);
    return seq;
  }

  /** Logits after the last of `promptIds` (for checks against reference implementations). */
  lastLogits(promptIds: readonly number[], adapter?: string | null): Promise<Float32Array> {
    this.#assertOpen();
    checkRequest({ promptIds }, this.config.vocabSize, this.info.contextLength);
    const weights = this.#adapter(adapter);
    const cache = this.#cache();
    let logits: Float32Array | null = null;
    for (let i = 0; i < promptIds.length; i += this.#forward.maxRows) {
      const ids = promptIds.slice(i, i + this.#forward.maxRows);
      const last = i + ids.length === promptIds.length;
      logits = this.#forward.step(cache, ids, weights, last ? "logits" : "none");
    }
    return Promise.resolve(logits!);
  }

  embed(ids: readonly number[]): Promise<Float32Array> {
    this.#assertOpen();
    checkRequest({ promptIds: ids }, this.config.vocabSize, this.info.contextLength);
    const h = this.config.hiddenSize, mean = new Float32Array(h), cache = this.#cache();
    for (let i = 0; i < ids.length; i += this.#forward.maxRows) {
      const chunk = ids.slice(i, i + this.#forward.maxRows);
      const hidden = this.#forward.step(cache, chunk, null, "hidden")!;
      for (let r = 0; r < chunk.length; r++) {
        for (let j = 0; j < h; j++) mean[j] += hidden[r * h + j] / ids.length;
      }
    }
    return Promise.resolve(mean);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#scheduler.abortAll(new GenerateError(`model ${this.name} was closed during generation`));
    this.#split.close();
  }

  #cache(): KvCache {
    const c = this.config;
    return new KvCache(c.layers, c.kvHeads * c.headDim, this.info.contextLength);
  }

  #adapter(name: string | null | undefined): LoraWeights | null {
    if (!name) return null;
    const a = this.#adapters.get(name);
    if (!a) throw new GenerateError(`adapter "${name}" is not loaded`);
    return a;
  }

  #assertOpen(): void {
    if (this.#closed) throw new GenerateError(`model ${this.name} is closed`);
  }
}
