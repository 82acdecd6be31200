/**
 * `POST /v1/chat/completions`: validates, hands the chat to the matching backend, and answers
 * as one JSON object or as an SSE stream (role chunk, content chunks with one id, finish chunk,
 * optional usage chunk with empty choices, `[DONE]`).
 * @module
 */
import type { ChatOutcome, TokenLogprob } from "../backend.ts";
import { readJsonObject } from "../body.ts";
import {
  type admit,
  backendFor,
  checkAccepting,
  deltasOf,
  observe,
  type ServerContext,
  ShutdownAbort,
  startRun,
} from "../context.ts";
import type { Route } from "../route.ts";
import { parseOpenAiChat } from "./chat_request.ts";
import {
  chatChunk,
  chatCompletion,
  chunkDelta,
  finishReasonOf,
  type ResponseHead,
  usageOf,
} from "./shapes.ts";
import { type SseRenderer, sseStream } from "./sse.ts";

/** A new response id with `prefix` (`chatcmpl`, `cmpl`). */
export function responseId(prefix: string): string {
  return `${prefix}-${crypto.randomUUID().replaceAll("-", "")}`;
}

async function collect(
  admitted: Awaited<ReturnType<typeof admit>>,
  wantLogprobs: boolean,
): Promise<TokenLogprob[] | null> {
  const logprobs: TokenLogprob[] = [];
  for await (const delta of deltasOf(admitted)) {
    if (delta.logprobs) logprobs.push(...delta.logprobs);
  }
  return wantLogprobs ? logprobs : null;
}

function chatRenderer(
  head: ResponseHead,
  includeUsage: boolean,
  finish: (outcome: ChatOutcome) => Promise<Record<string, unknown>>,
): SseRenderer {
  return {
    start: () => [chatChunk(head, { role: "assistant" })],
    delta: (delta) => {
      const body = chunkDelta(delta);
      if (Object.keys(body).length === 0 && !delta.logprobs) return [];
      return [chatChunk(head, body, null, delta.logprobs ?? null)];
    },
    end: async (outcome, shutdown) => {
      const extensions = await finish(outcome);
      const last = chatChunk(head, {}, finishReasonOf(outcome.finishReason, shutdown));
      const frames: unknown[] = [
        Object.keys(extensions).length > 0 ? { ...last, synapse: extensions } : last,
      ];
      if (includeUsage) {
        frames.push({ ...chatChunk(head, {}), choices: [], usage: usageOf(outcome) });
      }
      return frames;
    },
  };
}

/** The chat completions route. */
export function chatRoute(ctx: ServerContext): Route {
  return {
    method: "POST",
    path: "/v1/chat/completions",
    async handle(req) {
      checkAccepting(ctx);
      const parsed = parseOpenAiChat(await readJsonObject(req, ctx.limits));
      const { chat } = parsed;
      const backend = backendFor(ctx, chat.model);
      const started = Date.now();
      const head: ResponseHead = {
        id: responseId("chatcmpl"),
        created: Math.floor(started / 1000),
        model: chat.model,
      };
      const { run, admitted, tracker } = await startRun(ctx, req, (s) => backend.chat(chat, s));
      // Observers (memory log) see completed answers; their results join the extensions.
      const finish = async (outcome: ChatOutcome) => {
        const own = outcome.extensions ?? {};
        if (outcome.finishReason === "cancelled") return own;
        const latencyMs = Date.now() - started;
        const extra = await observe(ctx, {
          request: chat,
          outcome,
          responseId: head.id,
          latencyMs,
          backend: backend.name,
        });
        return { ...own, ...extra };
      };
      if (parsed.stream) {
        return sseStream(
          ctx,
          admitted,
          run,
          tracker,
          chatRenderer(head, parsed.includeUsage, finish),
        );
      }
      try {
        const logprobs = await collect(admitted, chat.logprobs !== undefined);
        const outcome = await run.result;
        const shutdown = tracker.signal.reason instanceof ShutdownAbort;
        const extensions = await finish(outcome);
        return Response.json(chatCompletion(head, outcome, logprobs, extensions, shutdown));
      } finally {
        tracker.done();
      }
    },
  };
}
