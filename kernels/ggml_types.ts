/**
 * The weight encodings synapse understands, numbered as GGUF numbers them (ggml_type).
 * One table serves the file readers (how many bytes a tensor takes) and the kernels
 * (how to decode a block), so the two can never disagree.
 * @module
 */

/** ggml tensor type ids, as stored in GGUF tensor infos. */
export enum GgmlType {
  F32 = 0,
  F16 = 1,
  Q4_0 = 2,
  Q4_1 = 3,
  Q5_0 = 6,
  Q5_1 = 7,
  Q8_0 = 8,
  Q8_1 = 9,
  Q2_K = 10,
  Q3_K = 11,
  Q4_K = 12,
  Q5_K = 13,
  Q6_K = 14,
  Q8_K = 15,
  BF16 = 30,
}

/** Layout of one encoding: elements per block and bytes per block. */
export interface GgmlTypeInfo {
  readonly name: string;
  /** Elements in one block (1 for plain float types). */
  readonly blockSize: number;
  /** Bytes one block occupies in the file and on the GPU. */
  readonly blockBytes: number;
}

/** The encodings the engine can load and compute with. */
export const SUPPORTED_TYPES: ReadonlyMap<GgmlType, GgmlTypeInfo> = new Map([
  [GgmlType.F32, { name: "F32", blockSize: 1, blockBytes: 4 }],
  [GgmlType.F16, { name: "F16", blockSize: 1, blockBytes: 2 }],
  [GgmlType.BF16, { name: "BF16", blockSize: 1, blockBytes: 2 }],
  [GgmlType.Q4_0, { name: "Q4_0", blockSize: 32, blockBytes: 18 }],
  [GgmlType.Q4_1, { name: "Q4_1", blockSize: 32, blockBytes: 20 }],
  [GgmlType.Q5_0, { name: "Q5_0", blockSize: 32, blockBytes: 22 }],
  [GgmlType.Q5_1, { name: "Q5_1", blockSize: 32, blockBytes: 24 }],
  [GgmlType.Q8_0, { name: "Q8_0", blockSize: 32, blockBytes: 34 }],
  [GgmlType.Q4_K, { name: "Q4_K", blockSize: 256, blockBytes: 144 }],
  [GgmlType.Q5_K, { name: "Q5_K", blockSize: 256, blockBytes: 176 }],
  [GgmlType.Q6_K, { name: "Q6_K", blockSize: 256, blockBytes: 210 }],
]);

/** Layout of `type`, or undefined when the engine cannot use it. */
export function ggmlTypeInfo(type: number): GgmlTypeInfo | undefined {
  return SUPPORTED_TYPES.get(type as GgmlType);
}

/** Name of a ggml type id for messages (`"Q4_K"`, or `"type 99"` when unknown). */
export function ggmlTypeName(type: number): string {
  return ggmlTypeInfo(type)?.name ?? GgmlType[type] ?? `type ${type}`;
}

/**
 * Bytes taken by one row of `elements` values in encoding `type`.
 * Throws when the row length is not a whole number of blocks.
 */
export function rowBytes(type: GgmlType, elements: number): number {
  const info = SUPPORTED_TYPES.get(type);
  if (!info) throw new RangeError(`unsupported tensor type ${ggmlTypeName(type)}`);
  if (elements % info.blockSize !== 0) {
    throw new RangeError(
      `row of ${elements} elements is not a multiple of ${info.name}'s block of ${info.blockSize}`,
    );
  }
  return (elements / info.blockSize) * info.blockBytes;
}
