/**
 * `loadModel(spec)`: from a GGUF file, an HF-layout folder (config.json + safetensors), or
 * "default" (the embedded tiny model) to a `Model` on the GPU or the CPU.
 * @module
 */
import type { Gpu } from "./gpu/mod.ts";
import { type Backend, resolveBackend } from "./backend.ts";
import { type CpuModel, loadCpuModel } from "./cpu/mod.ts";
import {
  type ByteSource,
  type GgufFile,
  memorySource,
  ModelFormatError,
  openFileSource,
  openSafetensorsModel,
  readGguf,
  type TensorEntry,
} from "./formats/mod.ts";
import { DEFAULT_MODEL_NAME, defaultModelBytes } from "./default_model/mod.ts";
import { Tokenizer } from "./tokenizer/mod.ts";
import {
  canonicalTensorName,
  configFromGguf,
  configFromHf,
  contextLengthFor,
  countParameters,
  GpuModel,
  type ModelConfig,
  type TextCodec,
  uploadWeights,
} from "./model/mod.ts";

/** A model as `loadModel` returns it: on the GPU or on the CPU. */
export type LoadedModel = GpuModel | CpuModel;

/** Options for `loadModel`. */
export interface LoadOptions {
  /**
   * Where to run: `gpu` (WebGPU), `cpu` (WebAssembly SIMD), or `auto` (default): the GPU when
   * WebGPU offers a hardware adapter, else the CPU (see engine/backend.ts).
   */
  backend?: Backend;
  /** Device to load onto (one is acquired when absent); with `auto`, implies the GPU. */
  gpu?: Gpu;
  /** CPU backend: threads for the large projections (default: the cores, at most 8). */
  threads?: number;
  /** Most tokens per sequence (default: min(model's, 4096)). */
  contextLength?: number;
  /** Concurrent sequences (default 8). */
  maxSequences?: number;
  /** Called as weights upload: bytes done, bytes total. */
  onProgress?: (done: number, total: number) => void;
  /**
   * Matmul schedule: cooperative lanes (default on GPUs) or one invocation per output (default
   * on software adapters like llvmpipe, where barriers are expensive).
   */
  cooperativeMatmul?: boolean;
  /**
   * Fewest rows of a step that take the tiled GEMM instead of the matmul on the cooperative
   * schedule (default: the engine's measured threshold). Tests lower it so short prompts cover
   * the GEMM.
   */
  gemmMinRows?: number;
  /**
   * Most rows of a step whose RMSNorms fold into the following projections on the cooperative
   * schedule (default: the engine's measured bound). Tests raise it to cover the folded path.
   */
  foldNormMaxRows?: number;
  /** Decode steps per submit while streaming on GPUs (default: the engine's; for benchmarks). */
  stepsPerSubmit?: number;
  /** Provides the tokenizer (default: from the model's files). */
  codec?: TextCodec;
}

/**
 * Rows per prefill chunk: more rows give the tiled GEMM more workgroups to fill a large GPU (H200,
 * 0.5B Q4 512-token prefill: 6,994 tok/s at 256, 9,446 at 512).
 */
const PREFILL_ROWS = 512;

/** Builds a model from tensors in canonical names, on the backend `options` choose. */
export async function modelFromTensors(
  name: string,
  config: ModelConfig,
  tensors: ReadonlyMap<string, TensorEntry>,
  codec: TextCodec,
  options: LoadOptions = {},
): Promise<LoadedModel> {
  const target = await resolveBackend(options.backend, options.gpu);
  if (target.backend === "cpu") {
    return await loadCpuModel(name, config, tensors, codec, {
      contextLength: options.contextLength,
      threads: options.threads,
      onProgress: options.onProgress,
    });
  }
  const gpu = target.gpu;
  const weights = await uploadWeights(gpu, config, tensors, options.onProgress);
  return new GpuModel(
    name,
    gpu,
    config,
    weights,
    codec,
    {
      maxRows: PREFILL_ROWS,
      maxSeqs: (options.maxSequences ?? 8) + 1,
      contextLength: contextLengthFor(config, options.contextLength),
      cooperativeMatmul: options.cooperativeMatmul ?? !gpu.info.isFallback,
      gemmMinRows: options.gemmMinRows,
      foldNormMaxRows: options.foldNormMaxRows,
      stepsPerSubmit: options.stepsPerSubmit,
    },
    countParameters(tensors),
    !options.gpu,
  );
}

/** Opens an HF folder's tensors under canonical names. */
export async function openHfFolder(dir: string): Promise<{
  config: ModelConfig;
  tensors: Map<string, TensorEntry>;
  close(): void;
}> {
  const config = configFromHf(JSON.parse(await Deno.readTextFile(`${dir}/config.json`)));
  const st = await openSafetensorsModel(dir);
  const tensors = new Map<string, TensorEntry>();
  for (const [n, t] of st.tensors) {
    const c = canonicalTensorName(n);
    if (c) tensors.set(c, t);
  }
  return { config, tensors, close: () => st.close() };
}

/** Opens a GGUF model file. */
export async function openGgufModel(source: ByteSource): Promise<{
  gguf: GgufFile;
  config: ModelConfig;
}> {
  const gguf = await readGguf(source);
  const config = configFromGguf(gguf.metadata);
  if (!gguf.tensors.has("output.weight")) config.tiedEmbeddings = true;
  return { gguf, config };
}

/**
 * Loads a model onto the GPU or the CPU (`options.backend`, default `auto`). `spec` is a GGUF
 * file, an HF-layout folder (config.json, safetensors, tokenizer.json), or "default" for the
 * embedded tiny model.
 *
 * @example
 * ```ts ignore
 * const model = await loadModel("default");
 * const prompt = model.renderChat([{ role: "user", content: "What is 12 + 30?" }]);
 * const stream = model.generate({ promptIds: model.encode(prompt), maxTokens: 16 });
 * for await (const t of stream) console.log(t.id);
 * console.log(model.decode((await stream.result).ids));
 * ```
 */
export function loadModel(
  spec: string,
  options: LoadOptions & { backend: "gpu" },
): Promise<GpuModel>;
export function loadModel(
  spec: string,
  options: LoadOptions & { backend: "cpu" },
): Promise<CpuModel>;
export function loadModel(spec: string, options?: LoadOptions): Promise<LoadedModel>;
export async function loadModel(spec: string, options: LoadOptions = {}): Promise<LoadedModel> {
  if (spec === DEFAULT_MODEL_NAME) {
    return await loadGguf("default", memorySource(await defaultModelBytes(), "default"), options);
  }
  const stat = await Deno.stat(spec).catch(() => null);
  if (!stat) throw new ModelFormatError(spec, "no such file or folder");
  const name = spec.replace(/\/+$/, "").split("/").pop()!.replace(/\.gguf$/i, "");
  if (stat.isDirectory) {
    const hf = await openHfFolder(spec);
    try {
      const codec = options.codec ?? await Tokenizer.fromFiles(spec);
      return await modelFromTensors(name, hf.config, hf.tensors, codec, options);
    } finally {
      hf.close();
    }
  }
  return await loadGguf(name, await openFileSource(spec), options);
}

async function loadGguf(
  name: string,
  source: ByteSource,
  options: LoadOptions,
): Promise<LoadedModel> {
  try {
    const { gguf, config } = await openGgufModel(source);
    const codec = options.codec ?? Tokenizer.fromGgufMetadata(gguf.metadata);
    return await modelFromTensors(name, config, gguf.tensors, codec, options);
  } finally {
    source.close();
  }
}
