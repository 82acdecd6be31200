/**
 * Model-file readers and the GGUF writer: named tensors in their file encoding, validated
 * before anything is allocated, read lazily one tensor at a time.
 * @module
 */
export type { ByteSource, TensorEntry } from "./types.ts";
export { ModelFormatError } from "./errors.ts";
export { memorySource, openFileSource } from "./byte_source.ts";
export { readSafetensors, SAFETENSORS_MAX_HEADER_BYTES } from "./safetensors.ts";
export type { SafetensorsFile } from "./safetensors.ts";
export { openSafetensorsModel } from "./safetensors_model.ts";
export type { SafetensorsModel } from "./safetensors_model.ts";
export { readGguf } from "./gguf.ts";
export type { GgufFile } from "./gguf.ts";
export { plainGgufValue } from "./gguf_metadata.ts";
export {
  GGUF_DEFAULT_ALIGNMENT,
  GGUF_LIMITS,
  GGUF_MAGIC,
  GGUF_VALUE_TYPES,
  GGUF_VERSION,
} from "./gguf_types.ts";
export type {
  GgufBigIntType,
  GgufNumberType,
  GgufNumericArray,
  GgufTypedArray,
  GgufTypedValue,
  GgufValue,
  GgufValueTypeName,
} from "./gguf_types.ts";
export { encodeGgufLayout, writeGguf, writeGgufFile } from "./gguf_writer.ts";
export type {
  GgufLayout,
  GgufMetadataInput,
  GgufMetadataInputs,
  GgufStreamTensor,
  GgufTensorInput,
  GgufTensorLayout,
} from "./gguf_writer.ts";
