/**
 * Learning from outcomes: one verdict on an answered part (feedback, self-check, cloud
 * comparison) updates the specialist's domain counts, the Hebbian pathways of its cues, its
 * exemplar centroid, the confidence calibration and, on failure, the spawner's evidence.
 * @module
 */
import type { ConfidenceCalibrator } from "./calibration.ts";
import type { ExemplarCentroids } from "./centroids.ts";
import type { HebbianPathways } from "./hebbian.ts";
import type { LearningStore, Outcome } from "./learning_store.ts";
import type { RoutingDecision } from "./router.ts";
import type { Spawner, UncoveredEvent } from "./spawner.ts";

/** A part of a request as it was answered, kept so a later verdict can be learned from. */
export interface AnsweredPart {
  decision: RoutingDecision;
  /** The request text's embedding from the base model (null if it could not be computed). */
  embedding: Float32Array | null;
  /** Confidence features at answer time (see `confidenceFeatures`). */
  features: number[];
  /** The specialist's own answer (before any cloud replacement). */
  localAnswer: string;
  /** The verdicts learned so far, by source (one answer is learned from once per outcome). */
  verdicts: Map<VerdictSource, Outcome>;
  /** What the spawner was told about this answer, once it failed. */
  uncovered?: UncoveredEvent;
}

/** Where a verdict came from. */
export type VerdictSource = "feedback" | "self-check" | "cloud";

/** Applies verdicts to everything the swarm learns. */
export class OutcomeLearner {
  constructor(
    private readonly store: LearningStore,
    private readonly pathways: HebbianPathways,
    private readonly centroids: ExemplarCentroids,
    private readonly calibrator: ConfidenceCalibrator,
    private readonly spawner: Spawner,
  ) {}

  /**
   * Learns `outcome` for `part` from `source`. An answer is learned from once: a later verdict
   * is ignored (returns false) unless it is explicit feedback that contradicts every earlier one
   * (a person overrules a self-check or the cloud). `betterAnswer` is the cloud's answer, when known;
   * `countStats: false` skips the outcome counts (when memory already counted this verdict).
   */
  async learn(
    part: AnsweredPart,
    outcome: Outcome,
    source: VerdictSource,
    options: { betterAnswer?: string; countStats?: boolean } = {},
  ): Promise<boolean> {
    const earlier = [...part.verdicts.values()];
    const overrules = source === "feedback" && earlier.every((o) => o !== outcome);
    if (part.uncovered && options.betterAnswer !== undefined) {
      // A failure seen earlier (e.g. by the self-check) gains the cloud's answer for training.
      part.uncovered.betterAnswer ??= options.betterAnswer;
      if (source === "cloud") part.uncovered.kind = "fallback";
    }
    if (part.verdicts.has(source) || (earlier.length > 0 && !overrules)) return false;
    part.verdicts.set(source, outcome);
    const { decision } = part;
    const betterAnswer = options.betterAnswer;
    if (options.countStats !== false) {
      await this.store.stats.record(decision.specialist, decision.domain, outcome);
    }
    await this.pathways.learn(decision.cues, decision.specialist, outcome);
    if (outcome === "success" && part.embedding) {
      this.centroids.addExemplar(decision.specialist, part.embedding);
    }
    this.calibrator.add({ features: part.features, correct: outcome === "success" });
    if (outcome === "failure" && !part.uncovered) {
      part.uncovered = {
        kind: source === "cloud" ? "fallback" : "failure",
        prompt: decision.text,
        domain: decision.domain,
        cues: decision.cues,
        embedding: part.embedding ? this.centroids.centred(part.embedding) : undefined,
        specialist: decision.specialist,
        localAnswer: part.localAnswer,
        betterAnswer,
      };
      this.spawner.observe(part.uncovered);
    }
    return true;
  }
}
