/**
 * Writes GGUF v3 files (alignment 32 unless `general.alignment` says otherwise): in memory for
 * small models such as the embedded default, or streamed to disk tensor by tensor for big ones.
 * @module
 */
import { type GgmlType, ggmlTypeName, rowBytes } from "../../kernels/mod.ts";
import {
  GGUF_DEFAULT_ALIGNMENT,
  GGUF_LIMITS,
  GGUF_MAGIC,
  GGUF_VERSION,
  type GgufTypedValue,
} from "./gguf_types.ts";
import { GgufByteWriter } from "./gguf_value_encoder.ts";

/** A metadata value to write: typed, or a string, boolean or string list (unambiguous as is). */
export type GgufMetadataInput = GgufTypedValue | string | boolean | readonly string[];

/** Metadata to write, in order: a Map or a plain object. */
export type GgufMetadataInputs =
  | ReadonlyMap<string, GgufMetadataInput>
  | Readonly<Record<string, GgufMetadataInput>>;

/** What the header needs to know of a tensor. */
export interface GgufTensorLayout {
  readonly name: string;
  readonly type: GgmlType;
  /** Outermost-first, as in TensorEntry; written reversed (GGUF order). */
  readonly shape: readonly number[];
}

/** A tensor to write with its encoded bytes. */
export interface GgufTensorInput extends GgufTensorLayout {
  readonly data: Uint8Array;
}

/** A tensor whose bytes may be produced only when it is written (streamed writes). */
export interface GgufStreamTensor extends GgufTensorLayout {
  readonly data: Uint8Array | (() => Uint8Array | Promise<Uint8Array>);
}

/** The encoded header (padded to the alignment) and where each tensor's data goes. */
export interface GgufLayout {
  readonly header: Uint8Array;
  readonly alignment: number;
  /** Byte length of each tensor, in input order. */
  readonly byteLengths: readonly number[];
  /** Offset of each tensor relative to the end of the header. */
  readonly offsets: readonly number[];
  /** Size of the whole file. */
  readonly totalBytes: number;
}

/**
 * Encodes a complete GGUF v3 file in memory.
 *
 * @example
 * ```ts
 * import { GgmlType } from "../../kernels/mod.ts";
 * import { writeGguf } from "./gguf_writer.ts";
 * const file = writeGguf(
 *   { "general.architecture": "qwen3", "qwen3.block_count": { type: "u32", value: 6 } },
 *   [{ name: "w", type: GgmlType.F32, shape: [2, 3], data: new Uint8Array(24) }],
 * );
 * console.assert(new TextDecoder().decode(file.subarray(0, 4)) === "GGUF");
 * ```
 */
export function writeGguf(
  metadata: GgufMetadataInputs,
  tensors: readonly GgufTensorInput[],
): Uint8Array {
  const layout = encodeGgufLayout(metadata, tensors);
  const file = new Uint8Array(layout.totalBytes);
  file.set(layout.header);
  tensors.forEach((tensor, i) => {
    checkData(tensor, tensor.data, layout.byteLengths[i]);
    file.set(tensor.data, layout.header.byteLength + layout.offsets[i]);
  });
  return file;
}

/**
 * Writes a GGUF v3 file to `path`, producing and writing one tensor at a time so a multi-GB
 * model never has to sit in memory whole. Returns the number of bytes written.
 */
export async function writeGgufFile(
  path: string,
  metadata: GgufMetadataInputs,
  tensors: readonly GgufStreamTensor[],
): Promise<number> {
  const layout = encodeGgufLayout(metadata, tensors);
  const file = await Deno.open(path, { write: true, create: true, truncate: true });
  try {
    await writeAll(file, layout.header);
    let written = layout.header.byteLength;
    for (const [i, tensor] of tensors.entries()) {
      const start = layout.header.byteLength + layout.offsets[i];
      if (start > written) await writeAll(file, new Uint8Array(start - written));
      const data = typeof tensor.data === "function" ? await tensor.data() : tensor.data;
      checkData(tensor, data, layout.byteLengths[i]);
      await writeAll(file, data);
      written = start + data.byteLength;
    }
    if (layout.totalBytes > written) {
      await writeAll(file, new Uint8Array(layout.totalBytes - written));
    }
    return layout.totalBytes;
  } finally {
    file.close();
  }
}

