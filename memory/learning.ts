/**
 * What memory does with a finished chat turn: check an answer's claims against the graph
 * (before learning from it, so an answer cannot vouch for itself), store the message with its
 * verdicts, then learn the facts the turn states.
 * @module
 */
import { checkClaims } from "./claim_check.ts";
import { canonicalTriple } from "./fact_rows.ts";
import { ruleBasedExtractor, type TripleExtractor } from "./extractor.ts";
import type { MemoryStore } from "./memory_store.ts";
import type { ClaimVerdict, Fact, MessageInput, MessageRole, Triple } from "./types.ts";

/** Confidence of a fact first heard from each kind of speaker. */
export const SOURCE_CONFIDENCE: Readonly<Record<MessageRole | "cloud", number>> = {
  user: 0.6,
  assistant: 0.4,
  cloud: 0.5,
  system: 0.5,
  tool: 0.5,
};

/** Options of {@linkcode learnFacts}. */
export interface LearnOptions {
  /** Default: the rule-based extractor. */
  extractor?: TripleExtractor;
  /** Source recorded on the facts. Default "user". */
  source?: string;
  /** Confidence of a first mention. Default from SOURCE_CONFIDENCE for the source, else 0.5. */
  confidence?: number;
}

/** What {@linkcode learnFacts} did. */
export interface LearnResult {
  facts: Fact[];
  /** Problems that did not stop learning (extractor failure → rules used; invalid triples). */
  warnings: string[];
}

/**
 * Extracts triples from `text` and adds them (one transaction). If a custom extractor throws,
 * the rule-based one is used instead and a warning says so; triples that fail validation are
 * skipped with a warning.
 */
export async function learnFacts(
  store: MemoryStore,
  text: string,
  options: LearnOptions = {},
): Promise<LearnResult> {
  const warnings: string[] = [];
  const extractor = options.extractor ?? ruleBasedExtractor;
  let triples: Triple[];
  try {
    triples = await extractor.extract(text);
  } catch (error) {
    if (extractor === ruleBasedExtractor) throw error;
    warnings.push(`extractor failed (${(error as Error).message}); used the rule-based one`);
    triples = await ruleBasedExtractor.extract(text);
  }
  const valid = triples.filter((t, i) => {
    try {
      canonicalTriple(t);
      return true;
    } catch (error) {
      warnings.push(`triple ${i} skipped: ${(error as Error).message}`);
      return false;
    }
  });
  const source = options.source ?? "user";
  const confidence = options.confidence ??
    (Object.hasOwn(SOURCE_CONFIDENCE, source) ? SOURCE_CONFIDENCE[source as MessageRole] : 0.5);
  const facts = valid.length ? store.facts.addMany(valid, { source, confidence }) : [];
  return { facts, warnings };
}

/** Options of {@linkcode recordTurn}. */
export interface TurnOptions {
  extractor?: TripleExtractor;
  /** Check the message's claims. Default: true for assistant messages. */
  check?: boolean;
  /** Learn facts from the message. Default: true for user and assistant messages. */
  learn?: boolean;
  /** Evidence threshold for the check (see checkClaims). */
  minConfidence?: number;
}

/** What {@linkcode recordTurn} stored. */
export interface TurnRecord {
  messageId: number;
  claims: ClaimVerdict[];
  facts: Fact[];
  warnings: string[];
}

/**
 * Stores one chat turn: checks its claims first (assistant turns), stores the message with the
 * verdicts, then learns its facts with the role as source. Return `claims` to the API caller
 * (e.g. as the response's `synapse.claims`).
 */
export async function recordTurn(
  store: MemoryStore,
  conversationId: number,
  message: MessageInput,
  options: TurnOptions = {},
): Promise<TurnRecord> {
  const check = options.check ?? message.role === "assistant";
  const learn = options.learn ?? (message.role === "assistant" || message.role === "user");
  const claims = check
    ? checkClaims(store, message.content, { minConfidence: options.minConfidence })
    : message.claims ?? [];
  const messageId = store.conversations.addMessage(conversationId, { ...message, claims });
  if (!learn) return { messageId, claims, facts: [], warnings: [] };
  const { facts, warnings } = await learnFacts(store, message.content, {
    extractor: options.extractor,
    source: message.role,
  });
  return { messageId, claims, facts, warnings };
}
