/**
 * The hallucination check: split an answer into claims, read a triple from each, and judge it
 * against the knowledge graph as supported, contradicted or unknown, with the deciding facts.
 * @module
 */
import { extractFromSentence } from "./extractor.ts";
import type { MemoryStore } from "./memory_store.ts";
import { isFunctional } from "./predicates.ts";
import { splitSentences } from "./sentences.ts";
import type { ClaimVerdict, Fact, Triple, Verdict } from "./types.ts";

/** Options of {@linkcode checkClaims}. */
export interface CheckOptions {
  /** Facts below this confidence are not evidence. Default 0.5. */
  minConfidence?: number;
  /** Most verdicts returned (one per claim triple). Default 100. */
  maxClaims?: number;
}

const MAX_EVIDENCE = 5;
const GROUP_LIMIT = 200;

/**
 * Checks every factual claim of `answer` against `store`'s facts. Sentences the extractor reads
 * no triple from are not claims and get no verdict. A claim is supported when the strongest
 * agreeing fact outweighs the strongest conflicting one, contradicted in the opposite case,
 * unknown when neither exists or they tie.
 * @example
 * ```ts
 * import { checkClaims, MemoryStore } from "./mod.ts";
 * const store = MemoryStore.open(":memory:");
 * store.facts.add({ subject: "France", predicate: "capital", object: "Paris" });
 * checkClaims(store, "The capital of France is Lyon.")[0].verdict; // "contradicted"
 * store.close();
 * ```
 */
export function checkClaims(
  store: MemoryStore,
  answer: string,
  options: CheckOptions = {},
): ClaimVerdict[] {
  const minConfidence = options.minConfidence ?? 0.5;
  const maxClaims = options.maxClaims ?? 100;
  const verdicts: ClaimVerdict[] = [];
  for (const sentence of splitSentences(answer)) {
    for (const triple of extractFromSentence(sentence)) {
      if (verdicts.length >= maxClaims) return verdicts;
      verdicts.push(judge(store, sentence, triple, minConfidence));
    }
  }
  return verdicts;
}

/** How a stored fact bears on a claim: for it, against it, or not at all. */
export function bearing(claim: Triple, fact: Fact): "supports" | "opposes" | "none" {
  if (fact.subject !== claim.subject || fact.predicate !== claim.predicate) return "none";
  const claimNegated = claim.negated === true;
  if (fact.object === claim.object) return fact.negated === claimNegated ? "supports" : "opposes";
  if (!isFunctional(claim.predicate) || fact.negated) return "none";
  // Functional predicate, a different object is known to hold:
  // "born in Ulm" opposes "born in Berlin" and supports "not born in Berlin".
  return claimNegated ? "supports" : "opposes";
}

function judge(
  store: MemoryStore,
  claim: string,
  triple: Triple,
  minConfidence: number,
): ClaimVerdict {
  const facts = store.facts.query({
    subject: triple.subject,
    predicate: triple.predicate,
    limit: GROUP_LIMIT,
  }).filter((f) => f.confidence >= minConfidence);
  const supporting = facts.filter((f) => bearing(triple, f) === "supports");
  const opposing = facts.filter((f) => bearing(triple, f) === "opposes");
  const support = supporting[0]?.confidence ?? 0; // query returns strongest first
  const opposition = opposing[0]?.confidence ?? 0;
  let verdict: Verdict = "unknown";
  let evidence: Fact[] = [...supporting, ...opposing];
  if (support > opposition) [verdict, evidence] = ["supported", supporting];
  else if (opposition > support) [verdict, evidence] = ["contradicted", opposing];
  return { claim, triple, verdict, evidence: evidence.slice(0, MAX_EVIDENCE) };
}
