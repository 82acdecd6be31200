/**
 * Metacognitive confidence: a Beta posterior over a specialist's success in a domain, combined
 * with the answer's own token statistics (mean top-1 probability, mean entropy) by a logistic
 * model whose weights `calibration.ts` fits to observed outcomes.
 * @module
 */
import type { OutcomeCounts } from "./learning_store.ts";

/** A Beta(alpha, beta) posterior over a success probability. */
export interface BetaPosterior {
  alpha: number;
  beta: number;
  mean: number;
  variance: number;
}

/**
 * The posterior after `counts`, from a Beta(priorAlpha, priorBeta) prior (uniform by default).
 *
 * @example
 * ```ts
 * betaPosterior({ successes: 8, failures: 0 }).mean; // 0.9
 * ```
 */
export function betaPosterior(
  counts: OutcomeCounts,
  priorAlpha = 1,
  priorBeta = 1,
): BetaPosterior {
  const alpha = priorAlpha + counts.successes;
  const beta = priorBeta + counts.failures;
  const n = alpha + beta;
  return { alpha, beta, mean: alpha / n, variance: (alpha * beta) / (n * n * (n + 1)) };
}

/** The log-probabilities reported for one generated token. */
export interface TokenLogprobs {
  logprob?: number;
  topLogprobs?: readonly { logprob: number }[];
}

/** How sure the model was of its own tokens. */
export interface TokenStatistics {
  /** Tokens that carried log-probabilities. */
  tokens: number;
  /** Mean over tokens of the probability of the most likely token. */
  meanTop1: number;
  /** Lowest top-1 probability of any token. */
  minTop1: number;
  /**
   * Mean over tokens of the entropy (nats) of the reported alternatives, the unreported mass
   * counted as one outcome (a lower bound of the true entropy).
   */
  meanEntropy: number;
}

function stepStatistics(step: TokenLogprobs): { top1: number; entropy: number } | null {
  const probs = (step.topLogprobs ?? []).map((t) => Math.exp(t.logprob));
  if (probs.length === 0 && step.logprob !== undefined) probs.push(Math.exp(step.logprob));
  if (probs.length === 0) return null;
  const top1 = Math.max(...probs);
  const rest = Math.max(0, 1 - probs.reduce((a, b) => a + b, 0));
  let entropy = 0;
  for (const p of [...probs, rest]) if (p > 0) entropy -= p * Math.log(p);
  return { top1, entropy };
}

/** Token statistics of an answer; null when no token carried log-probabilities. */
export function tokenStatistics(steps: readonly TokenLogprobs[]): TokenStatistics | null {
  let tokens = 0, top1Sum = 0, entropySum = 0, minTop1 = 1;
  for (const step of steps) {
    const s = stepStatistics(step);
    if (!s) continue;
    tokens++;
    top1Sum += s.top1;
    entropySum += s.entropy;
    minTop1 = Math.min(minTop1, s.top1);
  }
  if (tokens === 0) return null;
  return { tokens, meanTop1: top1Sum / tokens, minTop1, meanEntropy: entropySum / tokens };
}

/** Weights of the logistic confidence model: bias, logit(posterior mean), logit(top-1), entropy. */
export type ConfidenceWeights = readonly [number, number, number, number];

/** Before calibration: posterior and top-1 probability count alike, entropy lowers confidence. */
export const DEFAULT_CONFIDENCE_WEIGHTS: ConfidenceWeights = [0, 1, 1, -0.5];

const logit = (p: number) => {
  const q = Math.min(1 - 1e-4, Math.max(1e-4, p));
  return Math.log(q / (1 - q));
};

/** The logistic model's inputs for one answer: [1, logit(mean), logit(top-1), entropy]. */
export function confidenceFeatures(
  posterior: BetaPosterior,
  tokens: TokenStatistics | null,
): [number, number, number, number] {
  return [1, logit(posterior.mean), tokens ? logit(tokens.meanTop1) : 0, tokens?.meanEntropy ?? 0];
}

/** Logistic sigmoid. */
export function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

/** The combined confidence in (0, 1) that an answer is right. */
export function combineConfidence(
  features: readonly number[],
  weights: ConfidenceWeights = DEFAULT_CONFIDENCE_WEIGHTS,
): number {
  let z = 0;
  for (let i = 0; i < weights.length; i++) z += weights[i] * features[i];
  return sigmoid(z);
}
