/**
 * Fact extraction from chat turns. `TripleExtractor` is the seam; `extractFacts` is the
 * rule-based default: English statement forms only, anything else passes through untouched.
 * @module
 */
import { EXTRACTION_RULES } from "./extraction_rules.ts";
import { canonicalPredicate } from "./predicates.ts";
import { splitSentences } from "./sentences.ts";
import { normalizeEntity } from "./text.ts";
import type { Triple } from "./types.ts";

/** Anything that reads triples out of text (rules, or a model under a JSON schema). */
export interface TripleExtractor {
  extract(text: string): Promise<Triple[]>;
}

const MAX_SUBJECT_WORDS = 8;
const MAX_OBJECT_WORDS = 12;
/** Longer sentences are not simple statements; skipping them also bounds regex work. */
const MAX_SENTENCE_CHARS = 400;
const PRONOUNS = new Set(
  ("i me you he she it we they this that these those there here who what which one someone " +
    "something everything nothing everyone anyone it's that's there's he's she's").split(" "),
);
const QUESTION_START =
  /^(?:is|are|was|were|do|does|did|can|could|would|should|will|who|what|where|when|why|how|which)\b/i;
const SUBORDINATE_START =
  /^(?:if|when|whether|suppose|assume|imagine|unless|although|though|because|since|while|once)\b/i;
const HEDGES =
  /\b(?:probably|possibly|maybe|perhaps|likely|allegedly|reportedly|might|may|could)\b/i;
const DISCOURSE =
  /^(?:(?:yes|no|well|so|actually|indeed|in fact|of course|also|and|but|however|note|remember|fun fact|i think|i believe|i know|i heard|did you know)(?:\s+that)?[,:]?\s+)+/i;
const FOREIGN_WORDS = new Set(
  ("de het een van der die das und von zu ist est la le les des du et una uno el los las del " +
    "y que por och är è di della il ein eine nicht sont ce cette").split(" "),
);
const RELATIVE = /\b(?:who|which|that|where|whose|whom)\b/i;
const CONTRACTIONS: ReadonlyArray<[RegExp, string]> = [
  [/\b(is|was|are|were|does|do|did|has|have|had)n[’']t\b/gi, "$1 not"],
  [/\bcan[’']t\b/gi, "cannot"],
  [/’/g, "'"],
];
const CLAUSE_BREAK = /;\s+|,?\s+(?:and|but|while|whereas)\s+/gi;
const TRAILING_CLAUSE =
  /,\s|\s(?:which|who|whom|whose|that|where|because|since|although|though|when|while|and then)\s/i;

/**
 * Triples stated in `text`: one or more per clause for the forms in EXTRACTION_RULES,
 * entities normalised (lower case, no article), predicates canonical. Questions, conditionals,
 * hedged statements, pronoun subjects and non-English sentences give none.
 * @example
 * ```ts
 * import { extractFacts } from "./extractor.ts";
 * extractFacts("Paris is the capital of France.");
 * // [{ subject: "france", predicate: "capital", object: "paris", negated: false }]
 * ```
 */
export function extractFacts(text: string): Triple[] {
  const triples: Triple[] = [];
  const seen = new Set<string>();
  for (const sentence of splitSentences(text)) {
    for (const triple of extractFromSentence(sentence)) {
      const key = JSON.stringify(triple);
      if (!seen.has(key)) {
        seen.add(key);
        triples.push(triple);
      }
    }
  }
  return triples;
}

/** Triples of one sentence (see {@linkcode extractFacts}). */
export function extractFromSentence(sentence: string): Triple[] {
  if (sentence.length > MAX_SENTENCE_CHARS || /\?\s*$/.test(sentence)) return [];
  let clause = sentence.replace(/\s*\([^)]*\)/g, "").replace(/[.!。！:]+\s*$/, "");
  for (const [pattern, replacement] of CONTRACTIONS) clause = clause.replace(pattern, replacement);
  clause = clause.replace(/\s+/g, " ").trim().replace(DISCOURSE, "");
  if (!clause || QUESTION_START.test(clause) || SUBORDINATE_START.test(clause)) return [];
  if (HEDGES.test(clause) || looksForeign(clause)) return [];
  return extractClauses(clause);
}

function looksForeign(clause: string): boolean {
  const words = clause.toLowerCase().split(/[\s,]+/);
  return new Set(words.filter((w) => FOREIGN_WORDS.has(w))).size >= 2;
}

/** Splits at "and"/"but"/";" only where both sides are statements on their own. */
function extractClauses(clause: string): Triple[] {
  for (const match of clause.matchAll(CLAUSE_BREAK)) {
    const left = extractSimple(clause.slice(0, match.index));
    if (left.length === 0) continue;
    const right = extractClauses(clause.slice(match.index! + match[0].length));
    if (right.length > 0) return [...left, ...right];
  }
  return extractSimple(clause);
}

function extractSimple(clause: string): Triple[] {
  for (const rule of EXTRACTION_RULES) {
    const match = clause.match(rule.pattern);
    if (!match) continue;
    const triples = rule.build(match.groups ?? {}).map(clean).filter((t): t is Triple => !!t);
    if (triples.length > 0) return triples;
  }
  return [];
}

function clean(raw: Triple): Triple | undefined {
  const subject = entity(subjectPart(raw.subject), MAX_SUBJECT_WORDS);
  const object = entity(raw.object.split(TRAILING_CLAUSE)[0], MAX_OBJECT_WORDS);
  if (!subject || !object || RELATIVE.test(subject)) return undefined;
  return {
    subject,
    predicate: canonicalPredicate(raw.predicate),
    object,
    negated: raw.negated === true,
  };
}

/** "In 1889, the tower" → "the tower"; "Paris, the city of light" → "Paris". */
function subjectPart(subject: string): string {
  const parts = subject.split(/,\s*/);
  if (parts.length === 1) return subject;
  return /^(?:in|on|at|during|after|before|since|by|for|according to|today|now)\b/i.test(parts[0])
    ? parts[parts.length - 1]
    : parts[0];
}

function entity(raw: string, maxWords: number): string | undefined {
  let name: string;
  try {
    name = normalizeEntity("entity", raw);
  } catch {
    return undefined;
  }
  const words = name.split(" ");
  if (words.length > maxWords || PRONOUNS.has(name) || PRONOUNS.has(words[0])) return undefined;
  return name;
}

/** The rule-based extractor as a {@linkcode TripleExtractor}. */
export const ruleBasedExtractor: TripleExtractor = {
  extract: (text: string) => Promise.resolve(extractFacts(text)),
};
