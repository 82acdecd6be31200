/**
 * Helpers for the format tests: small in-memory GGUF and safetensors files to mutate, byte
 * patching, and an assertion that a promise rejects with a ModelFormatError naming the problem.
 * @module
 */
import assert from "node:assert/strict";
import { GgmlType } from "../../../kernels/mod.ts";
import {
  type ByteSource,
  type GgufMetadataInput,
  memorySource,
  ModelFormatError,
  writeGguf,
} from "../../../engine/formats/mod.ts";

const encoder = new TextEncoder();

/** Rejects unless `promise` fails with a ModelFormatError whose message matches `pattern`. */
export async function assertFormatError(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  const error = await promise.then(() => null, (e) => e);
  assert.ok(error instanceof ModelFormatError, `expected a ModelFormatError, got ${error}`);
  assert.match(error.message, pattern);
}

/** A source that records the longest single read, to show a bad header allocated nothing big. */
export function recordingSource(bytes: Uint8Array): ByteSource & { longestRead: number } {
  const inner = memorySource(bytes, "bad.gguf");
  const source = {
    name: "bad.gguf",
    size: inner.size,
    longestRead: 0,
    read(offset: number, length: number) {
      source.longestRead = Math.max(source.longestRead, length);
      return inner.read(offset, length);
    },
    close: () => inner.close(),
  };
  return source;
}

/**
 * A small valid GGUF: strings, a string array, a numeric array, a bool and two tensors
 * (`tensor.one` F32 [2, 32] and `tensor.two` Q8_0 [3, 64]).
 */
export function smallGguf(extra: Record<string, GgufMetadataInput> = {}): Uint8Array {
  return writeGguf(
    {
      "general.architecture": "qwen3",
      "qwen3.block_count": { type: "u32", value: 6 },
      "tokenizer.ggml.tokens": ["hello", "wörld", "!"],
      "tokenizer.ggml.token_type": { type: "array", itemType: "i32", value: [1, 1, 3] },
      "general.name": "tiny",
      "general.flag": true,
      ...extra,
    },
    [
      { name: "tensor.one", type: GgmlType.F32, shape: [2, 32], data: filled(2 * 32 * 4, 1) },
      { name: "tensor.two", type: GgmlType.Q8_0, shape: [3, 64], data: filled(3 * 2 * 34, 7) },
    ],
  );
}

/** `length` bytes counting up from `seed`. */
export function filled(length: number, seed: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (seed + i) & 0xff);
}

/** Offset of the first occurrence of `needle` (UTF-8 text or bytes) in `haystack`. */
export function find(haystack: Uint8Array, needle: string | Uint8Array, from = 0): number {
  const bytes = typeof needle === "string" ? encoder.encode(needle) : needle;
  outer: for (let i = from; i <= haystack.length - bytes.length; i++) {
    for (let j = 0; j < bytes.length; j++) if (haystack[i + j] !== bytes[j]) continue outer;
    return i;
  }
  throw new Error(`${JSON.stringify(needle)} not found`);
}

/** Offset just past the (length-prefixed) string `text` as it is stored in a GGUF header. */
export function after(file: Uint8Array, text: string): number {
  const bytes = encoder.encode(text);
  const prefixed = new Uint8Array(8 + bytes.length);
  new DataView(prefixed.buffer).setBigUint64(0, BigInt(bytes.length), true);
  prefixed.set(bytes, 8);
  return find(file, prefixed) + prefixed.length;
}

/** A copy of `file` with little-endian `value` written at `offset` as a u32 or u64. */
export function patched(file: Uint8Array, offset: number, value: number | bigint, bytes: 4 | 8) {
  const copy = file.slice();
  const view = new DataView(copy.buffer);
  if (bytes === 4) view.setUint32(offset, Number(value), true);
  else view.setBigUint64(offset, BigInt(value), true);
  return copy;
}

/** A safetensors file from a header object and its data section (header padded per spec). */
export function safetensorsBytes(
  header: unknown,
  data: Uint8Array,
  rawHeader?: string,
): Uint8Array {
  let json = encoder.encode(rawHeader ?? JSON.stringify(header));
  const padded = new Uint8Array(Math.ceil(json.length / 8) * 8).fill(0x20);
  padded.set(json);
  json = padded;
  const file = new Uint8Array(8 + json.length + data.length);
  new DataView(file.buffer).setBigUint64(0, BigInt(json.length), true);
  file.set(json, 8);
  file.set(data, 8 + json.length);
  return file;
}
