/**
 * Calibration of the confidence model: fits its logistic weights to observed outcomes (ridge
 * regularised Newton steps) and measures expected calibration error (ECE).
 * @module
 */
import { combineConfidence, type ConfidenceWeights } from "./confidence.ts";

/** One answer whose outcome became known: its confidence features and whether it was right. */
export interface CalibrationSample {
  features: readonly number[];
  correct: boolean;
}

/**
 * Expected calibration error over `bins` equal-width confidence bins: the sample-weighted mean
 * of |accuracy - mean confidence| per bin. 0 for no samples.
 *
 * @example
 * ```ts
 * expectedCalibrationError([{ confidence: 0.9, correct: true }, { confidence: 0.1, correct: false }]);
 * // 0.1
 * ```
 */
export function expectedCalibrationError(
  samples: readonly { confidence: number; correct: boolean }[],
  bins = 10,
): number {
  if (samples.length === 0) return 0;
  const count = new Array(bins).fill(0);
  const conf = new Array(bins).fill(0);
  const hits = new Array(bins).fill(0);
  for (const s of samples) {
    const b = Math.min(bins - 1, Math.max(0, Math.floor(s.confidence * bins)));
    count[b]++;
    conf[b] += s.confidence;
    if (s.correct) hits[b]++;
  }
  let ece = 0;
  for (let b = 0; b < bins; b++) {
    if (count[b] > 0) {
      ece += (count[b] / samples.length) * Math.abs(hits[b] / count[b] - conf[b] / count[b]);
    }
  }
  return ece;
}

function solveLinear(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r][col]) > Math.abs(m[pivot][col])) pivot = r;
    [m[col], m[pivot]] = [m[pivot], m[col]];
    const d = m[col][col];
    if (Math.abs(d) < 1e-12) return new Array(n).fill(0);
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = m[r][col] / d;
      for (let c = col; c <= n; c++) m[r][c] -= f * m[col][c];
    }
  }
  return m.map((row, i) => row[n] / row[i]);
}

/** Negative log-likelihood of `samples` under `w`, plus the ridge penalty toward `prior`. */
function penalisedLoss(
  samples: readonly CalibrationSample[],
  w: readonly number[],
  prior: readonly number[],
  ridge: number,
): number {
  let loss = 0;
  for (let i = 0; i < w.length; i++) loss += 0.5 * ridge * (w[i] - prior[i]) ** 2;
  for (const s of samples) {
    const p = combineConfidence(s.features, w as unknown as ConfidenceWeights);
    loss -= Math.log(Math.max(1e-12, s.correct ? p : 1 - p));
  }
  return loss;
}

/**
 * Logistic-regression weights for `samples` (maximum likelihood with an L2 penalty `ridge` that
 * pulls toward `prior`), by Newton steps halved until the loss falls. With only one outcome in
 * the samples the penalty keeps the weights finite while they move toward predicting it.
 */
export function fitConfidenceWeights(
  samples: readonly CalibrationSample[],
  prior: ConfidenceWeights,
  ridge = 1,
  iterations = 50,
): ConfidenceWeights {
  if (samples.length === 0) return prior;
  const k = prior.length;
  let w = [...prior];
  let loss = penalisedLoss(samples, w, prior, ridge);
  for (let it = 0; it < iterations; it++) {
    const grad = w.map((wi, i) => ridge * (wi - prior[i]));
    const hess = Array.from(
      { length: k },
      (_, i) => Array.from({ length: k }, (_, j) => (i === j ? ridge : 0)),
    );
    for (const s of samples) {
      const p = combineConfidence(s.features, w as unknown as ConfidenceWeights);
      const v = Math.max(p * (1 - p), 1e-9);
      for (let i = 0; i < k; i++) {
        grad[i] += (p - (s.correct ? 1 : 0)) * s.features[i];
        for (let j = 0; j < k; j++) hess[i][j] += v * s.features[i] * s.features[j];
      }
    }
    const step = solveLinear(hess, grad);
    let scale = 1;
    let next = w.map((wi, i) => wi - step[i]);
    let nextLoss = penalisedLoss(samples, next, prior, ridge);
    while (nextLoss > loss && scale > 1e-6) {
      scale /= 2;
      next = w.map((wi, i) => wi - scale * step[i]);
      nextLoss = penalisedLoss(samples, next, prior, ridge);
    }
    if (nextLoss > loss) break;
    const converged = loss - nextLoss < 1e-10 * Math.max(1, loss);
    w = next;
    loss = nextLoss;
    if (converged) break;
  }
  return [w[0], w[1], w[2], w[3]];
}

/** Keeps recent outcomes and refits the confidence weights as they arrive. */
export class ConfidenceCalibrator {
  readonly #samples: CalibrationSample[] = [];
  #weights: ConfidenceWeights;
  #sinceFit = 0;

  constructor(
    readonly prior: ConfidenceWeights,
    private readonly options: { maxSamples?: number; minSamples?: number; refitEvery?: number } =
      {},
  ) {
    this.#weights = prior;
  }

  /** The current weights (the prior until enough mixed outcomes arrived). */
  get weights(): ConfidenceWeights {
    return this.#weights;
  }

  /** How many outcomes are held. */
  get size(): number {
    return this.#samples.length;
  }

  /** Records one outcome; refits every `refitEvery` samples once `minSamples` are held. */
  add(sample: CalibrationSample): void {
    this.#samples.push(sample);
    if (this.#samples.length > (this.options.maxSamples ?? 5000)) this.#samples.shift();
    this.#sinceFit++;
    if (
      this.#samples.length >= (this.options.minSamples ?? 20) &&
      this.#sinceFit >= (this.options.refitEvery ?? 10)
    ) {
      this.refit();
    }
  }

  /** Fits the weights to all held outcomes now. */
  refit(): ConfidenceWeights {
    this.#sinceFit = 0;
    this.#weights = fitConfidenceWeights(this.#samples, this.prior);
    return this.#weights;
  }

  /** ECE of the current weights over the held outcomes (in-sample). */
  ece(bins = 10): number {
    return expectedCalibrationError(
      this.#samples.map((s) => ({
        confidence: combineConfidence(s.features, this.#weights),
        correct: s.correct,
      })),
      bins,
    );
  }
}
