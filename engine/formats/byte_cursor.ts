/**
 * A forward-only little-endian reader over a ByteSource that pulls the file in chunks, so a
 * header can be parsed without reading a multi-GB file into memory.
 * @module
 */
import { ModelFormatError } from "./errors.ts";
import type { ByteSource } from "./types.ts";

const DEFAULT_CHUNK_BYTES = 4 << 20;
const EMPTY = new Uint8Array(0);

/**
 * Sequential reads from a ByteSource. Callers check `has(n)` and `await fill(n, what)` before
 * the synchronous reads, which keeps tight loops (150k vocabulary strings) free of awaits.
 */
export class ByteCursor {
  readonly source: ByteSource;
  readonly name: string;
  #chunkBytes: number;
  #window: Uint8Array = EMPTY;
  #view: DataView = new DataView(EMPTY.buffer);
  #windowStart = 0;
  #position = 0;

  constructor(source: ByteSource, chunkBytes = DEFAULT_CHUNK_BYTES) {
    this.source = source;
    this.name = source.name ?? "model file";
    this.#chunkBytes = chunkBytes;
  }

  /** Absolute offset of the next byte to read. */
  get position(): number {
    return this.#position;
  }

  /** Bytes left between the position and the end of the source. */
  get remaining(): number {
    return this.source.size - this.#position;
  }

  /** Whether the next `n` bytes are already buffered. */
  has(n: number): boolean {
    return this.#position + n <= this.#windowStart + this.#window.byteLength;
  }

  /** A ModelFormatError for this source. */
  error(problem: string): ModelFormatError {
    return new ModelFormatError(this.name, problem);
  }

  /** Buffers the next `n` bytes; fails as "truncated … inside `what`" past the end. */
  async fill(n: number, what: string): Promise<void> {
    if (this.has(n)) return;
    if (n > this.remaining) {
      throw this.error(
        `truncated: the file ends at byte ${this.source.size} inside ${what} ` +
          `(needs ${n} bytes at byte ${this.#position})`,
      );
    }
    const length = Math.min(Math.max(n, this.#chunkBytes), this.remaining);
    this.#window = await this.source.read(this.#position, length);
    this.#view = new DataView(this.#window.buffer, this.#window.byteOffset, length);
    this.#windowStart = this.#position;
  }

  #take(n: number): number {
    const at = this.#position - this.#windowStart;
    this.#position += n;
    return at;
  }

  u8(): number {
    return this.#view.getUint8(this.#take(1));
  }
  i8(): number {
    return this.#view.getInt8(this.#take(1));
  }
  u16(): number {
    return this.#view.getUint16(this.#take(2), true);
  }
  i16(): number {
    return this.#view.getInt16(this.#take(2), true);
  }
  u32(): number {
    return this.#view.getUint32(this.#take(4), true);
  }
  i32(): number {
    return this.#view.getInt32(this.#take(4), true);
  }
  f32(): number {
    return this.#view.getFloat32(this.#take(4), true);
  }
  f64(): number {
    return this.#view.getFloat64(this.#take(8), true);
  }
  u64(): bigint {
    return this.#view.getBigUint64(this.#take(8), true);
  }
  i64(): bigint {
    return this.#view.getBigInt64(this.#take(8), true);
  }

  /** The next `n` buffered bytes as a view (valid until the next `fill`). */
  bytes(n: number): Uint8Array {
    const at = this.#take(n);
    return this.#window.subarray(at, at + n);
  }

  /** Moves forward `n` bytes without reading them. */
  skip(n: number): void {
    this.#position += n;
  }
}
