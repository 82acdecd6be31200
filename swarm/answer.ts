/**
 * How one specialist answers one part of a request: locally (its adapter over the base model,
 * text streamed as tokens arrive, stop strings honoured) or remotely (its OpenAI endpoint).
 * @module
 */
import {
  type ChatMessage,
  IncrementalDecoder,
  type Model,
  type SamplingParams,
  StopStringMatcher,
} from "../engine/mod.ts";
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

/** Removes a leading `<think>...</think>` block and surrounding whitespace. */
export function stripThinking(text: string): string {
  return text.replace(/^\s*<think>[\s\S]*?<\/think>/, "").trim();
}

/**
 * Answer text as it grows: leading whitespace dropped, trailing whitespace held back until more
 * text follows, so what is streamed always equals a prefix of the final (trimmed) answer.
 */
class AnswerText {
  text = "";
  #emitted = 0;
  constructor(private readonly onText?: (text: string) => void) {}

  /** Appends `piece` and streams what became final. */
  append(piece: string): void {
    this.text += piece;
    const visible = this.text.trimStart();
    const final = visible.trimEnd().length;
    if (final > this.#emitted) {
      this.onText?.(visible.slice(this.#emitted, final));
      this.#emitted = final;
    }
  }

  /** The whole answer, trimmed. */
  get answer(): string {
    return this.text.trim();
  }
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
    const steps: TokenLogprobs[] = [];
    const decoder = new IncrementalDecoder(model, { skipSpecialTokens: true });
    const matcher = new StopStringMatcher(input.stop ?? []);
    // Thinking text is not streamed: the answer is what follows the think block.
    const out = new AnswerText(input.enableThinking ? undefined : input.onText);
    for await (const event of stream) {
      steps.push({ logprob: event.logprob, topLogprobs: event.topLogprobs });
      const match = matcher.push(decoder.push(event.id));
      out.append(match.text);
      if (match.stopped) {
        stopped.abort();
        break;
      }
    }
    const result = await stream.result;
    if (!matcher.stopped) {
      const last = matcher.push(decoder.flush());
      out.append(last.stopped ? last.text : last.text + matcher.flush());
    }
    let text = out.answer;
    if (input.enableThinking) {
      text = stripThinking(text);
      input.onText?.(text);
    }
    return {
      text,
      steps,
      finishReason: input.signal?.aborted
        ? "cancelled"
        : matcher.stopped
        ? "stop"
        : result.finishReason,
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
  const matcher = new StopStringMatcher(input.stop ?? []);
  const match = matcher.push(reply.content);
  const text = stripThinking(match.stopped ? match.text : match.text + matcher.flush());
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
