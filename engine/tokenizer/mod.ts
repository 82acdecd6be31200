/**
 * Tokenizers for synapse models: text to ids and back (from tokenizer.json or GGUF metadata),
 * chat templates rendered under limits, and the streaming helpers generation needs.
 * @module
 */
export { ChatTemplateError, TokenizerError } from "./errors.ts";
export { END_OF_TURN_TOKENS, Tokenizer } from "./tokenizer.ts";
export type { DecodeOptions, EncodeOptions, TokenizerExtras } from "./tokenizer.ts";
export { ChatTemplate, DEFAULT_CHAT_TEMPLATE_LIMITS } from "./chat_template.ts";
export type { ChatTemplateLimits } from "./chat_template.ts";
export { IncrementalDecoder } from "./incremental_decoder.ts";
export type { TokenDecoder } from "./incremental_decoder.ts";
export { StopStringMatcher } from "./stop_string_matcher.ts";
export type { StopMatch } from "./stop_string_matcher.ts";
