/**
 * The shapes memory stores and returns: triples, facts, messages, preference pairs, pathways,
 * specialist statistics and claim verdicts. Types only; no behaviour.
 * @module
 */

/** A statement as (subject, predicate, object), optionally negated ("X is not a Y"). */
export interface Triple {
  subject: string;
  predicate: string;
  object: string;
  negated?: boolean;
}

/** A stored triple with what memory believes about it. */
export interface Fact {
  id: number;
  /** Normalised entity: NFC, lower case, single spaces, no leading article. */
  subject: string;
  predicate: string;
  object: string;
  negated: boolean;
  /** Belief in [0, 1]; repeated mentions raise it (noisy-OR), contradictions start lower. */
  confidence: number;
  /** How many times the triple was added. */
  mentions: number;
  /** Who first stated it: "user", "assistant", "api", "cli", "import", ... */
  source: string;
  createdAt: string;
  updatedAt: string;
  /** Id of the stronger fact this one conflicts with and lost to, if any. */
  supersededBy: number | null;
  /** Id of the fact this one contradicted when it was first stored, if any. */
  contradicts: number | null;
}

/** Filters for {@linkcode FactStore.query}; omitted fields match anything. */
export interface FactQuery {
  subject?: string;
  predicate?: string;
  object?: string;
  /** Only facts not superseded by a stronger conflicting fact. Default false (all facts). */
  currentOnly?: boolean;
  limit?: number;
  offset?: number;
}

/** How a claim in an answer stands against the knowledge graph. */
export type Verdict = "supported" | "contradicted" | "unknown";

/** One checked claim: the sentence, the triple read from it, the verdict and deciding facts. */
export interface ClaimVerdict {
  claim: string;
  triple: Triple;
  verdict: Verdict;
  evidence: Fact[];
}

/** Chat roles a stored message may have. */
export type MessageRole = "system" | "user" | "assistant" | "tool";

/** What {@linkcode ConversationStore.addMessage} takes. */
export interface MessageInput {
  role: MessageRole;
  content: string;
  specialist?: string;
  model?: string;
  /** Domain the router assigned (for specialist statistics); default "general". */
  domain?: string;
  /** The API response id (e.g. "chatcmpl-...") so feedback can name the response. */
  responseId?: string;
  promptTokens?: number;
  completionTokens?: number;
  latencyMs?: number;
  claims?: ClaimVerdict[];
}

/** A stored message. */
export interface Message {
  id: number;
  conversationId: number;
  role: MessageRole;
  content: string;
  specialist: string | null;
  model: string | null;
  domain: string | null;
  responseId: string | null;
  promptTokens: number | null;
  completionTokens: number | null;
  latencyMs: number | null;
  claims: ClaimVerdict[];
  createdAt: string;
}

/** A conversation without its messages, as listed. */
export interface ConversationSummary {
  id: number;
  model: string;
  specialist: string | null;
  title: string | null;
  messageCount: number;
  createdAt: string;
  updatedAt: string;
}

/** A conversation with (a page of) its messages. */
export interface Conversation extends ConversationSummary {
  messages: Message[];
}

/** A full-text hit in a message. */
export interface MessageHit {
  conversationId: number;
  messageId: number;
  role: MessageRole;
  /** The matching region with `[` `]` around the matched terms. */
  snippet: string;
}

/** A preference pair: for `prompt`, `chosen` is better than `rejected`. */
export interface PreferencePairInput {
  prompt: string;
  chosen: string;
  rejected: string;
  /** Where the pair came from: "feedback", "cloud", ... */
  source: string;
  specialist?: string;
  messageId?: number;
}

/** A stored preference pair. */
export interface PreferencePair
  extends Required<Omit<PreferencePairInput, "specialist" | "messageId">> {
  id: number;
  specialist: string | null;
  messageId: number | null;
  usedInTraining: boolean;
  usedAt: string | null;
  createdAt: string;
}

/** A learned association between a routing cue and a specialist. */
export interface Pathway {
  cue: string;
  specialist: string;
  /** In [-1, 1]: positive pulls requests with this cue toward the specialist. */
  weight: number;
  /** How many times the pathway was adjusted. */
  fires: number;
  lastFired: string | null;
}

/** Outcome of one request served by a specialist. */
export type Outcome = "success" | "failure";

/** Success/failure counts of a specialist in a domain. */
export interface SpecialistStats {
  specialist: string;
  domain: string;
  successes: number;
  failures: number;
  /** Laplace-smoothed success rate: (successes + 1) / (successes + failures + 2). */
  confidence: number;
  updatedAt: string | null;
}

/** What {@linkcode FeedbackStore.add} takes; at least one of rating, preferredText, comment. */
export interface FeedbackInput {
  messageId: number;
  /** In [-1, 1]: > 0 counts as a success for the specialist, < 0 as a failure. */
  rating?: number;
  /** A better answer than the message's content; becomes the chosen side of a pair. */
  preferredText?: string;
  comment?: string;
}

/** A stored feedback entry. */
export interface Feedback {
  id: number;
  messageId: number;
  rating: number | null;
  preferredText: string | null;
  comment: string | null;
  createdAt: string;
}
