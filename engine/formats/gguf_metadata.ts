/**
 * Reads GGUF metadata key/value pairs from a ByteCursor, checking every declared length and
 * count against the bytes that remain before allocating for it.
 * @module
 */
import type { ByteCursor } from "./byte_cursor.ts";
import {
  GGUF_LIMITS,
  GGUF_SCALAR_BYTES,
  GGUF_VALUE_TYPES,
  type GgufNumericArray,
  type GgufTypedArray,
  type GgufTypedValue,
  type GgufValue,
  type GgufValueTypeName,
} from "./gguf_types.ts";

/** Metadata in both forms: plain values, and the same values with their GGUF types. */
export interface GgufMetadata {
  metadata: Map<string, GgufValue>;
  typedMetadata: Map<string, GgufTypedValue>;
}

const decoder = new TextDecoder();
const TWO_POW_32 = 2 ** 32;

/** The plain value of a typed value (nested arrays become arrays of plain values). */
export function plainGgufValue(typed: GgufTypedValue): GgufValue {
  if (typed.type === "array" && typed.itemType === "array") {
    return Array.from(typed.value, plainGgufValue);
  }
  return typed.value as GgufValue;
}

/** Reads `count` key/value pairs; duplicate keys are an error. */
export async function readGgufMetadata(cursor: ByteCursor, count: number): Promise<GgufMetadata> {
  const metadata = new Map<string, GgufValue>();
  const typedMetadata = new Map<string, GgufTypedValue>();
  for (let i = 0; i < count; i++) {
    const key = await readGgufString(cursor, `metadata key #${i}`, GGUF_LIMITS.maxKeyBytes);
    if (typedMetadata.has(key)) throw cursor.error(`metadata key "${key}" appears twice`);
    const what = `the value of metadata key "${key}"`;
    await cursor.fill(4, what);
    const typeName = valueTypeName(cursor, cursor.u32(), what);
    const typed = await readValue(cursor, typeName, what, 0);
    typedMetadata.set(key, typed);
    metadata.set(key, plainGgufValue(typed));
  }
  return { metadata, typedMetadata };
}

/** Reads a u64-length-prefixed UTF-8 string of at most `maxBytes` bytes. */
export async function readGgufString(
  cursor: ByteCursor,
  what: string,
  maxBytes: number,
): Promise<string> {
  if (!cursor.has(8)) await cursor.fill(8, what);
  const length = checkStringLength(cursor, cursor.u32(), cursor.u32(), what, maxBytes);
  if (!cursor.has(length)) await cursor.fill(length, what);
  return decoder.decode(cursor.bytes(length));
}

function checkStringLength(
  cursor: ByteCursor,
  low: number,
  high: number,
  what: string,
  maxBytes: number,
): number {
  const length = high * TWO_POW_32 + low;
  if (high < 0x200000 && length <= maxBytes && length <= cursor.remaining) return length;
  const exact = (BigInt(high) << 32n) | BigInt(low);
  const bound = Math.min(maxBytes, cursor.remaining);
  throw cursor.error(
    `${what} declares a string of ${exact} bytes, but at most ${bound} are possible ` +
      `(${cursor.remaining} bytes remain, limit ${maxBytes})`,
  );
}

function valueTypeName(cursor: ByteCursor, id: number, what: string): GgufValueTypeName {
  const name = GGUF_VALUE_TYPES[id];
  if (name === undefined) {
    throw cursor.error(`${what} has unknown value type id ${id} (expected 0 to 12)`);
  }
  return name;
}

async function readValue(
  cursor: ByteCursor,
  type: GgufValueTypeName,
  what: string,
  depth: number,
): Promise<GgufTypedValue> {
  if (type === "string") {
    return { type, value: await readGgufString(cursor, what, GGUF_LIMITS.maxStringBytes) };
  }
  if (type === "array") return await readArray(cursor, what, depth);
  await cursor.fill(GGUF_SCALAR_BYTES[type], what);
  switch (type) {
    case "bool":
      return { type, value: readBool(cursor, what) };
    case "u64":
      return { type, value: toSafeNumber(cursor.u64()) };
    case "i64":
      return { type, value: toSafeNumber(cursor.i64()) };
    default:
      return { type, value: readNumber(cursor, type) };
  }
}

