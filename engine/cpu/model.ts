/**
 * `CpuModel`: the engine's `Model` contract on the CPU, for machines without a usable GPU.
 * Weights sit in one shared WebAssembly memory (Q8_0 as int8, others f32), projections run in
 * WASM SIMD kernels (the logits split across threads), adapters apply unmerged per request.
 * @module
 */
import type { TensorEntry } from "../formats/mod.ts";
import { loadLora, type LoraWeights } from "../lora/mod.ts";
import {
  BaseModel,
  contextLengthFor,
  countParameters,
  GenerateError,
  type LoadedShape,
  type ModelConfig,
  Sequence,
  type TextCodec,
} from "../model/mod.ts";
import type { GenerateRequest, GenerationStream, Model } from "../types.ts";
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
  const threads = options.threads ??
    Math.min(MAX_DEFAULT_THREADS, navigator.hardwareConcurrency || 1);
  const split = new RowSplitter(mem, threads);
  const forward = new CpuForward(mem, config, weights, PREFILL_CHUNK, split);
  const shape: LoadedShape = {
    parameters: countParameters(tensors),
    contextLength: contextLengthFor(config, options.contextLength),
    dominantType: weights.dominantType,
  };
  return new CpuModel(name, config, codec, shape, forward, split);
}

/** The engine's model on the CPU. */
export class CpuModel extends BaseModel implements Model {
  /** Threads the large projections run on. */
  readonly threads: number;
  /** What runs the model, for listings and benchmarks. */
  readonly runsOn: string;
  #forward: CpuForward;
  #split: RowSplitter;
  #scheduler: CpuScheduler;
  #adapters = new Map<string, LoraWeights>();

  constructor(
    name: string,
    config: ModelConfig,
    codec: TextCodec,
    shape: LoadedShape,
    forward: CpuForward,
    split: RowSplitter,
  ) {
    super(name, config, codec, shape);
    this.#forward = forward;
    this.#split = split;
    this.threads = split.threads;
    this.runsOn = `CPU (WebAssembly SIMD, ${split.threads} thread${split.threads > 1 ? "s" : ""})`;
    this.#scheduler = new CpuScheduler(forward, {
      layers: config.layers,
      kvWidth: config.kvHeads * config.headDim,
      contextLength: shape.contextLength,
      vocabSize: config.vocabSize,
    });
  }

  async loadAdapter(name: string, path: string): Promise<void> {
    this.assertOpen();
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
    this.assertOpen();
    const adapter = this.#adapter(request.adapter);
    const seq = new Sequence(request, -1, this.validate(request), this.stopIdsOf(request));
    this.#scheduler.submit(seq, adapter);
    return seq;
  }

  /** Logits after the last of `promptIds` (for checks against reference implementations). */
  lastLogits(promptIds: readonly number[], adapter?: string | null): Promise<Float32Array> {
    this.assertOpen();
    this.validate({ promptIds });
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
    this.assertOpen();
    this.validate({ promptIds: ids });
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
    if (!this.markClosed()) return;
    this.#scheduler.abortAll(this.closedDuringGeneration());
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
}
