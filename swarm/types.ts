/**
 * The swarm's request, answer and report shapes, shared by the swarm and the server's adapter.
 * @module
 */
import type { ChatMessage, Model, SamplingParams } from "../engine/mod.ts";
import type { ExemplarCentroids } from "./centroids.ts";
import type { CloudFallbackConfig } from "./cloud_fallback.ts";
import type { TokenStatistics } from "./confidence.ts";
import type { HebbianParams } from "./hebbian.ts";
import type { LearningStore, Outcome } from "./learning_store.ts";
import type { TrainingJob } from "./proposals.ts";
import type { RouterWeights, RoutingDecision } from "./router.ts";
import type { SpawnerOptions } from "./spawner.ts";
import type { SpecialistConfig } from "./specialist.ts";

/** How a swarm is built. */
export interface SwarmOptions {
  /** The base model every local specialist runs on. */
  model: Model;
  specialists: SpecialistConfig[];
  /** Where pathways, outcome counts and preference pairs persist (a `MemoryStore`). */
  store?: LearningStore;
  /** Ask this endpoint when confidence is below its threshold. */
  cloud?: CloudFallbackConfig;
  routerWeights?: RouterWeights;
  hebbian?: HebbianParams;
  /** Most adapters resident on the device (default 4). */
  adapterCapacity?: number;
  /** Least milliseconds between checks of an adapter's files for a hot swap (default 1000). */
  adapterCheckIntervalMs?: number;
  /** Verify answers the swarm can check itself (arithmetic) and learn from it (default true). */
  selfCheck?: boolean;
  /** Split multi-part requests across specialists (default true). */
  splitRequests?: boolean;
  /** Token limit when the request gives none (default 512). */
  defaultMaxTokens?: number;
  spawner?: SpawnerOptions;
  /** Exemplar centroids to start from (e.g. restored from a snapshot). */
  centroids?: ExemplarCentroids;
  /** Told when an accepted proposal queues an adapter for training. */
  onTrainingQueued?: (job: TrainingJob) => void;
}

/** Per specialist x domain confidence, as `GET /api/confidence` shows it. */
export interface ConfidenceReport {
  /** Fallback threshold, or null without a cloud endpoint. */
  threshold: number | null;
  /** Current logistic weights: bias, logit(posterior mean), logit(top-1), entropy. */
  weights: readonly number[];
  /** Verdicts the calibration was fitted on, and its in-sample ECE. */
  calibration: { samples: number; ece: number };
  entries: {
    specialist: string;
    domain: string;
    successes: number;
    failures: number;
    posterior: { alpha: number; beta: number; mean: number; variance: number };
  }[];
}

/** One chat for the swarm. */
export interface SwarmRequest {
  messages: ChatMessage[];
  /** Force this specialist (`synapse:NAME`); routed when absent. */
  specialist?: string;
  maxTokens?: number;
  sampling?: SamplingParams;
  stop?: string[];
  enableThinking?: boolean;
  signal?: AbortSignal;
}

/** How sure the swarm was of one part's answer. */
export interface PartConfidence {
  /** Calibrated probability that the local answer is right. */
  value: number;
  posterior: { alpha: number; beta: number; mean: number };
  tokens: TokenStatistics | null;
}

/** One answered part, as reported in the response's extension field. */
export interface SwarmPart {
  text: string;
  specialist: string;
  answer: string;
  routing: RoutingDecision;
  confidence: PartConfidence;
  /** Who produced `answer`. */
  source: "local" | "remote" | "cloud";
  /** The specialist's own answer when the cloud's replaced it. */
  localAnswer?: string;
  selfCheck: Outcome | null;
  finishReason: "stop" | "length" | "cancelled";
  /** Why the cloud could not be asked, when fallback failed. */
  cloudError?: string;
}

/** A finished swarm answer. */
export interface SwarmOutcome {
  /** Names this answer for `feedback()`. */
  requestId: string;
  content: string;
  mode: "single" | "swarm" | "forced";
  parts: SwarmPart[];
  finishReason: "stop" | "length" | "cancelled";
  usage: { promptTokens: number; completionTokens: number };
}

/** A running swarm answer: iterate for text deltas; `result` settles at the end. */
export interface SwarmRun extends AsyncIterable<{ content: string }> {
  readonly result: Promise<SwarmOutcome>;
}

/** The last routing, as `GET /api/routing/last` shows it. */
export interface RoutingRecord {
  requestId: string;
  at: string;
  mode: SwarmOutcome["mode"];
  parts: {
    text: string;
    specialist: string;
    source: SwarmPart["source"];
    routing: RoutingDecision;
    confidence: number;
  }[];
}