function readNumber(cursor: ByteCursor, type: GgufValueTypeName): number {
  switch (type) {
    case "u8":
      return cursor.u8();
    case "i8":
      return cursor.i8();
    case "u16":
      return cursor.u16();
    case "i16":
      return cursor.i16();
    case "u32":
      return cursor.u32();
    case "i32":
      return cursor.i32();
    case "f32":
      return cursor.f32();
    default:
      return cursor.f64();
  }
}

function readBool(cursor: ByteCursor, what: string): boolean {
  const byte = cursor.u8();
  if (byte > 1) throw cursor.error(`${what} is a bool stored as ${byte} (expected 0 or 1)`);
  return byte === 1;
}

function toSafeNumber(value: bigint): number | bigint {
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : value;
}

async function readArray(
  cursor: ByteCursor,
  what: string,
  depth: number,
): Promise<GgufTypedArray> {
  if (depth >= GGUF_LIMITS.maxArrayNesting) {
    throw cursor.error(`${what} nests arrays deeper than ${GGUF_LIMITS.maxArrayNesting} levels`);
  }
  await cursor.fill(12, what);
  const itemType = valueTypeName(cursor, cursor.u32(), `an array item in ${what}`);
  const declared = cursor.u64();
  const minItemBytes = itemType === "string" ? 8 : itemType === "array" ? 12 : 0;
  const itemBytes = GGUF_SCALAR_BYTES[itemType] ?? minItemBytes;
  if (declared * BigInt(itemBytes) > BigInt(cursor.remaining)) {
    throw cursor.error(
      `${what} declares an array of ${declared} ${itemType} items, which needs at least ` +
        `${declared * BigInt(itemBytes)} bytes, but only ${cursor.remaining} remain`,
    );
  }
  const count = Number(declared);
  if (itemType === "string") {
    return { type: "array", itemType, value: await readStrings(cursor, count, what) };
  }
  if (itemType === "array") {
    const items: GgufTypedArray[] = [];
    for (let i = 0; i < count; i++) items.push(await readArray(cursor, what, depth + 1));
    return { type: "array", itemType, value: items };
  }
  if (count * itemBytes > GGUF_LIMITS.maxArrayBytes) {
    throw cursor.error(
      `${what} is an array of ${count * itemBytes} bytes (limit ${GGUF_LIMITS.maxArrayBytes})`,
    );
  }
  await cursor.fill(count * itemBytes, what);
  return readFixedArray(cursor, itemType, count, what);
}

async function readStrings(cursor: ByteCursor, count: number, what: string): Promise<string[]> {
  const strings = new Array<string>(count);
  for (let i = 0; i < count; i++) {
    if (!cursor.has(8)) await cursor.fill(8, what);
    const length = checkStringLength(
      cursor,
      cursor.u32(),
      cursor.u32(),
      what,
      GGUF_LIMITS.maxStringBytes,
    );
    if (!cursor.has(length)) await cursor.fill(length, what);
    strings[i] = decoder.decode(cursor.bytes(length));
  }
  return strings;
}

function readFixedArray(
  cursor: ByteCursor,
  itemType: Exclude<GgufValueTypeName, "string" | "array">,
  count: number,
  what: string,
): GgufTypedArray {
  switch (itemType) {
    case "bool":
      return {
        type: "array",
        itemType,
        value: Array.from({ length: count }, () => readBool(cursor, what)),
      };
    case "u64":
      return {
        type: "array",
        itemType,
        value: Array.from({ length: count }, () => toSafeNumber(cursor.u64())),
      };
    case "i64":
      return {
        type: "array",
        itemType,
        value: Array.from({ length: count }, () => toSafeNumber(cursor.i64())),
      };
    default: {
      const values = newNumericArray(itemType, count);
      for (let i = 0; i < count; i++) values[i] = readNumber(cursor, itemType);
      return { type: "array", itemType, value: values };
    }
  }
}

function newNumericArray(type: GgufValueTypeName, count: number): GgufNumericArray {
  switch (type) {
    case "u8":
      return new Uint8Array(count);
    case "i8":
      return new Int8Array(count);
    case "u16":
      return new Uint16Array(count);
    case "i16":
      return new Int16Array(count);
    case "u32":
      return new Uint32Array(count);
    case "i32":
      return new Int32Array(count);
    case "f32":
      return new Float32Array(count);
    default:
      return new Float64Array(count);
  }
}
