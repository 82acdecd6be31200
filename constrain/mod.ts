/**
 * Constrained decoding: JSON Schema (or any JSON object) compiled to a character grammar, and
 * the per-step allowed-token bitmask the engine's `TokenConstraint` asks for.
 * @module
 */
export {
  anyObjectGrammar,
  compileSchema,
  SCHEMA_LIMITS,
  SchemaUnsupportedError,
} from "./schema.ts";
export type { GrammarNode, PropertyRule } from "./nodes.ts";
export { advance, canEnd, initialState, isDone } from "./grammar.ts";
export type { GrammarState } from "./grammar.ts";
export { buildMask, hasBit, setBit } from "./mask.ts";
export { vocabOf } from "./vocab.ts";
export type { ConstraintVocab, TokenDecoder } from "./vocab.ts";
export { JsonConstraint } from "./constraint.ts";
export type { AllowedTokens } from "./constraint.ts";
