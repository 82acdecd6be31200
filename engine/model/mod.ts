/**
 * The model layer: configs of the supported families, the GPU model (`GpuModel`), and the
 * request-side pieces every backend shares (validation, the generation stream, errors).
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
export { GpuModel, type TextCodec } from "./model.ts";
export { Sequence } from "./sequence.ts";
export { checkRequest } from "./request_check.ts";
export {
  type LayerTensors,
  type ModelTensors,
  readModelTensors,
  type TensorSink,
} from "./tensor_walk.ts";
