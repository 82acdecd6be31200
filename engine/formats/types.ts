/**
 * What every model-file reader produces: named tensors in their file encoding, read lazily,
 * so a multi-GB model can be streamed to the GPU one tensor at a time.
 * @module
 */
import type { GgmlType } from "../../kernels/mod.ts";

/** Random-access bytes: a file on disk or an in-memory buffer (the embedded model). */
export interface ByteSource {
  /** Where the bytes come from (a path, or a label like "memory"), for error messages. */
  readonly name?: string;
  /** Total size in bytes. */
  readonly size: number;
  /** Exactly `length` bytes from `offset`; rejects when the range is outside the source. */
  read(offset: number, length: number): Promise<Uint8Array>;
  /** Releases the file handle, if any. Idempotent. */
  close(): void;
}

/**
 * One tensor in a model file.
 * `shape` is outermost-first (PyTorch order): a linear weight is `[outFeatures, inFeatures]`,
 * so each of the `shape[0]` rows holds `shape[1]` elements encoded as `type`.
 * (GGUF stores dims innermost-first; readers reverse them.)
 */
export interface TensorEntry {
  readonly name: string;
  readonly type: GgmlType;
  readonly shape: readonly number[];
  /** Bytes of encoded data, validated against shape and type by the reader. */
  readonly byteLength: number;
  /** The encoded bytes, exactly `byteLength` long. */
  read(): Promise<Uint8Array>;
}
