/**
 * The router: scores every specialist for a request from (a) its cue keywords, (b) the centred
 * cosine between the request's embedding and the specialist's exemplar centroid and (c) the
 * learned cue -> specialist pathway weights, and picks the best.
 * @module
 */
import type { ExemplarCentroids } from "./centroids.ts";
import { domainOf, extractCues, keywordCues } from "./cues.ts";

/** How much each kind of evidence counts in a specialist's total score. */
export interface RouterWeights {
  keyword: number;
  embedding: number;
  pathway: number;
}

/** Default evidence weights: all three count alike. */
export const DEFAULT_ROUTER_WEIGHTS: RouterWeights = { keyword: 1, embedding: 1, pathway: 1 };

/** What the router needs to know about a specialist. */
export interface RoutingCandidate {
  name: string;
  cues?: string[];
  priority?: number;
}

/** One specialist's score for a request, by kind of evidence. */
export interface SpecialistScore {
  specialist: string;
  /** In [0, 1): `1 - 0.5^matches` over the configured cue keywords. */
  keyword: number;
  /** Centred cosine to the exemplar centroid, in [-1, 1]; 0 without exemplars. */
  embedding: number;
  /** Mean pathway weight over the request's cues, in [-1, 1]. */
  pathway: number;
  /** Weighted sum of the three. */
  total: number;
}

/** Which specialist answers (a part of) a request, and why. */
export interface RoutingDecision {
  specialist: string;
  /** True when the client named the specialist (`synapse:NAME`). */
  forced: boolean;
  /** The text that was routed (one part of a split request, or the whole of it). */
  text: string;
  cues: string[];
  domain: string;
  /** Every candidate's score, best first. */
  scores: SpecialistScore[];
  /** Best total minus second best (null with one candidate). */
  margin: number | null;
}

/** `1 - 0.5^k` where k counts `keywords` whose cues all occur in `requestCues`. */
export function keywordScore(
  requestCues: ReadonlySet<string>,
  keywords: readonly string[],
): number {
  let matches = 0;
  for (const keyword of keywords) {
    if (keywordCues(keyword).every((c) => requestCues.has(c))) matches++;
  }
  return 1 - 0.5 ** matches;
}

/** Mean of `weights` over `cues` (absent cues count 0); 0 for no cues. */
export function pathwayScore(
  cues: readonly string[],
  weights: ReadonlyMap<string, number> | undefined,
): number {
  if (cues.length === 0 || !weights) return 0;
  let sum = 0;
  for (const cue of cues) sum += weights.get(cue) ?? 0;
  return sum / cues.length;
}

/** Inputs of one routing decision. */
export interface RoutingInput {
  text: string;
  /** The request's embedding from the base model, when available. */
  embedding?: ArrayLike<number>;
  candidates: readonly RoutingCandidate[];
  /** Pathway weights of the request's cues: `pathways.get(specialist).get(cue)`. */
  pathways: ReadonlyMap<string, ReadonlyMap<string, number>>;
  centroids: ExemplarCentroids;
  weights?: RouterWeights;
}

/**
 * Scores every candidate and picks the best; ties go to the higher priority, then to the
 * candidate listed first.
 */
export function route(input: RoutingInput): RoutingDecision {
  if (input.candidates.length === 0) {
    throw new RangeError("routing needs at least one specialist; found none");
  }
  const w = input.weights ?? DEFAULT_ROUTER_WEIGHTS;
  const cues = extractCues(input.text);
  const cueSet = new Set(cues);
  const scored = input.candidates.map((c, order) => {
    const keyword = keywordScore(cueSet, c.cues ?? []);
    const embedding = input.embedding ? input.centroids.similarity(c.name, input.embedding) : 0;
    const pathway = pathwayScore(cues, input.pathways.get(c.name));
    const total = w.keyword * keyword + w.embedding * embedding + w.pathway * pathway;
    return {
      score: { specialist: c.name, keyword, embedding, pathway, total },
      priority: c.priority ?? 0,
      order,
    };
  });
  scored.sort((a, b) =>
    b.score.total - a.score.total || b.priority - a.priority || a.order - b.order
  );
  const scores = scored.map((s) => s.score);
  return {
    specialist: scores[0].specialist,
    forced: false,
    text: input.text,
    cues,
    domain: domainOf(input.text),
    scores,
    margin: scores.length > 1 ? scores[0].total - scores[1].total : null,
  };
}
