/**
 * The one error every model-file reader throws for a malformed or unsupported file.
 * @module
 */

/**
 * A model file (GGUF, safetensors, a sharded index) is malformed, truncated or uses something
 * synapse cannot load. The message starts with the file's name and says what was expected and
 * what was found.
 *
 * @example
 * ```ts
 * import { ModelFormatError } from "./errors.ts";
 * const error = new ModelFormatError("tiny.gguf", "not a GGUF file (magic \"PK\\x03\\x04\")");
 * console.assert(error.message === 'tiny.gguf: not a GGUF file (magic "PK\\x03\\x04")');
 * ```
 */
export class ModelFormatError extends Error {
  /** The file (or source name) the problem was found in. */
  readonly file: string;

  constructor(file: string, problem: string, options?: ErrorOptions) {
    super(`${file}: ${problem}`, options);
    this.name = "ModelFormatError";
    this.file = file;
  }
}
