/**
 * Encodes GGUF header pieces (strings, typed metadata values) into a growable little-endian
 * buffer, checking that every number fits the type it is declared as.
 * @module
 */
import {
  GGUF_SCALAR_BYTES,
  GGUF_VALUE_TYPES,
  type GgufTypedValue,
  type GgufValueTypeName,
} from "./gguf_types.ts";

const encoder = new TextEncoder();

const INTEGER_RANGES: Readonly<Record<string, readonly [bigint, bigint]>> = {
  u8: [0n, 0xffn],
  i8: [-0x80n, 0x7fn],
  u16: [0n, 0xffffn],
  i16: [-0x8000n, 0x7fffn],
  u32: [0n, 0xffff_ffffn],
  i32: [-0x8000_0000n, 0x7fff_ffffn],
  u64: [0n, 0xffff_ffff_ffff_ffffn],
  i64: [-0x8000_0000_0000_0000n, 0x7fff_ffff_ffff_ffffn],
};

/** A byte buffer that grows as values are appended (little-endian). */
export class GgufByteWriter {
  #bytes = new Uint8Array(1 << 16);
  #view = new DataView(this.#bytes.buffer);
  #length = 0;

  /** Bytes written so far. */
  get length(): number {
    return this.#length;
  }

  /** A copy-free view of the bytes written so far. */
  bytes(): Uint8Array {
    return this.#bytes.subarray(0, this.#length);
  }

  /** Grows the buffer for `n` more bytes; read `#view`/`#bytes` only after calling it. */
  #reserve(n: number): number {
    const at = this.#length;
    if (at + n > this.#bytes.byteLength) {
      const grown = new Uint8Array(Math.max(this.#bytes.byteLength * 2, at + n));
      grown.set(this.#bytes.subarray(0, at));
      this.#bytes = grown;
      this.#view = new DataView(grown.buffer);
    }
    this.#length += n;
    return at;
  }

  u32(value: number): void {
    const at = this.#reserve(4);
    this.#view.setUint32(at, value, true);
  }

  u64(value: number | bigint): void {
    const at = this.#reserve(8);
    this.#view.setBigUint64(at, BigInt(value), true);
  }

  raw(bytes: Uint8Array): void {
    const at = this.#reserve(bytes.byteLength);
    this.#bytes.set(bytes, at);
  }

  /** A u64 length followed by the UTF-8 bytes. */
  string(value: string): void {
    const utf8 = encoder.encode(value);
    this.u64(utf8.byteLength);
    this.raw(utf8);
  }

  /** Zero bytes up to the next multiple of `alignment`. */
  pad(alignment: number): void {
    const padding = (alignment - (this.#length % alignment)) % alignment;
    this.#reserve(padding);
    this.#bytes.fill(0, this.#length - padding, this.#length);
  }

  /** One fixed-size value of `type`, range-checked; `where` names it in errors. */
  scalar(type: GgufValueTypeName, value: unknown, where: string): void {
    const at = this.#reserve(GGUF_SCALAR_BYTES[type]);
    const view = this.#view;
    if (type === "bool") {
      if (typeof value !== "boolean") {
        throw new TypeError(`${where}: expected a boolean, found ${typeof value}`);
      }
      return view.setUint8(at, value ? 1 : 0);
    }
    if (type === "f32" || type === "f64") {
      if (typeof value !== "number") {
        throw new TypeError(`${where}: expected a number, found ${typeof value}`);
      }
      return type === "f32" ? view.setFloat32(at, value, true) : view.setFloat64(at, value, true);
    }
    const n = checkInteger(type, value, where);
    switch (type) {
      case "u8":
      case "i8":
        return view.setUint8(at, Number(BigInt.asUintN(8, n)));
      case "u16":
      case "i16":
        return view.setUint16(at, Number(BigInt.asUintN(16, n)), true);
      case "u32":
      case "i32":
        return view.setUint32(at, Number(BigInt.asUintN(32, n)), true);
      default:
        return view.setBigUint64(at, BigInt.asUintN(64, n), true);
    }
  }

  /** A value type id followed by the value. */
  typedValue(typed: GgufTypedValue, where: string): void {
    this.u32(typeId(typed.type, where));
    this.value(typed, where);
  }

  value(typed: GgufTypedValue, where: string): void {
    if (typed.type === "string") {
      if (typeof typed.value !== "string") throw new TypeError(`${where}: expected a string`);
      return this.string(typed.value);
    }
    if (typed.type !== "array") return this.scalar(typed.type, typed.value, where);
    this.u32(typeId(typed.itemType, `${where} items`));
    const items = typed.value;
    this.u64(items.length);
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      if (typed.itemType === "string") this.#stringItem(item, `${where} item ${i}`);
      else if (typed.itemType === "array") this.value(item as GgufTypedValue, `${where} item ${i}`);
      else this.scalar(typed.itemType, item, `${where} item ${i}`);
    }
  }

  #stringItem(item: unknown, where: string): void {
    if (typeof item !== "string") {
      throw new TypeError(`${where}: expected a string, found ${typeof item}`);
    }
    this.string(item);
  }
}

function typeId(type: GgufValueTypeName, where: string): number {
  const id = GGUF_VALUE_TYPES.indexOf(type);
  if (id < 0) throw new TypeError(`${where}: unknown GGUF value type "${type}"`);
  return id;
}

function checkInteger(type: GgufValueTypeName, value: unknown, where: string): bigint {
  if (typeof value === "number" && !Number.isSafeInteger(value)) {
    throw new RangeError(`${where}: ${value} is not a safe integer for a ${type}`);
  }
  if (typeof value !== "number" && typeof value !== "bigint") {
    throw new TypeError(`${where}: expected an integer for a ${type}, found ${typeof value}`);
  }
  const n = BigInt(value);
  const [min, max] = INTEGER_RANGES[type];
  if (n < min || n > max) throw new RangeError(`${where}: ${n} does not fit a ${type}`);
  return n;
}
