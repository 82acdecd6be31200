/**
 * The errors the tokenizer folder throws: one for vocabularies and tokenizer files, one for chat
 * templates (which are code shipped with a model and may be broken or hostile).
 * @module
 */

/**
 * A tokenizer could not be built: a missing or malformed `tokenizer.json`, GGUF tokenizer
 * metadata that is absent or inconsistent, or a tokenizer type synapse does not support yet.
 *
 * @example
 * ```ts
 * import { TokenizerError } from "./errors.ts";
 * const error = new TokenizerError('tokenizer.ggml.model "llama" (SentencePiece) is not supported yet');
 * console.assert(error.name === "TokenizerError");
 * ```
 */
export class TokenizerError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "TokenizerError";
  }
}

/**
 * A chat prompt could not be rendered: the model has no chat template, the template does not
 * parse, it raised an exception, or it ran past a limit (output size, steps, time).
 *
 * @example
 * ```ts
 * import { ChatTemplateError } from "./errors.ts";
 * const error = new ChatTemplateError("the model has no chat template; use --raw");
 * console.assert(error instanceof Error && error.name === "ChatTemplateError");
 * ```
 */
export class ChatTemplateError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ChatTemplateError";
  }
}
