/**
 * OpenAI response shapes: chat completions and their stream chunks, text completions, usage,
 * log-probabilities, tool calls.
 * @module
 */
import type { ChatDelta, ChatFinishReason, ChatOutcome, TokenLogprob } from "../backend.ts";

/** The fields every chunk and response of one answer share. */
export interface ResponseHead {
  id: string;
  created: number;
  model: string;
}

/** OpenAI's usage object. */
export function usageOf(outcome: ChatOutcome) {
  const { promptTokens, completionTokens, cachedTokens } = outcome.usage;
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
    prompt_tokens_details: { cached_tokens: cachedTokens ?? 0 },
  };
}

/** OpenAI's finish_reason (`cancelled` by shutdown reads `abort`). */
export function finishReasonOf(reason: ChatFinishReason, shutdown = false): string {
  return reason === "cancelled" ? (shutdown ? "abort" : "cancelled") : reason;
}

/** Chat `logprobs.content` entries. */
export function chatLogprobs(entries: readonly TokenLogprob[]) {
  return entries.map((e) => ({
    token: e.token,
    logprob: e.logprob,
    bytes: e.bytes,
    top_logprobs: e.topLogprobs.map((t) => ({
      token: t.token,
      logprob: t.logprob,
      bytes: t.bytes,
    })),
  }));
}

/** The non-streamed chat completion. */
export function chatCompletion(
  head: ResponseHead,
  outcome: ChatOutcome,
  logprobs: TokenLogprob[] | null,
  extensions: Record<string, unknown>,
  shutdown = false,
) {
  const toolCalls = outcome.toolCalls;
  const message: Record<string, unknown> = {
    role: "assistant",
    content: toolCalls && outcome.content.trim() === "" ? null : outcome.content,
  };
  if (outcome.reasoning) message.reasoning_content = outcome.reasoning;
  if (toolCalls) message.tool_calls = toolCalls;
  return {
    id: head.id,
    object: "chat.completion",
    created: head.created,
    model: head.model,
    choices: [{
      index: 0,
      message,
      logprobs: logprobs ? { content: chatLogprobs(logprobs) } : null,
      finish_reason: finishReasonOf(outcome.finishReason, shutdown),
    }],
    usage: usageOf(outcome),
    ...(Object.keys(extensions).length > 0 ? { synapse: extensions } : {}),
  };
}

/** One `chat.completion.chunk`. */
export function chatChunk(
  head: ResponseHead,
  delta: Record<string, unknown>,
  finishReason: string | null = null,
  logprobs: TokenLogprob[] | null = null,
) {
  return {
    id: head.id,
    object: "chat.completion.chunk",
    created: head.created,
    model: head.model,
    choices: [{
      index: 0,
      delta,
      logprobs: logprobs ? { content: chatLogprobs(logprobs) } : null,
      finish_reason: finishReason,
    }],
  };
}

/** The chunk `delta` for one answer delta. */
export function chunkDelta(delta: ChatDelta): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (delta.content) out.content = delta.content;
  if (delta.reasoning) out.reasoning_content = delta.reasoning;
  if (delta.toolCalls) {
    out.tool_calls = delta.toolCalls.map((c) => ({
      index: c.index,
      ...(c.id ? { id: c.id } : {}),
      type: "function",
      function: c.function,
    }));
  }
  return out;
}

/** Text-completion `logprobs` (legacy shape) for a piece of text starting at `offset`. */
export function completionLogprobs(entries: readonly TokenLogprob[], offset: number) {
  const textOffset: number[] = [];
  let at = offset;
  for (const e of entries) {
    textOffset.push(at);
    at += e.token.length;
  }
  return {
    tokens: entries.map((e) => e.token),
    token_logprobs: entries.map((e) => e.logprob),
    top_logprobs: entries.map((e) =>
      Object.fromEntries(e.topLogprobs.map((t) => [t.token, t.logprob]))
    ),
    text_offset: textOffset,
  };
}
