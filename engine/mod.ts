/**
 * The engine: load a model (GGUF, HF safetensors folder, or the embedded default), tokenize,
 * render chat templates, generate on the GPU or the CPU with a per-request LoRA adapter, and
 * embed.
 * @module
 */
export type {
  ChatMessage,
  ChatTemplateOptions,
  FinishReason,
  GenerateRequest,
  GenerateResult,
  GenerationStream,
  Model,
  ModelInfo,
  SamplingParams,
  TokenConstraint,
  TokenEvent,
} from "./types.ts";
export {
  type LoadedModel,
  loadModel,
  type LoadOptions,
  modelFromTensors,
  openHfFolder,
} from "./load.ts";
export { type AdapterKind, autoBackend, type Backend, BACKENDS, probeAdapter } from "./backend.ts";
export { CpuMemoryError, CpuModel, CpuWeightError, seededRandom } from "./cpu/mod.ts";
export {
  GenerateError,
  GpuModel,
  type ModelConfig,
  ModelConfigError,
  type TextCodec,
} from "./model/mod.ts";
export { DEFAULT_MODEL_NAME } from "./default_model/mod.ts";
export { acquireGpu, Gpu, GpuError, type GpuInfo } from "./gpu/mod.ts";
export { ModelFormatError } from "./formats/mod.ts";
export {
  ChatTemplateError,
  IncrementalDecoder,
  StopStringMatcher,
  Tokenizer,
  TokenizerError,
} from "./tokenizer/mod.ts";
export { convertHfToGguf } from "./convert/hf_to_gguf.ts";
