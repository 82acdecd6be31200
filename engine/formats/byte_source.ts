/**
 * Random-access byte sources for the readers: a file read with seek + read (short reads
 * handled), or an in-memory buffer such as the embedded default model.
 * @module
 */
import { ModelFormatError } from "./errors.ts";
import type { ByteSource } from "./types.ts";

function checkRange(name: string, size: number, offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
    throw new RangeError(`${name}: read of ${length} bytes at ${offset} is not a valid range`);
  }
  if (offset + length > size) {
    throw new RangeError(
      `${name}: read of ${length} bytes at byte ${offset} ends past the end (${size} bytes)`,
    );
  }
}

/**
 * Opens `path` for random-access reads. Reads are serialized on the one file handle (seek and
 * read are two calls, so concurrent reads would otherwise interleave). Close it when done.
 *
 * @example
 * ```ts ignore
 * const source = await openFileSource("model.gguf");
 * const magic = await source.read(0, 4);
 * source.close();
 * ```
 */
export async function openFileSource(path: string): Promise<ByteSource> {
  const file = await Deno.open(path, { read: true });
  let size: number;
  try {
    const info = await file.stat();
    if (!info.isFile) throw new TypeError(`${path} is not a regular file`);
    size = info.size;
  } catch (error) {
    file.close();
    throw error;
  }
  let closed = false;
  let tail: Promise<unknown> = Promise.resolve();

  async function readExactly(offset: number, length: number): Promise<Uint8Array> {
    const bytes = new Uint8Array(length);
    await file.seek(offset, Deno.SeekMode.Start);
    let filled = 0;
    while (filled < length) {
      const n = await file.read(bytes.subarray(filled));
      if (n === null) {
        throw new ModelFormatError(
          path,
          `truncated: file ended at byte ${offset + filled} while reading ${length} bytes at ` +
            `${offset}; it was ${size} bytes when opened (changed on disk?)`,
        );
      }
      filled += n;
    }
    return bytes;
  }

  return {
    name: path,
    size,
    read(offset: number, length: number): Promise<Uint8Array> {
      if (closed) return Promise.reject(new Deno.errors.BadResource(`${path} is closed`));
      try {
        checkRange(path, size, offset, length);
      } catch (error) {
        return Promise.reject(error);
      }
      const result = tail.then(() => readExactly(offset, length));
      tail = result.catch(() => {});
      return result;
    },
    close(): void {
      if (closed) return;
      closed = true;
      file.close();
    },
  };
}

/**
 * A source over bytes already in memory. Reads return views into `bytes` (no copy), so callers
 * must not write to them; their `byteOffset` may be unaligned.
 *
 * @example
 * ```ts
 * import { memorySource } from "./byte_source.ts";
 * const source = memorySource(new Uint8Array([1, 2, 3, 4]));
 * const middle = await source.read(1, 2);
 * console.assert(middle[0] === 2 && middle[1] === 3);
 * ```
 */
export function memorySource(bytes: Uint8Array, name = "memory"): ByteSource {
  let closed = false;
  return {
    name,
    size: bytes.byteLength,
    read(offset: number, length: number): Promise<Uint8Array> {
      if (closed) return Promise.reject(new Deno.errors.BadResource(`${name} is closed`));
      try {
        checkRange(name, bytes.byteLength, offset, length);
      } catch (error) {
        return Promise.reject(error);
      }
      return Promise.resolve(bytes.subarray(offset, offset + length));
    },
    close(): void {
      closed = true;
    },
  };
}