/** Encodes the header for `tensors` and places their data, each at an aligned offset. */
export function encodeGgufLayout(
  metadata: GgufMetadataInputs,
  tensors: readonly GgufTensorLayout[],
): GgufLayout {
  const entries = metadata instanceof Map
    ? [...(metadata as ReadonlyMap<string, GgufMetadataInput>)]
    : Object.entries(metadata as Record<string, GgufMetadataInput>);
  const typed = entries.map(([key, value]) => [key, toTyped(key, value)] as const);
  const alignment = alignmentOf(typed);
  const out = new GgufByteWriter();
  out.u32(GGUF_MAGIC);
  out.u32(GGUF_VERSION);
  out.u64(tensors.length);
  out.u64(typed.length);
  for (const [key, value] of typed) {
    out.string(key);
    out.typedValue(value, `metadata "${key}"`);
  }
  const byteLengths: number[] = [];
  const offsets: number[] = [];
  const names = new Set<string>();
  let dataBytes = 0;
  for (const tensor of tensors) {
    if (names.has(tensor.name)) throw new RangeError(`tensor "${tensor.name}" is given twice`);
    names.add(tensor.name);
    const byteLength = layoutBytes(tensor);
    offsets.push(dataBytes);
    byteLengths.push(byteLength);
    out.string(tensor.name);
    out.u32(tensor.shape.length);
    for (const dim of [...tensor.shape].reverse()) out.u64(dim);
    out.u32(tensor.type);
    out.u64(dataBytes);
    dataBytes += Math.ceil(byteLength / alignment) * alignment;
  }
  out.pad(alignment);
  const header = out.bytes();
  return { header, alignment, byteLengths, offsets, totalBytes: header.byteLength + dataBytes };
}

function toTyped(key: string, value: GgufMetadataInput): GgufTypedValue {
  if (typeof value === "string") return { type: "string", value };
  if (typeof value === "boolean") return { type: "bool", value };
  if (Array.isArray(value)) return { type: "array", itemType: "string", value };
  if (typeof value === "object" && value !== null && "type" in value) {
    return value as GgufTypedValue;
  }
  throw new TypeError(
    `metadata "${key}": a ${typeof value} is ambiguous; give { type: "u32" | "f32" | ..., value }`,
  );
}

function alignmentOf(typed: readonly (readonly [string, GgufTypedValue])[]): number {
  const given = typed.find(([key]) => key === "general.alignment")?.[1];
  if (given === undefined) return GGUF_DEFAULT_ALIGNMENT;
  const value = given.value as number;
  const isPowerOfTwo = Number.isInteger(value) && value >= 1 && (value & (value - 1)) === 0;
  if (given.type !== "u32" || !isPowerOfTwo || value > GGUF_LIMITS.maxAlignment) {
    throw new RangeError(
      `general.alignment must be a u32 power of two, found ${given.type} ${value}`,
    );
  }
  return value;
}

function layoutBytes(tensor: GgufTensorLayout): number {
  const { name, shape, type } = tensor;
  if (shape.length < 1 || shape.length > GGUF_LIMITS.maxDims) {
    throw new RangeError(`tensor "${name}" has ${shape.length} dimensions (expected 1 to 4)`);
  }
  if (!shape.every((d) => Number.isSafeInteger(d) && d > 0)) {
    throw new RangeError(`tensor "${name}" shape [${shape}] must hold positive integers`);
  }
  const rowLength = shape[shape.length - 1];
  const rows = shape.slice(0, -1).reduce((a, b) => a * b, 1);
  try {
    return rowBytes(type, rowLength) * rows;
  } catch (error) {
    throw new RangeError(
      `tensor "${name}" (${ggmlTypeName(type)}, [${shape}]): ${(error as Error).message}`,
    );
  }
}

function checkData(tensor: GgufTensorLayout, data: Uint8Array, expected: number): void {
  if (data.byteLength !== expected) {
    throw new RangeError(
      `tensor "${tensor.name}" ${ggmlTypeName(tensor.type)} [${tensor.shape}] needs ` +
        `${expected} bytes of data, found ${data.byteLength}`,
    );
  }
}

async function writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  let done = 0;
  while (done < bytes.byteLength) done += await file.write(bytes.subarray(done));
}
