/**
 * The kernels' public face: the ggml type table shared with the file readers, and (added by
 * their owners) the WGSL kernels with their reference implementations.
 * @module
 */
export * from "./ggml_types.ts";
export { rmsnormKernel, rmsnormRef, type RmsNormSpec } from "./rmsnorm.ts";
export { swigluKernel, swigluRef } from "./swiglu.ts";
export {
  embedKernel,
  type LoraDownGroup,
  loraDownKernel,
  MATMUL_ROW_BLOCK,
  matmulGroups,
  matmulKernel,
  matmulLanes,
  type MatmulSchedule,
  matmulSchedule,
  type MatmulSpec,
  qkvMatmulGroups,
  qkvMatmulKernel,
  type QkvMatmulSpec,
  type ScheduleOverrides,
  type Walk,
} from "./matmul.ts";
export { ropeKvKernel, type RopeKvSpec } from "./rope_kv.ts";
export {
  decodeAttentionFits,
  decodeAttentionKernel,
  type DecodeAttentionSpec,
} from "./decode_attention.ts";
export {
  attentionChunks,
  attentionCombineKernel,
  attentionHeadRef,
  attentionKernel,
  type AttentionSpec,
} from "./attention.ts";
export {
  decodePrepKernel,
  MAX_TOP_LOGPROBS,
  SAMPLE_CANDIDATES,
  SAMPLE_RECORD_WORDS,
  SAMPLE_RING,
  sampleChunkKernel,
  type SamplerPlan,
  samplerPlan,
  sampleScratchWords,
  SEQ_PARAM_WORDS,
  SEQ_STATE_WORDS,
} from "./sample.ts";
export { samplePickKernel } from "./sample_pick.ts";
export { greedyChunkKernel, greedyPickKernel } from "./sample_greedy.ts";
export { dequantizeRow } from "./dequant_ref.ts";
export { scaleMinK4 } from "./dequant_ref.ts";
export { QUANTIZABLE_TYPES, quantize } from "./quantize_ref.ts";
export {
  bf16BitsToF32,
  f16BitsToF32,
  f16DecodeTable,
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
  WEIGHT_ARRAY,
  wgslDequantizeRowsKernel,
  WgslIdentifierError,
  wgslWeightDecoder,
} from "./dequant.ts";
export { gpuRowBytes, isPlanar, planeOffsets, toGpuLayout } from "./weight_layout.ts";
export {
  GEMM_SPLIT_WORKGROUPS,
  GEMM_TILE_N,
  gemmGroups,
  gemmKernel,
  gemmPartialsFloats,
  gemmReduceGroups,
  gemmReduceKernel,
  gemmReduceNormKernel,
  type GemmSpec,
  gemmSplits,
  gemmTileRows,
  qkvGemmKernel,
  qkvGemmReduceKernel,
  type QkvGemmSpec,
  splitGemmBindings,
} from "./gemm.ts";
