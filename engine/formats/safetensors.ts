/**
 * Reads a safetensors file: an 8-byte header length, a JSON header of tensor dtypes, shapes and
 * data offsets, then the data. Everything is validated against the file size before use.
 * @module
 */
import { GgmlType } from "../../kernels/mod.ts";
import { ModelFormatError } from "./errors.ts";
import type { ByteSource, TensorEntry } from "./types.ts";

/** A parsed safetensors file; tensors read their bytes on demand. */
export interface SafetensorsFile {
  /** Tensors in header order; shapes outermost-first, as stored. */
  readonly tensors: Map<string, TensorEntry>;
  /** The optional `__metadata__` string map (e.g. `{ format: "pt" }`). */
  readonly metadata: Record<string, string>;
}

/** Largest JSON header accepted (the format's own reference implementation uses 100 MB). */
export const SAFETENSORS_MAX_HEADER_BYTES = 100_000_000;

/** The safetensors dtypes synapse loads, and the ggml types they become. */
const DTYPES: Readonly<Record<string, { type: GgmlType; bytes: number }>> = {
  F32: { type: GgmlType.F32, bytes: 4 },
  F16: { type: GgmlType.F16, bytes: 2 },
  BF16: { type: GgmlType.BF16, bytes: 2 },
};

/**
 * Parses the header of a safetensors `source`. Throws ModelFormatError for a bad header length,
 * invalid JSON, an unsupported dtype, a byte count that does not match the shape, or data
 * offsets outside the file.
 *
 * @example
 * ```ts ignore
 * const source = await openFileSource("adapter_model.safetensors");
 * const { tensors } = await readSafetensors(source);
 * for (const t of tensors.values()) console.log(t.name, t.shape);
 * ```
 */
export async function readSafetensors(source: ByteSource): Promise<SafetensorsFile> {
  const name = source.name ?? "safetensors file";
  const fail = (problem: string) => new ModelFormatError(name, problem);
  if (source.size < 8) {
    throw fail(`truncated: ${source.size} bytes, too short for the 8-byte header length`);
  }
  const lengthBytes = await source.read(0, 8);
  const declared = new DataView(lengthBytes.buffer, lengthBytes.byteOffset, 8)
    .getBigUint64(0, true);
  if (declared > BigInt(SAFETENSORS_MAX_HEADER_BYTES)) {
    throw fail(`header length ${declared} is over the ${SAFETENSORS_MAX_HEADER_BYTES}-byte limit`);
  }
  const headerLength = Number(declared);
  if (8 + headerLength > source.size) {
    throw fail(`header length ${headerLength} runs past the end of the ${source.size}-byte file`);
  }
  const header = parseHeader(await source.read(8, headerLength), fail);
  const dataStart = 8 + headerLength;
  const dataSize = source.size - dataStart;
  const tensors = new Map<string, TensorEntry>();
  let metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(header)) {
    if (key === "__metadata__") metadata = checkMetadata(value, fail);
    else tensors.set(key, tensorEntry(source, key, value, dataStart, dataSize, fail));
  }
  return { tensors, metadata };
}

type Fail = (problem: string) => ModelFormatError;

function parseHeader(bytes: Uint8Array, fail: Fail): Record<string, unknown> {
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (error) {
    throw fail(`header is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) {
    throw fail(
      `header must be a JSON object, found ${Array.isArray(header) ? "an array" : typeof header}`,
    );
  }
  return header as Record<string, unknown>;
}

function checkMetadata(value: unknown, fail: Fail): Record<string, string> {
  const isStringMap = typeof value === "object" && value !== null && !Array.isArray(value) &&
    Object.values(value).every((v) => typeof v === "string");
  if (!isStringMap) throw fail(`__metadata__ must map strings to strings`);
  return value as Record<string, string>;
}

function tensorEntry(
  source: ByteSource,
  name: string,
  value: unknown,
  dataStart: number,
  dataSize: number,
  fail: Fail,
): TensorEntry {
  const info = (typeof value === "object" && value !== null ? value : {}) as Record<
    string,
    unknown
  >;
  const { dtype, shape, data_offsets: offsets } = info;
  const encoding = typeof dtype === "string" && Object.hasOwn(DTYPES, dtype)
    ? DTYPES[dtype]
    : undefined;
  if (!encoding) {
    throw fail(
      `tensor "${name}" has dtype ${JSON.stringify(dtype)}; synapse loads F32, F16 and BF16`,
    );
  }
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw fail(
      `tensor "${name}" shape ${JSON.stringify(shape)} is not a list of non-negative integers`,
    );
  }
  const elements = shape.reduce((a: number, b: number) => a * b, 1);
  if (!Number.isSafeInteger(elements * encoding.bytes)) {
    throw fail(`tensor "${name}" shape [${shape}] holds more than 2^53 bytes`);
  }
  if (!isOffsetPair(offsets) || offsets[0] > offsets[1] || offsets[1] > dataSize) {
    throw fail(
      `tensor "${name}" data_offsets ${JSON.stringify(offsets)} must be [begin, end] with ` +
        `0 <= begin <= end <= ${dataSize} (the data section's size)`,
    );
  }
  const byteLength = offsets[1] - offsets[0];
  if (byteLength !== elements * encoding.bytes) {
    throw fail(
      `tensor "${name}" ${dtype} [${shape}] needs ${elements * encoding.bytes} bytes, ` +
        `but its data_offsets span ${byteLength}`,
    );
  }
  const start = dataStart + offsets[0];
  return {
    name,
    type: encoding.type,
    shape: shape as number[],
    byteLength,
    read: () => source.read(start, byteLength),
  };
}

function isOffsetPair(value: unknown): value is [number, number] {
  return Array.isArray(value) && value.length === 2 &&
    value.every((v) => Number.isSafeInteger(v) && v >= 0);
}
