/**
 * Cloud fallback: when the swarm is not confident enough in a local answer, ask the configured
 * endpoint, answer with its reply, learn from the comparison and keep (prompt, cloud answer,
 * local answer) as a preference pair for the learner.
 * @module
 */
import type { AnswerInput } from "./answer.ts";
import { stripThinking } from "./answer.ts";
import type { CloudClient } from "./cloud.ts";
import type { LearningStore } from "./learning_store.ts";
import type { AnsweredPart, OutcomeLearner } from "./learner.ts";
import type { EndpointConfig } from "./specialist.ts";

/** When and where to fall back. */
export interface CloudFallbackConfig {
  endpoint: EndpointConfig;
  /** Ask the cloud when the calibrated confidence is below this (default 0.5). */
  threshold?: number;
  /**
   * Also ask while the answering specialist has fewer than this many verdicts in the request's
   * domain, so a new domain is checked before it is trusted (default 0: off).
   */
  coldStart?: number;
}

/** The part of an answer the fallback reads and may replace. */
export interface FallbackPart {
  text: string;
  specialist: string;
  answer: string;
  source: "local" | "remote" | "cloud";
  localAnswer?: string;
  confidence: { value: number; posterior: { alpha: number; beta: number } };
  /** The self-check's verdict on the local answer, if the task allowed one. */
  selfCheck: "success" | "failure" | null;
  /** Why the cloud could not be asked, when it failed. */
  cloudError?: string;
}

/** Answers that say the same thing: case, spacing and final punctuation aside. */
export function sameAnswer(a: string, b: string): boolean {
  const norm = (s: string) => s.trim().toLowerCase().replace(/\s+/g, " ").replace(/[.!。]+$/, "");
  return norm(a) === norm(b);
}

/**
 * Whether `part` should be sent to the cloud under `config`: its local answer is known wrong
 * (a failed self-check), its confidence is below the threshold, or its specialist has too few
 * verdicts in the domain (cold start).
 */
export function needsFallback(part: FallbackPart, config: CloudFallbackConfig): boolean {
  if (part.selfCheck === "failure") return true;
  const verdicts = part.confidence.posterior.alpha + part.confidence.posterior.beta - 2;
  return part.confidence.value < (config.threshold ?? 0.5) || verdicts < (config.coldStart ?? 0);
}

/** What `consultCloud` works on. */
export interface FallbackContext {
  part: FallbackPart;
  record: AnsweredPart;
  /** The conversation as the client sent it, the part as the last user turn. */
  conversation: AnswerInput["messages"];
  input: Pick<AnswerInput, "maxTokens" | "signal">;
  learner: OutcomeLearner;
  store: LearningStore;
}

/**
 * Asks the cloud when `needsFallback`, replaces the answer with the cloud's, learns success or
 * failure from whether they agree and stores a preference pair when they differ (and neither
 * is empty). A cloud error
 * leaves the local answer in place (noted in `part.cloudError`). Returns whether it asked.
 */
export async function consultCloud(
  cloud: { config: CloudFallbackConfig; client: CloudClient },
  ctx: FallbackContext,
): Promise<boolean> {
  const { part } = ctx;
  if (!needsFallback(part, cloud.config)) return false;
  let cloudAnswer: string;
  try {
    const reply = await cloud.client.chat(ctx.conversation, {
      maxTokens: ctx.input.maxTokens,
      signal: ctx.input.signal,
    });
    cloudAnswer = stripThinking(reply.content);
  } catch (error) {
    part.cloudError = (error as Error).message;
    return true;
  }
  const local = part.answer;
  const agree = sameAnswer(local, cloudAnswer);
  await ctx.learner.learn(ctx.record, agree ? "success" : "failure", "cloud", {
    betterAnswer: cloudAnswer,
  });
  // An empty local answer has no text to reject; the spawner still keeps the cloud's answer.
  if (!agree && local.trim() !== "" && cloudAnswer.trim() !== "") {
    await ctx.store.preferences.add({
      prompt: part.text,
      chosen: cloudAnswer,
      rejected: local,
      source: "cloud",
      specialist: part.specialist,
    });
  }
  part.localAnswer = local;
  part.answer = cloudAnswer;
  part.source = "cloud";
  return true;
}
