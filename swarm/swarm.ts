/**
 * The swarm: answers chats with the specialist the router picks (or the one the client forced),
 * splits multi-part requests across specialists, falls back to the cloud when unsure, and learns
 * from every verdict.
 * @module
 */
import type { ChatMessage, Model } from "../engine/mod.ts";
import { AdapterPool } from "./adapter_pool.ts";
import {
  type AnswerInput,
  answerLocally,
  answerRemotely,
  type SpecialistAnswer,
} from "./answer.ts";
import { ConfidenceCalibrator } from "./calibration.ts";
import { ExemplarCentroids } from "./centroids.ts";
import { CloudClient } from "./cloud.ts";
import { type CloudFallbackConfig, consultCloud } from "./cloud_fallback.ts";
import {
  betaPosterior,
  combineConfidence,
  confidenceFeatures,
  DEFAULT_CONFIDENCE_WEIGHTS,
  tokenStatistics,
} from "./confidence.ts";
import { extractCues } from "./cues.ts";
import { DeltaQueue } from "./delta_queue.ts";
import { DEFAULT_HEBBIAN, HebbianPathways } from "./hebbian.ts";
import { InProcessLearningStore, type LearningStore, type Outcome } from "./learning_store.ts";
import { type AnsweredPart, OutcomeLearner } from "./learner.ts";
import { route, type RoutingDecision } from "./router.ts";
import { selfCheck } from "./self_check.ts";
import { Spawner, type SpecialistProposal } from "./spawner.ts";
import { acceptProposal, pendingProposals, type TrainingJob } from "./proposals.ts";
import { SpecialistRegistry } from "./registry.ts";
import type { SpecialistConfig } from "./specialist.ts";
import { splitRequest } from "./splitter.ts";
import { synthesize } from "./synthesizer.ts";
import type {
  ConfidenceReport,
  PartConfidence,
  RoutingRecord,
  SwarmOptions,
  SwarmOutcome,
  SwarmPart,
  SwarmRequest,
  SwarmRun,
} from "./types.ts";

const RECENT_LIMIT = 1024;
const EMBED_CACHE = 1024;

/** Specialists over one base model, routed by a learning router. */
export class Swarm {
  readonly model: Model;
  readonly store: LearningStore;
  readonly centroids: ExemplarCentroids;
  readonly calibrator: ConfidenceCalibrator = new ConfidenceCalibrator(DEFAULT_CONFIDENCE_WEIGHTS);
  readonly spawner: Spawner;
  readonly #registry: SpecialistRegistry;
  readonly #pool: AdapterPool;
  readonly #hebbian: HebbianPathways;
  readonly #learner: OutcomeLearner;
  readonly #cloud: { config: CloudFallbackConfig; client: CloudClient } | null;
  readonly #options: SwarmOptions;
  readonly #recent = new Map<string, AnsweredPart[]>();
  readonly #embeddings = new Map<string, Promise<Float32Array | null>>();
  #last: RoutingRecord | null = null;
  readonly #training: TrainingJob[] = [];

