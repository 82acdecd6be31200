/**
 * Reads a GGUF (v2/v3) header: metadata and tensor infos, every count, length, shape and data
 * range validated before anything is allocated for it. Tensor data stays in the file until read.
 * @module
 */
import { GgmlType, ggmlTypeInfo, ggmlTypeName, rowBytes } from "../../kernels/mod.ts";
import { ByteCursor } from "./byte_cursor.ts";
import { readGgufMetadata, readGgufString } from "./gguf_metadata.ts";
import {
  GGUF_DEFAULT_ALIGNMENT,
  GGUF_LIMITS,
  GGUF_MAGIC,
  type GgufTypedValue,
  type GgufValue,
} from "./gguf_types.ts";
import type { ByteSource, TensorEntry } from "./types.ts";

/** A parsed GGUF file; tensors read their bytes from the source on demand. */
export interface GgufFile {
  /** 2 or 3. */
  readonly version: number;
  /** Metadata values by key (`general.architecture`, `tokenizer.ggml.tokens`, ...). */
  readonly metadata: Map<string, GgufValue>;
  /** The same values with their GGUF types, as `writeGguf` takes them. */
  readonly typedMetadata: Map<string, GgufTypedValue>;
  /** Tensors in file order; shapes outermost-first (GGUF's dims reversed). */
  readonly tensors: Map<string, TensorEntry>;
  /** Alignment of tensor data (`general.alignment`, default 32). */
  readonly alignment: number;
  /** Absolute offset of the tensor data section. */
  readonly dataOffset: number;
}

/** One tensor info as stored, before its data range is checked. */
interface TensorInfo {
  name: string;
  type: GgmlType;
  shape: number[];
  byteLength: number;
  /** Offset relative to the data section. */
  offset: number;
}

// name length (8) + at least 1 byte of name + n_dims (4) + one dim (8) + type (4) + offset (8)
const MIN_TENSOR_INFO_BYTES = 33;
// key length (8) + value type (4) + the smallest value (1)
const MIN_KEY_VALUE_BYTES = 13;

/**
 * Parses the GGUF header of `source`, reading it in chunks.
 * Throws ModelFormatError naming the problem for any malformed, truncated or unsupported file.
 *
 * @example
 * ```ts ignore
 * const source = await openFileSource("tiny-Q8_0.gguf");
 * const gguf = await readGguf(source);
 * console.log(gguf.metadata.get("general.architecture")); // "qwen3"
 * const embeddings = await gguf.tensors.get("token_embd.weight")!.read();
 * ```
 */
export async function readGguf(source: ByteSource): Promise<GgufFile> {
  const cursor = new ByteCursor(source);
  const { version, tensorCount, keyCount } = await readHeader(cursor);
  const { metadata, typedMetadata } = await readGgufMetadata(cursor, keyCount);
  const alignment = readAlignment(cursor, typedMetadata.get("general.alignment"));
  const infos = await readTensorInfos(cursor, tensorCount, alignment);
  const dataOffset = alignUp(cursor.position, alignment);
  const tensors = new Map<string, TensorEntry>();
  for (const info of infos) tensors.set(info.name, tensorEntry(cursor, info, dataOffset));
  return { version, metadata, typedMetadata, tensors, alignment, dataOffset };
}

async function readHeader(cursor: ByteCursor) {
  if (cursor.remaining < 4) {
    throw cursor.error(`not a GGUF file (only ${cursor.remaining} bytes, no magic)`);
  }
  await cursor.fill(4, "the magic");
  const magic = cursor.bytes(4);
  const magicValue = new DataView(magic.buffer, magic.byteOffset, 4).getUint32(0, true);
  if (magicValue !== GGUF_MAGIC) {
    throw cursor.error(`not a GGUF file (magic ${describeMagic(magic)}, expected "GGUF")`);
  }
  await cursor.fill(20, "the GGUF header");
  const version = cursor.u32();
  if (version === 0x02000000 || version === 0x03000000) {
    throw cursor.error("big-endian GGUF files are not supported");
  }
  if (version !== 2 && version !== 3) {
    throw cursor.error(`unsupported GGUF version ${version} (expected 2 or 3)`);
  }
  const tensorCount = checkCount(
    cursor,
    cursor.u64(),
    "tensors",
    GGUF_LIMITS.maxTensors,
    MIN_TENSOR_INFO_BYTES,
  );
  const keyCount = checkCount(
    cursor,
    cursor.u64(),
    "metadata keys",
    GGUF_LIMITS.maxKeys,
    MIN_KEY_VALUE_BYTES,
  );
  return { version, tensorCount, keyCount };
}

