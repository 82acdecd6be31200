/**
 * `POST /v1/chat/completions` bodies validated into a `NormalizedChatRequest` plus the streaming
 * options; every mistake is a 400 naming its `param`.
 * @module
 */
import type { SamplingParams } from "../../engine/mod.ts";
import type { NormalizedChatRequest } from "../backend.ts";
import { InvalidRequestError } from "../errors.ts";
import { parseMessages, parseTools } from "../messages.ts";
import {
  invalid,
  optionalBoolean,
  optionalInteger,
  optionalNumber,
  optionalObject,
  rejectUnsupported,
  requiredString,
  stopStrings,
} from "../params.ts";
import { parseResponseFormat } from "../response_format.ts";

/** Most tokens one request may ask for (larger values are a 400; smaller are clamped to context). */
export const MAX_TOKENS_LIMIT = 1_000_000;

/** A validated chat completion request. */
export interface OpenAiChatRequest {
  chat: NormalizedChatRequest;
  stream: boolean;
  /** `stream_options.include_usage`. */
  includeUsage: boolean;
}

/** Sampling fields shared by chat and text completions. */
export function openAiSampling(body: Record<string, unknown>): SamplingParams {
  const sampling: SamplingParams = {};
  const temperature = optionalNumber(body, "temperature", 0, 2);
  if (temperature !== undefined) sampling.temperature = temperature;
  const topP = optionalNumber(body, "top_p", 0, 1, { exclusiveMin: true });
  if (topP !== undefined) sampling.topP = topP;
  const topK = optionalInteger(body, "top_k", 0, 100_000);
  if (topK !== undefined) sampling.topK = topK;
  const minP = optionalNumber(body, "min_p", 0, 1);
  if (minP !== undefined) sampling.minP = minP;
  const seed = optionalInteger(body, "seed", Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  if (seed !== undefined) sampling.seed = seed;
  const presence = optionalNumber(body, "presence_penalty", -2, 2);
  if (presence !== undefined) sampling.presencePenalty = presence;
  const frequency = optionalNumber(body, "frequency_penalty", -2, 2);
  if (frequency !== undefined) sampling.frequencyPenalty = frequency;
  const repetition = optionalNumber(body, "repetition_penalty", 0, 10, { exclusiveMin: true });
  if (repetition !== undefined) sampling.repetitionPenalty = repetition;
  return sampling;
}

/** `max_completion_tokens` (preferred) or `max_tokens`. */
export function maxTokensOf(body: Record<string, unknown>): number | undefined {
  const completion = optionalInteger(body, "max_completion_tokens", 1, MAX_TOKENS_LIMIT);
  return completion ?? optionalInteger(body, "max_tokens", 1, MAX_TOKENS_LIMIT);
}

/** Rejects fields OpenAI has but this server does not implement with a value that matters. */
export function rejectOpenAiUnsupported(body: Record<string, unknown>): void {
  rejectUnsupported(body, "n", (v) => v === 1);
  rejectUnsupported(body, "best_of", (v) => v === 1);
  rejectUnsupported(
    body,
    "logit_bias",
    (v) => typeof v === "object" && v !== null && Object.keys(v).length === 0,
  );
  rejectUnsupported(body, "audio", () => false);
  rejectUnsupported(body, "modalities", (v) => Array.isArray(v) && v.every((m) => m === "text"));
}

function streamOptions(body: Record<string, unknown>, stream: boolean): boolean {
  const options = optionalObject(body, "stream_options");
  if (options === undefined) return false;
  if (!stream) {
    throw new InvalidRequestError(
      "stream_options is only allowed when stream is true",
      "stream_options",
    );
  }
  return optionalBoolean(options, "include_usage") ?? false;
}

function logprobsOf(body: Record<string, unknown>): number | undefined {
  const wanted = optionalBoolean(body, "logprobs") ?? false;
  const top = optionalInteger(body, "top_logprobs", 0, 20);
  if (top !== undefined && !wanted) {
    throw new InvalidRequestError("top_logprobs requires logprobs: true", "top_logprobs");
  }
  return wanted ? top ?? 0 : undefined;
}

function thinkingOf(body: Record<string, unknown>): boolean {
  const kwargs = optionalObject(body, "chat_template_kwargs");
  const flag = kwargs?.enable_thinking;
  if (flag !== undefined && typeof flag !== "boolean") {
    invalid("chat_template_kwargs.enable_thinking", "true or false", flag);
  }
  return flag === true;
}

/** Validates a chat completion body. */
export function parseOpenAiChat(body: Record<string, unknown>): OpenAiChatRequest {
  const model = requiredString(body, "model");
  const messages = parseMessages(body.messages);
  rejectOpenAiUnsupported(body);
  const stream = optionalBoolean(body, "stream") ?? false;
  const includeUsage = streamOptions(body, stream);
  let tools = parseTools(body.tools);
  const choice = body.tool_choice;
  if (choice === "none") tools = undefined;
  else if (
    choice !== undefined && choice !== null && choice !== "auto" && choice !== "required" &&
    (typeof choice !== "object" || Array.isArray(choice))
  ) {
    invalid("tool_choice", '"none", "auto", "required" or a function choice', choice);
  }
  return {
    stream,
    includeUsage,
    chat: {
      model,
      messages,
      maxTokens: maxTokensOf(body),
      sampling: openAiSampling(body),
      stop: stopStrings(body.stop, "stop"),
      tools,
      responseFormat: parseResponseFormat(body.response_format),
      logprobs: logprobsOf(body),
      enableThinking: thinkingOf(body),
      api: "openai",
    },
  };
}
