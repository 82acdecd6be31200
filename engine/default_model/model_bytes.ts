/**
 * The embedded model's bytes as a static byte import. Kept apart from `mod.ts`, which imports
 * this module dynamically: `deno bundle` then inlines the bytes into a lazily initialised ES
 * module, where a dynamic import of the .gguf itself became a CommonJS wrapper whose conversion
 * enumerates all 28M indices ("Too many properties to enumerate").
 * @module
 */
import bytes from "./tiny-qwen3-q8_0.gguf" with { type: "bytes" };

/** The GGUF bytes of the embedded model. */
export const DEFAULT_MODEL_BYTES: Uint8Array = bytes;
