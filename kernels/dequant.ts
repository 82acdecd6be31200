/**
 * GPU weight decoding: the `load4_<buf>` and `load32_<buf>` WGSL functions every matmul includes
 * to read weights in their GPU layout (kernels/weight_layout.ts; no shader-f16 needed), and a
 * whole-matrix dequantize kernel built on them.
 * @module
 */
import { type GgmlType, type GgmlTypeInfo, ggmlTypeInfo, ggmlTypeName } from "./ggml_types.ts";
import { DECODER_SOURCES } from "./dequant_wgsl_blocks.ts";
export { EIGHT_WIDE_TYPES } from "./dequant_wgsl_blocks.ts";
import { gpuRowBytes, planeOffsets } from "./weight_layout.ts";
import { UnsupportedWeightTypeError, WeightLayoutError } from "./weight_errors.ts";

/** A buffer name that cannot be spliced into WGSL as an identifier. */
export class WgslIdentifierError extends Error {
  constructor(found: string) {
    super(
      `expected a WGSL identifier ([A-Za-z_][A-Za-z0-9_]*, not starting "__"); found "${found}"`,
    );
    this.name = "WgslIdentifierError";
  }
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Encodings the GPU decoders implement. */
export const GPU_DECODABLE_TYPES: readonly GgmlType[] = [...DECODER_SOURCES.keys()];

/** WGSL type of a weight binding: 16-byte words, so a decoder can read a block's quants at once. */
export const WEIGHT_ARRAY = "array<vec4<u32>>";

// Readers of one weight buffer: every call site passes a 4-aligned byte offset to wd_u32, a
// 16-aligned one to wd_vec and an even one to wd_u16 (the GPU layout guarantees it). Parameters
// are named after the buffer so they can never shadow it.
const byteReaders = (b: string) => `
fn wd_vec_${b}(${b}_at: u32) -> vec4<u32> { return ${b}[${b}_at >> 4u]; }
fn wd_u32_${b}(${b}_at: u32) -> u32 { return ${b}[${b}_at >> 4u][(${b}_at >> 2u) & 3u]; }
fn wd_u8_${b}(${b}_at: u32) -> u32 {
  return (wd_u32_${b}(${b}_at & ~3u) >> ((${b}_at & 3u) << 3u)) & 0xffu;
}
fn wd_u16_${b}(${b}_at: u32) -> u32 {
  return (wd_u32_${b}(${b}_at & ~3u) >> ((${b}_at & 2u) << 3u)) & 0xffffu;
}
fn wd_f16_${b}(${b}_at: u32) -> f32 { return unpack2x16float(wd_u16_${b}(${b}_at)).x; }
fn wd_bytes_${b}(${b}_word: u32) -> vec4<u32> {
  return (vec4<u32>(${b}_word) >> vec4<u32>(0u, 8u, 16u, 24u)) & vec4<u32>(0xffu);
}
`;

function unsupported(type: GgmlType): UnsupportedWeightTypeError {
  return new UnsupportedWeightTypeError(
    type,
    "wgslWeightDecoder",
    GPU_DECODABLE_TYPES.map(ggmlTypeName),
  );
}

function decodableInfo(type: GgmlType): GgmlTypeInfo {
  const info = ggmlTypeInfo(type);
  if (!info || !DECODER_SOURCES.has(type)) throw unsupported(type);
  return info;
}

/**
 * WGSL defining, for rows of `k` values of encoding `type` in the GPU layout (`toGpuLayout`) in
 * `var<storage, read> <bufferName>: array<vec4<u32>>` (`WEIGHT_ARRAY`, which the caller declares):
 * - `fn load4_<bufferName>(rowByte: u32, k: u32) -> vec4<f32>`: elements k..k+3 (k a multiple
 *   of 4) of the row that starts at byte `rowByte` (a multiple of 16, as every GPU row is);
 * - `fn load32_<bufferName>(rowByte: u32, c: u32) -> W32_<bufferName>`: elements 32c..32c+31
 *   as the struct's vec4 members `q0`..`q7` (for `k` a multiple of 32);
 * - for the 16-bit encodings (`EIGHT_WIDE_TYPES`), `raw8_<bufferName>(rowByte, k)`, the 16-byte
 *   word of elements k..k+7, and `lo8_<bufferName>(word)` / `hi8_<bufferName>(word)`, its values.
 *
 * Results equal {@link dequantizeRow} of the file's bytes bit for bit. Helpers it adds are named
 * `wd_*_<bufferName>`, so decoders for several buffers can share one shader.
 * @example
 * ```ts
 * import { GgmlType } from "./ggml_types.ts";
 * const wgsl = `@group(0) @binding(1) var<storage, read> w: array<vec4<u32>>;
 * ${wgslWeightDecoder(GgmlType.Q8_0, "w", 896)}`;
 * ```
 */
export function wgslWeightDecoder(type: GgmlType, bufferName: string, k: number): string {
  if (!IDENTIFIER.test(bufferName) || bufferName.startsWith("__")) {
    throw new WgslIdentifierError(bufferName);
  }
  const source = DECODER_SOURCES.get(type);
  if (!source) throw unsupported(type);
  const blocks = k / decodableInfo(type).blockSize;
  return `// ${ggmlTypeName(type)} weights in ${bufferName}\n${byteReaders(bufferName)}${
    source(bufferName, planeOffsets(type, blocks))
  }`;
}

/** Invocations per workgroup of {@link wgslDequantizeRowsKernel}; each decodes 4 values. */
export const DEQUANTIZE_ROWS_WORKGROUP_SIZE = 64;

/**
 * A complete compute shader decoding `rows` rows of `k` values into f32. Bindings (group 0):
 * 0 `weights` (read storage, rows in the GPU layout of `toGpuLayout`), 1 `output:
 * array<vec4<f32>>` (read_write storage, `rows * k` floats, row-major), 2 uniform params from
 * {@link dequantizeRowsParams}. Dispatch {@link dequantizeRowsDispatch} workgroups.
 */
export function wgslDequantizeRowsKernel(type: GgmlType, k: number): string {
  return `struct DequantizeRowsParams { rows: u32, quadsPerRow: u32, rowBytes: u32, firstRowByte: u32 }
@group(0) @binding(0) var<storage, read> weights: ${WEIGHT_ARRAY};
@group(0) @binding(1) var<storage, read_write> output: array<vec4<f32>>;
@group(0) @binding(2) var<uniform> params: DequantizeRowsParams;
${wgslWeightDecoder(type, "weights", k)}
@compute @workgroup_size(${DEQUANTIZE_ROWS_WORKGROUP_SIZE})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * ${DEQUANTIZE_ROWS_WORKGROUP_SIZE}u;
  if (i >= params.rows * params.quadsPerRow) { return; }
  let row = i / params.quadsPerRow;
  let quad = i - row * params.quadsPerRow;
  output[i] = load4_weights(params.firstRowByte + row * params.rowBytes, quad * 4u);
}
`;
}

/** Which rows {@link wgslDequantizeRowsKernel} decodes. */
export interface DequantizeRowsShape {
  /** Rows to decode. */
  readonly rows: number;
  /** Values per row (a multiple of 4 and of the encoding's block size). */
  readonly k: number;
  /** Byte of the weights buffer where the first row starts (a multiple of 16); default 0. */
  readonly firstRowByte?: number;
}

/**
 * The 16-byte uniform of {@link wgslDequantizeRowsKernel}. Throws {@link WeightLayoutError}
 * when the shape does not fit the encoding or the kernel's u32 indexing.
 */
export function dequantizeRowsParams(
  type: GgmlType,
  shape: DequantizeRowsShape,
): Uint32Array<ArrayBuffer> {
  const info = decodableInfo(type);
  const { rows, k, firstRowByte = 0 } = shape;
  const name = info.name;
  if (!Number.isSafeInteger(k) || k <= 0 || k % 4 !== 0 || k % info.blockSize !== 0) {
    throw new WeightLayoutError(
      `dequantize ${name}: row length must be a positive multiple of 4 and of ${info.blockSize}; found ${k}`,
    );
  }
  if (!Number.isSafeInteger(firstRowByte) || firstRowByte < 0 || firstRowByte % 16 !== 0) {
    throw new WeightLayoutError(
      `dequantize ${name}: first row byte must be a multiple of 16; found ${firstRowByte}`,
    );
  }
  const rowBytes = gpuRowBytes(type, k);
  if (!Number.isSafeInteger(rows) || rows < 0 || firstRowByte + rows * rowBytes > 2 ** 32 - 16) {
    throw new WeightLayoutError(
      `dequantize ${name}: ${rows} rows of ${rowBytes} bytes from byte ${firstRowByte} exceed u32 addressing`,
    );
  }
  return new Uint32Array([rows, k / 4, rowBytes, firstRowByte]);
}

/**
 * Workgroup counts [x, y] that cover `rows * k / 4` invocations of
 * {@link wgslDequantizeRowsKernel} without exceeding `maxPerDimension` in either.
 */
export function dequantizeRowsDispatch(
  rows: number,
  k: number,
  maxPerDimension = 65535,
): [number, number] {
  const groups = Math.ceil((rows * k) / 4 / DEQUANTIZE_ROWS_WORKGROUP_SIZE);
  if (groups <= maxPerDimension) return [groups, 1];
  return [maxPerDimension, Math.ceil(groups / maxPerDimension)];
}