function describeMagic(magic: Uint8Array): string {
  const text = Array.from(
    magic,
    (b) => b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, "0")}`,
  ).join("");
  const hex = Array.from(magic, (b) => b.toString(16).padStart(2, "0")).join("");
  return `"${text}" = 0x${hex}`;
}

function checkCount(
  cursor: ByteCursor,
  declared: bigint,
  what: string,
  limit: number,
  minBytesEach: number,
): number {
  if (declared > BigInt(limit)) {
    throw cursor.error(`header declares ${declared} ${what} (at most ${limit} are supported)`);
  }
  const count = Number(declared);
  if (count * minBytesEach > cursor.remaining) {
    throw cursor.error(
      `header declares ${count} ${what}, which need at least ${count * minBytesEach} bytes, ` +
        `but only ${cursor.remaining} remain`,
    );
  }
  return count;
}

function readAlignment(cursor: ByteCursor, value: GgufTypedValue | undefined): number {
  if (value === undefined) return GGUF_DEFAULT_ALIGNMENT;
  if (value.type !== "u32") {
    throw cursor.error(`general.alignment must be a u32, found a ${value.type}`);
  }
  const alignment = value.value;
  if (alignment < 1 || alignment > GGUF_LIMITS.maxAlignment || (alignment & (alignment - 1))) {
    throw cursor.error(
      `general.alignment must be a power of two from 1 to ${GGUF_LIMITS.maxAlignment}, ` +
        `found ${alignment}`,
    );
  }
  return alignment;
}

async function readTensorInfos(
  cursor: ByteCursor,
  count: number,
  alignment: number,
): Promise<TensorInfo[]> {
  const infos: TensorInfo[] = [];
  const names = new Set<string>();
  for (let i = 0; i < count; i++) {
    const name = await readGgufString(
      cursor,
      `the name of tensor #${i}`,
      GGUF_LIMITS.maxTensorNameBytes,
    );
    if (names.has(name)) throw cursor.error(`tensor "${name}" appears twice`);
    names.add(name);
    infos.push(await readTensorInfo(cursor, name, alignment));
  }
  return infos;
}

async function readTensorInfo(
  cursor: ByteCursor,
  name: string,
  alignment: number,
): Promise<TensorInfo> {
  const what = `the info of tensor "${name}"`;
  await cursor.fill(4, what);
  const nDims = cursor.u32();
  if (nDims < 1 || nDims > GGUF_LIMITS.maxDims) {
    throw cursor.error(
      `tensor "${name}" has ${nDims} dimensions (expected 1 to ${GGUF_LIMITS.maxDims})`,
    );
  }
  await cursor.fill(8 * nDims + 12, what);
  const dims: number[] = [];
  for (let d = 0; d < nDims; d++) dims.push(checkDim(cursor, name, cursor.u64()));
  const type = checkType(cursor, name, cursor.u32());
  const byteLength = tensorBytes(cursor, name, type, dims);
  const declaredOffset = cursor.u64();
  if (declaredOffset > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw cursor.error(`tensor "${name}" data offset ${declaredOffset} is past any file size`);
  }
  const offset = Number(declaredOffset);
  if (offset % alignment !== 0) {
    throw cursor.error(
      `tensor "${name}" data offset ${offset} is not a multiple of the alignment ${alignment}`,
    );
  }
  return { name, type, shape: dims.reverse(), byteLength, offset };
}

function checkDim(cursor: ByteCursor, name: string, dim: bigint): number {
  if (dim < 1n || dim > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw cursor.error(`tensor "${name}" has dimension ${dim} (expected a positive safe integer)`);
  }
  return Number(dim);
}

function checkType(cursor: ByteCursor, name: string, id: number): GgmlType {
  if (ggmlTypeInfo(id)) return id as GgmlType;
  if (GgmlType[id] !== undefined) {
    throw cursor.error(
      `tensor "${name}" has type ${ggmlTypeName(id)} (id ${id}), which synapse cannot load`,
    );
  }
  throw cursor.error(`tensor "${name}" has unknown type id ${id}`);
}

/** Bytes of a tensor with GGUF dims `dims` (innermost first), checked for overflow. */
function tensorBytes(cursor: ByteCursor, name: string, type: GgmlType, dims: number[]): number {
  let elements = 1;
  for (const dim of dims) {
    if (elements > Number.MAX_SAFE_INTEGER / dim) {
      throw cursor.error(`tensor "${name}" dims [${dims}] hold more than 2^53 elements`);
    }
    elements *= dim;
  }
  const info = ggmlTypeInfo(type)!;
  if (dims[0] % info.blockSize !== 0) {
    throw cursor.error(
      `tensor "${name}" has rows of ${dims[0]} elements, not a multiple of ` +
        `${info.name}'s block of ${info.blockSize}`,
    );
  }
  const bytes = rowBytes(type, dims[0]) * (elements / dims[0]);
  if (!Number.isSafeInteger(bytes)) {
    throw cursor.error(`tensor "${name}" would take ${bytes} bytes, more than 2^53`);
  }
  return bytes;
}

function tensorEntry(cursor: ByteCursor, info: TensorInfo, dataOffset: number): TensorEntry {
  const start = dataOffset + info.offset;
  const end = start + info.byteLength;
  const size = cursor.source.size;
  if (end > size) {
    throw cursor.error(
      `tensor "${info.name}" data ends at byte ${end} but the file has ${size} bytes`,
    );
  }
  const source = cursor.source;
  return {
    name: info.name,
    type: info.type,
    shape: info.shape,
    byteLength: info.byteLength,
    read: () => source.read(start, info.byteLength),
  };
}

function alignUp(offset: number, alignment: number): number {
  return Math.ceil(offset / alignment) * alignment;
}
