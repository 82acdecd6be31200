/**
 * The swarm: specialists (LoRA adapters or remote models) over one base model, a router that
 * learns Hebbian-style from outcomes, calibrated confidence, swarm mode, cloud fallback and
 * auto-spawned specialists.
 *
 * @example
 * ```ts ignore
 * import { loadModel } from "../engine/mod.ts";
 * import { specialistsFromDir, Swarm } from "./mod.ts";
 * const model = await loadModel("default");
 * const swarm = new Swarm({ model, specialists: await specialistsFromDir("adapters") });
 * const run = swarm.chat({ messages: [{ role: "user", content: "What is 12 + 30?" }] });
 * console.log((await run.result).content);
 * ```
 * @module
 */
export { Swarm } from "./swarm.ts";
export type {
  ConfidenceReport,
  PartConfidence,
  RoutingRecord,
  SwarmOptions,
  SwarmOutcome,
  SwarmPart,
  SwarmRequest,
  SwarmRun,
} from "./types.ts";
export {
  type EndpointConfig,
  isSpecialistName,
  parseSpecialistConfig,
  parseSpecialistConfigs,
  type SpecialistConfig,
} from "./specialist.ts";
export { specialistsFromDir } from "./specialists_dir.ts";
export { SpecialistRegistry } from "./registry.ts";
export {
  CloudError,
  ProposalNotFoundError,
  SpecialistConfigError,
  SwarmError,
  UnknownSpecialistError,
} from "./errors.ts";
export { domainOf, extractCues, keywordCues, NUMBER_CUE } from "./cues.ts";
export {
  DEFAULT_ROUTER_WEIGHTS,
  keywordScore,
  pathwayScore,
  route,
  type RouterWeights,
  type RoutingCandidate,
  type RoutingDecision,
  type RoutingInput,
  type SpecialistScore,
} from "./router.ts";
export { type CentroidsSnapshot, cosineSimilarity, ExemplarCentroids } from "./centroids.ts";
export { DEFAULT_HEBBIAN, hebbianDelta, type HebbianParams, HebbianPathways } from "./hebbian.ts";
export {
  type Awaitable,
  InProcessLearningStore,
  type LearningStore,
  type Outcome,
  type OutcomeCounts,
  type PathwayRow,
  type PathwayTable,
  type PreferenceInput,
  type PreferenceTable,
  type StatsTable,
} from "./learning_store.ts";
export {
  type BetaPosterior,
  betaPosterior,
  combineConfidence,
  confidenceFeatures,
  type ConfidenceWeights,
  DEFAULT_CONFIDENCE_WEIGHTS,
  sigmoid,
  type TokenLogprobs,
  type TokenStatistics,
  tokenStatistics,
} from "./confidence.ts";
export {
  type CalibrationSample,
  ConfidenceCalibrator,
  expectedCalibrationError,
  fitConfidenceWeights,
} from "./calibration.ts";
export { splitRequest } from "./splitter.ts";
export { type PartAnswer, synthesize } from "./synthesizer.ts";
export { evaluateArithmetic, selfCheck } from "./self_check.ts";
export {
  chatCompletionsUrl,
  type CloudChatOptions,
  CloudClient,
  type CloudReply,
} from "./cloud.ts";
export { type CloudFallbackConfig, needsFallback, sameAnswer } from "./cloud_fallback.ts";
export {
  Spawner,
  type SpawnerOptions,
  type SpecialistProposal,
  type TrainingPair,
  type UncoveredEvent,
} from "./spawner.ts";
export { domainCovered, type TrainingJob } from "./proposals.ts";
export {
  adapterFingerprint,
  type AdapterHost,
  type AdapterLease,
  AdapterPool,
  type AdapterPoolOptions,
} from "./adapter_pool.ts";
