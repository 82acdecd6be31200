/**
 * Runs one generation on a loaded model and streams it as answer deltas: UTF-8-safe
 * detokenization, stop strings held back and cut, JSON constrained decoding, tool calls,
 * log-probabilities, usage counts, and cancellation that frees the sequence.
 * @module
 */
import { anyObjectGrammar, compileSchema, JsonConstraint, vocabOf } from "../constrain/mod.ts";
import type { FinishReason, GenerateResult, Model, TokenEvent } from "../engine/mod.ts";
import { IncrementalDecoder, StopStringMatcher } from "../engine/mod.ts";
import { AnswerAssembler } from "./answer.ts";
import type {
  ChatDelta,
  ChatFinishReason,
  ChatOutcome,
  ChatRun,
  ResponseFormat,
  TokenLogprob,
} from "./backend.ts";
import { ApiError, ContextLengthExceededError, GenerationError } from "./errors.ts";
import { RunChannel } from "./run_channel.ts";

/** One generation, from prompt ids to answer. */
export interface GenerationPlan {
  model: Model;
  promptIds: number[];
  maxTokens?: number;
  sampling: NonNullable<Parameters<Model["generate"]>[0]["sampling"]>;
  stop: readonly string[];
  responseFormat: ResponseFormat;
  logprobs?: number;
  /** Parse `<tool_call>` blocks. */
  tools: boolean;
  /** A leading `<think>` block is reasoning. */
  thinking: boolean;
  adapter?: string | null;
  /** Prefix of tool call ids. */
  idPrefix: string;
}

const encoder = new TextEncoder();

function tokenLogprob(model: Model, event: TokenEvent): TokenLogprob {
  const token = model.decode([event.id]);
  return {
    token,
    logprob: event.logprob ?? 0,
    bytes: [...encoder.encode(token)],
    topLogprobs: (event.topLogprobs ?? []).map((alt) => {
      const text = model.decode([alt.id]);
      return { token: text, logprob: alt.logprob, bytes: [...encoder.encode(text)] };
    }),
  };
}

/** Throws ContextLengthExceededError unless the prompt leaves room for one token. */
export function checkContext(model: Model, promptTokens: number): void {
  if (promptTokens >= model.info.contextLength) {
    throw new ContextLengthExceededError(promptTokens, model.info.contextLength);
  }
}

function constraintOf(model: Model, format: ResponseFormat) {
  if (format.type === "text") return undefined;
  const grammar = format.type === "json_object" ? anyObjectGrammar() : compileSchema(format.schema);
  return new JsonConstraint(vocabOf(model), grammar, model.info.stopIds);
}

function finishOf(engine: FinishReason, stoppedByText: boolean, calls: number): ChatFinishReason {
  if (calls > 0) return "tool_calls";
  if (stoppedByText) return "stop";
  return engine;
}

/** Starts generating; `signal` aborts it (the sequence and its KV cache are freed). */
export function generateAnswer(plan: GenerationPlan, signal: AbortSignal): ChatRun {
  const { model, promptIds } = plan;
  checkContext(model, promptIds.length);
  const room = model.info.contextLength - promptIds.length;
  const channel = new RunChannel<ChatDelta, ChatOutcome>();
  const stopper = new AbortController();
  const onAbort = () => stopper.abort(signal.reason);
  signal.addEventListener("abort", onAbort, { once: true });
  const stream = model.generate({
    promptIds,
    adapter: plan.adapter,
    maxTokens: Math.min(plan.maxTokens ?? room, room),
    sampling: plan.sampling,
    stopIds: model.info.stopIds,
    signal: stopper.signal,
    constraint: constraintOf(model, plan.responseFormat),
    logprobs: plan.logprobs,
  });
  drive(plan, stream, stopper, channel).finally(() => signal.removeEventListener("abort", onAbort));
  return channel;
}

async function drive(
  plan: GenerationPlan,
  stream: ReturnType<Model["generate"]>,
  stopper: AbortController,
  channel: RunChannel<ChatDelta, ChatOutcome>,
): Promise<void> {
  const { model } = plan;
  const stopIds = new Set(model.info.stopIds);
  const decoder = new IncrementalDecoder(model, { skipSpecialTokens: false });
  const matcher = new StopStringMatcher(plan.stop);
  const answer = new AnswerAssembler({
    tools: plan.tools,
    thinking: plan.thinking,
    idPrefix: plan.idPrefix,
  });
  let completionTokens = 0;
  let stoppedByText = false;
  try {
    for await (const event of stream) {
      if (stopIds.has(event.id)) break;
      completionTokens++;
      const piece = matcher.push(decoder.push(event.id));
      const delta = answer.push(piece.text) ?? {};
      if (plan.logprobs !== undefined) delta.logprobs = [tokenLogprob(model, event)];
      if (delta.content || delta.reasoning || delta.toolCalls || delta.logprobs) {
        await channel.push(delta);
      }
      if (piece.stopped) {
        stoppedByText = true;
        stopper.abort(new Error("stop string reached"));
        break;
      }
    }
    if (!stoppedByText) {
      const tail = matcher.push(decoder.flush());
      const rest = answer.push(tail.text + (tail.stopped ? "" : matcher.flush()));
      if (rest) await channel.push(rest);
      stoppedByText = tail.stopped;
    }
    const last = answer.finish();
    if (last) await channel.push(last);
    const result: GenerateResult = await stream.result;
    channel.end({
      content: answer.content,
      reasoning: answer.reasoning || undefined,
      toolCalls: answer.toolCalls.length > 0 ? answer.toolCalls : undefined,
      finishReason: finishOf(result.finishReason, stoppedByText, answer.toolCalls.length),
      usage: {
        promptTokens: plan.promptIds.length,
        completionTokens,
        cachedTokens: result.cachedTokens,
      },
    });
  } catch (error) {
    stopper.abort(error);
    stream.result.catch(() => {});
    channel.fail(
      error instanceof ApiError
        ? error
        : new GenerationError((error as Error)?.message ?? String(error)),
    );
  }
}
