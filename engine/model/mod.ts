/**
 * The model layer: configs of the supported families, the GPU model (`GpuModel`), and the
 * pieces every backend shares (BaseModel: tokenizer, validation, stop ids; the generation stream,
 * errors).
 * @module
 */
export {
  canonicalTensorName,
  configFromGguf,
  configFromHf,
  type ModelConfig,
  ModelConfigError,
  ropeFrequencies,
} from "./config.ts";
export { GenerateError } from "./errors.ts";
export {
  BaseModel,
  contextLengthFor,
  countParameters,
  type LoadedShape,
  type TextCodec,
} from "./base_model.ts";
export { GpuModel } from "./model.ts";
export { uploadWeights } from "./weights.ts";
export { Sequence } from "./sequence.ts";
export {
  longestSharedHead,
  PrefixCache,
  type PrefixPick,
  type PrefixSource,
} from "./prefix_cache.ts";
export {
  INITIAL_STEPS_PER_SUBMIT,
  MAX_STEPS_PER_SUBMIT,
  MIN_STEPS_PER_SUBMIT,
  SUBMIT_TARGET_MS,
  SubmitPacer,
} from "./submit_pacing.ts";
export {
  type LayerTensors,
  type ModelTensors,
  readModelTensors,
  type TensorSink,
} from "./tensor_walk.ts";
