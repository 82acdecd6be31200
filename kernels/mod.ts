/**
 * The kernels' public face: the ggml type table shared with the file readers, and (added by
 * their owners) the WGSL kernels with their reference implementations.
 * @module
 */
export * from "./ggml_types.ts";
export { dequantizeRow } from "./dequant_ref.ts";
export { scaleMinK4 } from "./dequant_ref.ts";
export { QUANTIZABLE_TYPES, quantize } from "./quantize_ref.ts";
export {
  bf16BitsToF32,
  f16BitsToF32,
  f32ToBf16Bits,
  f32ToF16Bits,
  f32ToF16BitsCeil,
} from "./half_float.ts";
export {
  UnsupportedWeightTypeError,
  WeightLayoutError,
  WeightValueError,
} from "./weight_errors.ts";
export {
  DEQUANTIZE_ROWS_WORKGROUP_SIZE,
  dequantizeRowsDispatch,
  dequantizeRowsParams,
  type DequantizeRowsShape,
  GPU_DECODABLE_TYPES,
  wgslDequantizeRowsKernel,
  WgslIdentifierError,
  wgslWeightDecoder,
} from "./dequant.ts";
