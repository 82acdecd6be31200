/**
 * memory/: the swarm's crash-safe SQLite memory — knowledge graph, conversations, preference
 * pairs, pathways, specialist statistics, feedback — plus fact extraction and the claim check.
 * @module
 */
export { MemoryStore, type MemoryStoreOptions } from "./memory_store.ts";
export {
  type AddFactOptions,
  CONTRADICTION_PENALTY,
  DEFAULT_CONFIDENCE,
  FactStore,
  reinforce,
} from "./fact_store.ts";
export { type ConversationInput, ConversationStore } from "./conversation_store.ts";
export { type PreferenceQuery, PreferenceStore } from "./preference_store.ts";
export { PATHWAY_WEIGHT_RANGE, PathwayStore } from "./pathway_store.ts";
export { SpecialistStatsStore, successRate } from "./specialist_stats_store.ts";
export { FeedbackStore } from "./feedback_store.ts";
export { extractFacts, ruleBasedExtractor, type TripleExtractor } from "./extractor.ts";
export {
  type ConstrainedGenerate,
  extractionPrompt,
  ModelExtractionError,
  modelTripleExtractor,
  parseTriples,
  TRIPLES_SCHEMA,
} from "./model_extractor.ts";
export { bearing, checkClaims, type CheckOptions } from "./claim_check.ts";
export {
  learnFacts,
  type LearnOptions,
  type LearnResult,
  recordTurn,
  SOURCE_CONFIDENCE,
  type TurnOptions,
  type TurnRecord,
} from "./learning.ts";
export {
  type ChatExchange,
  type ChatMessage,
  type ChatRecord,
  recordChat,
  transcriptFingerprint,
} from "./chat_log.ts";
export {
  type FeedbackOutcome,
  type FeedbackRequest,
  outcomeOf,
  recordFeedback,
} from "./feedback_learning.ts";
export {
  byteLines,
  exportFacts,
  type FactRecord,
  importFacts,
  type ImportReport,
} from "./jsonl.ts";
export { canonicalPredicate, FUNCTIONAL_PREDICATES, isFunctional } from "./predicates.ts";
export { normalizeEntity } from "./text.ts";
export { toFtsQuery } from "./fts_query.ts";
export { splitSentences } from "./sentences.ts";
export { APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION } from "./schema.ts";
export * from "./limits.ts";
export {
  MemoryBusyError,
  MemoryError,
  MemoryInputError,
  MemoryNotFoundError,
  MemoryOpenError,
  SchemaVersionError,
} from "./errors.ts";
export type * from "./types.ts";
