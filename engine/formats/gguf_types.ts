/**
 * GGUF's fixed numbers (magic, value type ids, limits) and the shapes of its metadata values,
 * shared by the reader and the writer so the two agree on every byte.
 * @module
 */

/** "GGUF" read as a little-endian u32. */
export const GGUF_MAGIC = 0x46554747;
/** Tensor data alignment when `general.alignment` is absent. */
export const GGUF_DEFAULT_ALIGNMENT = 32;
/** The version the writer produces; the reader accepts 2 and 3 (same layout). */
export const GGUF_VERSION = 3;

/**
 * Bounds the reader enforces before allocating anything a header declares. Real files stay far
 * below them (a 150k-token vocabulary is ~4 MB of strings; llama.cpp caps names at 64 bytes).
 */
export const GGUF_LIMITS = {
  maxTensors: 1_000_000,
  maxKeys: 1_000_000,
  maxDims: 4,
  maxKeyBytes: 65_536,
  maxTensorNameBytes: 1_024,
  maxStringBytes: 64 << 20,
  maxArrayBytes: 256 << 20,
  maxArrayNesting: 8,
  maxAlignment: 1 << 20,
} as const;

/** Numeric value types that fit a JS number exactly. */
export type GgufNumberType = "u8" | "i8" | "u16" | "i16" | "u32" | "i32" | "f32" | "f64";
/** 64-bit integer types: a number when `Number.isSafeInteger`, else a bigint. */
export type GgufBigIntType = "u64" | "i64";
/** Every GGUF value type, named as the writer takes them. */
export type GgufValueTypeName = GgufNumberType | GgufBigIntType | "bool" | "string" | "array";

/** Value type names indexed by their GGUF id (gguf_type). */
export const GGUF_VALUE_TYPES: readonly GgufValueTypeName[] = [
  "u8",
  "i8",
  "u16",
  "i16",
  "u32",
  "i32",
  "f32",
  "bool",
  "string",
  "array",
  "u64",
  "i64",
  "f64",
];

/** Bytes of one fixed-size value (string and array have no fixed size). */
export const GGUF_SCALAR_BYTES: Readonly<Record<string, number>> = {
  u8: 1,
  i8: 1,
  u16: 2,
  i16: 2,
  u32: 4,
  i32: 4,
  f32: 4,
  bool: 1,
  u64: 8,
  i64: 8,
  f64: 8,
};

/** Arrays of fixed-size numbers come back as the matching typed array. */
export type GgufNumericArray =
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | Float32Array
  | Float64Array;

/** A metadata value as the reader returns it, without its GGUF type. */
export type GgufValue =
  | number
  | bigint
  | boolean
  | string
  | GgufNumericArray
  | (number | bigint)[]
  | boolean[]
  | string[]
  | GgufValue[];

/** An array value with its element type; nested arrays carry their own element types. */
export type GgufTypedArray =
  | { readonly type: "array"; readonly itemType: GgufNumberType; readonly value: ArrayLike<number> }
  | {
    readonly type: "array";
    readonly itemType: GgufBigIntType;
    readonly value: ArrayLike<number | bigint>;
  }
  | { readonly type: "array"; readonly itemType: "bool"; readonly value: ArrayLike<boolean> }
  | { readonly type: "array"; readonly itemType: "string"; readonly value: ArrayLike<string> }
  | {
    readonly type: "array";
    readonly itemType: "array";
    readonly value: ArrayLike<GgufTypedArray>;
  };

/**
 * A metadata value with its GGUF type, since a JS number alone cannot say whether it is a u32
 * or an f32. The reader returns these in `typedMetadata`; the writer takes them.
 *
 * @example
 * ```ts
 * import type { GgufTypedValue } from "./gguf_types.ts";
 * const blocks: GgufTypedValue = { type: "u32", value: 6 };
 * const tokens: GgufTypedValue = { type: "array", itemType: "string", value: ["a", "b"] };
 * console.assert(blocks.value === 6 && tokens.value.length === 2);
 * ```
 */
export type GgufTypedValue =
  | { readonly type: GgufNumberType; readonly value: number }
  | { readonly type: GgufBigIntType; readonly value: number | bigint }
  | { readonly type: "bool"; readonly value: boolean }
  | { readonly type: "string"; readonly value: string }
  | GgufTypedArray;
