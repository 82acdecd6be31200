/**
 * `POST /v1/completions`: raw-prompt completion (text or token ids, optional `suffix` for
 * fill-in-the-middle), as JSON or an SSE stream of `text_completion` chunks.
 * @module
 */
import type { TokenLogprob } from "../backend.ts";
import { readJsonObject } from "../body.ts";
import {
  checkAccepting,
  deltasOf,
  type ServerContext,
  ShutdownAbort,
  startRun,
} from "../context.ts";
import { InvalidRequestError } from "../errors.ts";
import { fimPrompt } from "../fim.ts";
import type { NormalizedCompletionRequest } from "../local_backend.ts";
import {
  invalid,
  optionalBoolean,
  optionalInteger,
  optionalObject,
  requiredString,
  stopStrings,
} from "../params.ts";
import type { Route } from "../route.ts";
import { responseId } from "./chat.ts";
import { MAX_TOKENS_LIMIT, openAiSampling, rejectOpenAiUnsupported } from "./chat_request.ts";
import { completionLogprobs, finishReasonOf, type ResponseHead, usageOf } from "./shapes.ts";
import { sseStream } from "./sse.ts";

function promptOf(value: unknown): string | number[] {
  const isIds = (v: unknown): v is number[] =>
    Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === "number");
  if (typeof value === "string") return value.toWellFormed();
  if (isIds(value)) return value;
  if (Array.isArray(value) && value.length === 1) {
    if (typeof value[0] === "string") return value[0].toWellFormed();
    if (isIds(value[0])) return value[0];
  }
  if (
    Array.isArray(value) && value.length > 1 &&
    value.every((v) => typeof v === "string" || Array.isArray(v))
  ) {
    throw new InvalidRequestError("one prompt per request is supported (n = 1)", "prompt");
  }
  if (
    Array.isArray(value) && value.some((v) => typeof v === "number") &&
    value.some((v) => typeof v !== "number")
  ) {
    throw new InvalidRequestError(
      "prompt mixes strings and token ids; out of vocabulary",
      "prompt",
    );
  }
  return invalid("prompt", "a string or a list of token ids", value);
}

/** Validates a completion body. */
export function parseOpenAiCompletion(body: Record<string, unknown>) {
  const model = requiredString(body, "model");
  const prompt = promptOf(body.prompt);
  rejectOpenAiUnsupported(body);
  if (optionalBoolean(body, "echo")) throw new InvalidRequestError("echo is not supported", "echo");
  const suffix = body.suffix;
  if (suffix !== undefined && suffix !== null && typeof suffix !== "string") {
    invalid("suffix", "a string", suffix);
  }
  if (suffix && typeof prompt !== "string") {
    throw new InvalidRequestError("suffix needs a text prompt", "suffix");
  }
  const stream = optionalBoolean(body, "stream") ?? false;
  const options = optionalObject(body, "stream_options");
  if (options && !stream) {
    throw new InvalidRequestError(
      "stream_options is only allowed when stream is true",
      "stream_options",
    );
  }
  const logprobs = optionalInteger(body, "logprobs", 0, 5);
  const request: NormalizedCompletionRequest = {
    model,
    prompt,
    maxTokens: optionalInteger(body, "max_tokens", 1, MAX_TOKENS_LIMIT) ?? 16,
    sampling: openAiSampling(body),
    stop: stopStrings(body.stop, "stop"),
    responseFormat: { type: "text" },
    logprobs,
    render: suffix ? (m) => fimPrompt(m, prompt as string, suffix as string) : undefined,
  };
  return { request, stream, includeUsage: options?.include_usage === true };
}

function completion(
  head: ResponseHead,
  text: string,
  logprobs: TokenLogprob[] | null,
  finish: string | null,
) {
  return {
    id: head.id,
    object: "text_completion",
    created: head.created,
    model: head.model,
    choices: [{
      text,
      index: 0,
      logprobs: logprobs ? completionLogprobs(logprobs, 0) : null,
      finish_reason: finish,
    }],
  };
}

/** The text completions route (local models only). */
export function completionsRoute(ctx: ServerContext): Route {
  return {
    method: "POST",
    path: "/v1/completions",
    async handle(req) {
      checkAccepting(ctx);
      const { request, stream, includeUsage } = parseOpenAiCompletion(
        await readJsonObject(req, ctx.limits),
      );
      const head: ResponseHead = {
        id: responseId("cmpl"),
        created: Math.floor(Date.now() / 1000),
        model: request.model,
      };
      const { run, admitted, tracker } = await startRun(
        ctx,
        req,
        (signal) => ctx.local.complete(request, signal),
      );
      const wantLogprobs = request.logprobs !== undefined;
      if (!stream) {
        try {
          const logprobs: TokenLogprob[] = [];
          for await (const d of deltasOf(admitted)) if (d.logprobs) logprobs.push(...d.logprobs);
          const outcome = await run.result;
          const shutdown = tracker.signal.reason instanceof ShutdownAbort;
          return Response.json({
            ...completion(
              head,
              outcome.content,
              wantLogprobs ? logprobs : null,
              finishReasonOf(outcome.finishReason, shutdown),
            ),
            usage: usageOf(outcome),
          });
        } finally {
          tracker.done();
        }
      }
      let offset = 0;
      return sseStream(ctx, admitted, run, tracker, {
        start: () => [],
        delta: (d) => {
          if (!d.content && !d.logprobs) return [];
          const chunk = completion(head, d.content ?? "", null, null);
          if (wantLogprobs && d.logprobs) {
            chunk.choices[0].logprobs = completionLogprobs(d.logprobs, offset);
          }
          offset += (d.content ?? "").length;
          return [chunk];
        },
        end: (outcome, shutdown) => {
          const frames: unknown[] = [
            completion(head, "", null, finishReasonOf(outcome.finishReason, shutdown)),
          ];
          if (includeUsage) {
            frames.push({
              ...completion(head, "", null, null),
              choices: [],
              usage: usageOf(outcome),
            });
          }
          return frames;
        },
      });
    },
  };
}
