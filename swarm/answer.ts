/**
 * How one specialist answers one part of a request: locally (its adapter over the base model,
 * text streamed as tokens arrive, stop strings honoured) or remotely (its OpenAI endpoint).
 * @module
 */
import type { ChatMessage, Model, SamplingParams } from "../engine/types.ts";
import type { AdapterPool } from "./adapter_pool.ts";
import type { CloudClient } from "./cloud.ts";
import type { TokenLogprobs } from "./confidence.ts";
import type { SpecialistConfig } from "./specialist.ts";

/** What one answer needs. */
export interface AnswerInput {
  specialist: SpecialistConfig;
  /** The whole conversation to answer (system turn, history, the part as last user turn). */
  messages: ChatMessage[];
  maxTokens: number;
  sampling?: SamplingParams;
  /** Texts that end the answer (not included in it). */
  stop?: readonly string[];
  signal?: AbortSignal;
  /** Alternatives per token to report (for token statistics). */
  logprobs: number;
  enableThinking: boolean;
  /** Receives answer text as it becomes final (local answers only stream). */
  onText?: (text: string) => void;
}

/** A specialist's answer with what confidence and accounting need. */
export interface SpecialistAnswer {
  text: string;
  steps: TokenLogprobs[];
  finishReason: "stop" | "length" | "cancelled";
  promptTokens: number;
  completionTokens: number;
  source: "local" | "remote";
}

/** Earliest index where any of `stops` occurs in `text`, or -1. */
function stopIndex(text: string, stops: readonly string[]): number {
  let at = -1;
  for (const s of stops) {
    const i = s.length > 0 ? text.indexOf(s) : -1;
    if (i >= 0 && (at < 0 || i < at)) at = i;
  }
  return at;
}

/** Length of the longest suffix of `text` that is a proper prefix of some stop string. */
function heldBack(text: string, stops: readonly string[]): number {
  let hold = 0;
  for (const s of stops) {
    for (let n = Math.min(s.length - 1, text.length); n > hold; n--) {
      if (text.endsWith(s.slice(0, n))) {
        hold = n;
        break;
      }
    }
  }
  return hold;
}

/** Removes a leading `<think>...</think>` block and surrounding whitespace. */
export function stripThinking(text: string): string {
  return text.replace(/^\s*<think>[\s\S]*?<\/think>/, "").trim();
}

/** Answers with the base model and the specialist's adapter (if any) on the local engine. */
export async function answerLocally(
  model: Model,
  pool: AdapterPool,
  input: AnswerInput,
): Promise<SpecialistAnswer> {
  const prompt = model.renderChat(input.messages, {
    addGenerationPrompt: true,
    enableThinking: input.enableThinking,
  });
  const promptIds = model.encode(prompt);
  const lease = input.specialist.adapter ? await pool.acquire(input.specialist.name) : null;
  const stops = input.stop ?? [];
  const stopped = new AbortController();
  const signal = input.signal ? AbortSignal.any([input.signal, stopped.signal]) : stopped.signal;
  try {
    const stream = model.generate({
      promptIds,
      adapter: lease?.adapter ?? null,
      maxTokens: input.maxTokens,
      sampling: input.sampling,
      signal,
      logprobs: input.logprobs,
    });
    const ids: number[] = [];
    const steps: TokenLogprobs[] = [];
    const onText = input.enableThinking ? undefined : input.onText;
    let emitted = 0;
    let text = "";
    let hitStop = false;
    for await (const event of stream) {
      ids.push(event.id);
      steps.push({ logprob: event.logprob, topLogprobs: event.topLogprobs });
      text = model.decode(ids, { skipSpecialTokens: true }).trimStart();
      const cut = stopIndex(text, stops);
      if (cut >= 0) {
        text = text.slice(0, cut);
        hitStop = true;
        stopped.abort();
        break;
      }
      if (text.endsWith("\uFFFD")) continue;
      const trailingSpace = text.length - text.trimEnd().length;
      const final = text.length - Math.max(heldBack(text, stops), trailingSpace);
      if (final > emitted) {
        onText?.(text.slice(emitted, final));
        emitted = final;
      }
    }
    const result = await stream.result;
    text = text.trimEnd();
    if (text.length > emitted) onText?.(text.slice(emitted));
    const finishReason = hitStop ? "stop" : result.finishReason;
    if (input.enableThinking) {
      text = stripThinking(text);
      input.onText?.(text);
    }
    return {
      text,
      steps,
      finishReason: input.signal?.aborted ? "cancelled" : finishReason,
      promptTokens: promptIds.length,
      completionTokens: result.ids.length,
      source: "local",
    };
  } finally {
    lease?.release();
  }
}

/** Answers through the specialist's remote endpoint. */
export async function answerRemotely(
  client: CloudClient,
  input: AnswerInput,
): Promise<SpecialistAnswer> {
  const reply = await client.chat(input.messages, {
    maxTokens: input.maxTokens,
    temperature: input.sampling?.temperature ?? 0,
    logprobs: input.logprobs,
    signal: input.signal,
  });
  let text = reply.content;
  const cut = stopIndex(text, input.stop ?? []);
  if (cut >= 0) text = text.slice(0, cut);
  text = stripThinking(text);
  input.onText?.(text);
  return {
    text,
    steps: reply.logprobs,
    finishReason: reply.finishReason === "length" ? "length" : "stop",
    promptTokens: reply.usage.promptTokens,
    completionTokens: reply.usage.completionTokens,
    source: "remote",
  };
}