  constructor(options: SwarmOptions) {
    this.#options = options;
    this.model = options.model;
    this.store = options.store ?? new InProcessLearningStore();
    this.centroids = options.centroids ?? new ExemplarCentroids();
    this.spawner = new Spawner(options.spawner);
    this.#pool = new AdapterPool(options.model, {
      capacity: options.adapterCapacity ?? 4,
      checkIntervalMs: options.adapterCheckIntervalMs,
    });
    this.#registry = new SpecialistRegistry(this.#pool, options.specialists);
    this.#hebbian = new HebbianPathways(this.store.pathways, options.hebbian ?? DEFAULT_HEBBIAN);
    this.#learner = new OutcomeLearner(
      this.store,
      this.#hebbian,
      this.centroids,
      this.calibrator,
      this.spawner,
    );
    this.#cloud = options.cloud
      ? { config: options.cloud, client: new CloudClient(options.cloud.endpoint) }
      : null;
  }

  /** The specialists, in configuration order. */
  get specialists(): SpecialistRegistry {
    return this.#registry;
  }

  /** The adapter pool (resident adapters, hot swaps). */
  get adapters(): AdapterPool {
    return this.#pool;
  }

  /** The last routing decision, or null before the first request. */
  lastRouting(): RoutingRecord | null {
    return this.#last;
  }

  /** The request's embedding from the base model (cached by text); null if embedding fails. */
  embed(text: string): Promise<Float32Array | null> {
    let cached = this.#embeddings.get(text);
    if (!cached) {
      cached = this.model.embed(this.model.encode(text)).catch(() => null);
      this.#embeddings.set(text, cached);
      if (this.#embeddings.size > EMBED_CACHE) {
        this.#embeddings.delete(this.#embeddings.keys().next().value!);
      }
    }
    return cached;
  }

  /** Which specialist would answer `text` now, and the scores (no side effects). */
  async route(text: string, embedding?: Float32Array | null): Promise<RoutingDecision> {
    const vector = embedding === undefined ? await this.embed(text) : embedding;
    return route({
      text,
      embedding: vector ?? undefined,
      candidates: this.#registry.list(),
      pathways: await this.#hebbian.weights(extractCues(text)),
      centroids: this.centroids,
      weights: this.#options.routerWeights,
    });
  }

  /** Starts answering `request`. */
  chat(request: SwarmRequest): SwarmRun {
    const queue = new DeltaQueue<{ content: string }>();
    const result = this.#answer(request, (content) => queue.push({ content }));
    result.then(() => queue.end(), (error) => queue.fail(error));
    return { result, [Symbol.asyncIterator]: () => queue[Symbol.asyncIterator]() };
  }

  async #answer(request: SwarmRequest, emit: (text: string) => void): Promise<SwarmOutcome> {
    const lastUser = request.messages.findLastIndex((m) => m.role === "user");
    if (lastUser < 0) throw new RangeError("a swarm request needs a user message; found none");
    const forced = request.specialist !== undefined;
    if (forced) this.#registry.get(request.specialist!);
    const query = request.messages[lastUser].content;
    const texts = forced || this.#options.splitRequests === false ||
        lastUser !== request.messages.length - 1
      ? [query]
      : splitRequest(query);
    const mode = forced ? "forced" : texts.length > 1 ? "swarm" : "single";
    const streamDirect = texts.length === 1 && (forced || !this.#cloud);
    const requestId = `swarm-${crypto.randomUUID()}`;
    const answered = await Promise.all(
      texts.map((text) =>
        this.#answerPart(request, lastUser, text, streamDirect ? emit : undefined)
      ),
    );
    const parts = answered.map((a) => a.part);
    const content = synthesize(parts.map((p) => ({ request: p.text, answer: p.answer })));
    if (!streamDirect) emit(content);
    this.#remember(requestId, answered.map((a) => a.record));
    this.#last = {
      requestId,
      at: new Date().toISOString(),
      mode,
      parts: parts.map((p) => ({
        text: p.text,
        specialist: p.specialist,
        source: p.source,
        routing: p.routing,
        confidence: p.confidence.value,
      })),
    };
    const finish = parts.find((p) => p.finishReason !== "stop")?.finishReason ?? "stop";
    return {
      requestId,
      content,
      mode,
      parts,
      finishReason: request.signal?.aborted ? "cancelled" : finish,
      usage: {
        promptTokens: answered.reduce((n, a) => n + a.usage.promptTokens, 0),
        completionTokens: answered.reduce((n, a) => n + a.usage.completionTokens, 0),
      },
    };
  }

  async #decide(text: string, forced: string | undefined, embedding: Float32Array | null) {
    const decision = await this.route(text, embedding);
    return forced ? { ...decision, specialist: forced, forced: true } : decision;
  }

  /** The conversation for one part: the part as the last user turn, history before it. */
  #conversation(request: SwarmRequest, lastUser: number, text: string): ChatMessage[] {
    return request.messages.slice(0, lastUser + 1).map((m, i) =>
      i === lastUser ? { ...m, content: text } : m
    );
  }

  /** How sure the swarm is of `answer` from `decision.specialist` in its domain. */
  async #confidence(decision: RoutingDecision, answer: SpecialistAnswer) {
    const counts = await this.store.stats.get(decision.specialist, decision.domain);
    const posterior = betaPosterior(counts ?? { successes: 0, failures: 0 });
    const tokens = tokenStatistics(answer.steps);
    const features = confidenceFeatures(posterior, tokens);
    const confidence: PartConfidence = {
      value: combineConfidence(features, this.calibrator.weights),
      posterior: { alpha: posterior.alpha, beta: posterior.beta, mean: posterior.mean },
      tokens,
    };
    return { features, confidence };
  }

  async #answerPart(
    request: SwarmRequest,
    lastUser: number,
    text: string,
    onText: ((text: string) => void) | undefined,
  ) {
    const embedding = await this.embed(text);
    const decision = await this.#decide(text, request.specialist, embedding);
    if (embedding) this.centroids.observe(embedding);
    const specialist = this.#registry.get(decision.specialist);
    const conversation = this.#conversation(request, lastUser, text);
    const input: AnswerInput = {
      specialist,
      messages: specialist.systemPrompt && !conversation.some((m) => m.role === "system")
        ? [{ role: "system", content: specialist.systemPrompt }, ...conversation]
        : conversation,
      maxTokens: request.maxTokens ?? this.#options.defaultMaxTokens ?? 512,
      sampling: request.sampling,
      stop: request.stop,
      signal: request.signal,
      logprobs: 5,
      enableThinking: request.enableThinking ?? false,
      onText,
    };
    const answer = specialist.endpoint
      ? await answerRemotely(this.#registry.client(specialist.name), input)
      : await answerLocally(this.model, this.#pool, input);
    const { features, confidence } = await this.#confidence(decision, answer);
    const record: AnsweredPart = {
      decision,
      embedding,
      features,
      localAnswer: answer.text,
      verdicts: new Map(),
    };
    const checked = this.#options.selfCheck === false || answer.finishReason === "cancelled"
      ? null
      : selfCheck(text, answer.text);
    if (checked) await this.#learner.learn(record, checked, "self-check");
    const part: SwarmPart = {
      text,
      specialist: decision.specialist,
      answer: answer.text,
      routing: decision,
      confidence,
      source: answer.source,
      selfCheck: checked,
      finishReason: answer.finishReason,
    };
    if (this.#cloud && !decision.forced && checked !== "success" && !request.signal?.aborted) {
      const learner = this.#learner;
      await consultCloud(this.#cloud, {
        part,
        record,
        conversation,
        input,
        learner,
        store: this.store,
      });
    }
    return { part, record, usage: answer };
  }

  #remember(requestId: string, parts: AnsweredPart[]): void {
    this.#recent.set(requestId, parts);
    if (this.#recent.size > RECENT_LIMIT) this.#recent.delete(this.#recent.keys().next().value!);
  }

  /**
   * Learns an explicit verdict on an earlier answer (all its parts, or part `partIndex`). An
   * answer is learned from once: feedback that agrees with an earlier self-check or cloud
   * verdict changes nothing, feedback that contradicts it is learned too. Pass `countStats:
   * false` when memory's `recordFeedback` already counted the outcome. Returns false when
   * `requestId` is not one of the recent answers.
   */
  async feedback(
    requestId: string,
    outcome: Outcome,
    options: { partIndex?: number; countStats?: boolean } = {},
  ): Promise<boolean> {
    const parts = this.#recent.get(requestId);
    if (!parts) return false;
    const i = options.partIndex;
    for (const part of i === undefined ? parts : parts.slice(i, i + 1)) {
      await this.#learner.learn(part, outcome, "feedback", { countStats: options.countStats });
    }
    return true;
  }

  /** Per specialist x domain posteriors and the calibration's state. */
  async confidenceReport(): Promise<ConfidenceReport> {
    const rows = await this.store.stats.all();
    return {
      threshold: this.#cloud ? this.#cloud.config.threshold ?? 0.5 : null,
      weights: [...this.calibrator.weights],
      calibration: { samples: this.calibrator.size, ece: this.calibrator.ece() },
      entries: rows.map((r) => ({
        specialist: r.specialist,
        domain: r.domain,
        successes: r.successes,
        failures: r.failures,
        posterior: betaPosterior(r),
      })),
    };
  }

  /** Specialists the spawner proposes for domains no one covers. */
  proposals(): Promise<SpecialistProposal[]> {
    return pendingProposals(this.spawner, this.#registry, this.store.stats);
  }

  /** Creates the proposed specialist and queues its adapter for training. */
  async acceptProposal(id: string): Promise<SpecialistConfig> {
    const { specialist, job } = await acceptProposal(
      id,
      this.spawner,
      this.#registry,
      this.store.stats,
    );
    this.#training.push(job);
    this.#options.onTrainingQueued?.(job);
    return specialist;
  }

  /** Adapters waiting to be trained, oldest first. */
  trainingQueue(): readonly TrainingJob[] {
    return this.#training;
  }
}
