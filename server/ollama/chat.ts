/**
 * Ollama's `POST /api/chat` and `POST /api/generate` (NDJSON streaming by default, `format`
 * for JSON, `keep_alive`, `suffix` for fill-in-the-middle, empty input to load or unload).
 * @module
 */
import type {
  ChatDelta,
  ChatOutcome,
  ChatRun,
  NormalizedChatRequest,
  ToolCall,
} from "../backend.ts";
import { readJsonObject } from "../body.ts";
import {
  backendFor,
  checkAccepting,
  deltasOf,
  observe,
  type ServerContext,
  ShutdownAbort,
  startRun,
} from "../context.ts";
import { InvalidRequestError } from "../errors.ts";
import { fimPrompt } from "../fim.ts";
import type { NormalizedCompletionRequest } from "../local_backend.ts";
import { parseMessages, parseTools } from "../messages.ts";
import { invalid, requiredString } from "../params.ts";
import { parseOllamaFormat } from "../response_format.ts";
import type { Route } from "../route.ts";
import { ndjsonStream } from "./ndjson.ts";
import { createdAt, parseKeepAlive, parseOllamaOptions, streamFlag, thinkFlag } from "./request.ts";

const NS = 1_000_000;

function doneReason(outcome: ChatOutcome, shutdown: boolean): string {
  if (outcome.finishReason === "cancelled") return shutdown ? "abort" : "cancelled";
  return outcome.finishReason === "tool_calls" ? "stop" : outcome.finishReason;
}

function stats(outcome: ChatOutcome, started: number) {
  const total = (Date.now() - started) * NS;
  return {
    total_duration: total,
    load_duration: 0,
    prompt_eval_count: outcome.usage.promptTokens,
    prompt_eval_duration: 0,
    eval_count: outcome.usage.completionTokens,
    eval_duration: total,
  };
}

function ollamaToolCalls(calls: readonly { function: { name?: string; arguments?: string } }[]) {
  return calls.map((c) => ({
    function: { name: c.function.name ?? "", arguments: JSON.parse(c.function.arguments || "{}") },
  }));
}

function chatMessage(
  delta: { content?: string; reasoning?: string; toolCalls?: ToolCall[] | ChatDelta["toolCalls"] },
) {
  const message: Record<string, unknown> = { role: "assistant", content: delta.content ?? "" };
  if (delta.reasoning) message.thinking = delta.reasoning;
  if (delta.toolCalls?.length) message.tool_calls = ollamaToolCalls(delta.toolCalls);
  return message;
}

async function loadOnly(
  ctx: ServerContext,
  model: string,
  keepAliveMs: number | undefined,
  field: "message" | "response",
) {
  const body = field === "message"
    ? { message: { role: "assistant", content: "" } }
    : { response: "" };
  if (keepAliveMs === 0) {
    await ctx.manager.unload(model);
    return Response.json({
      model,
      created_at: createdAt(),
      ...body,
      done_reason: "unload",
      done: true,
    });
  }
  const lease = await ctx.manager.acquire(model);
  lease.release(keepAliveMs);
  return Response.json({
    model,
    created_at: createdAt(),
    ...body,
    done_reason: "load",
    done: true,
  });
}

/** Shared tail of chat and generate: admission, then one JSON object or an NDJSON stream. */
async function answer(
  ctx: ServerContext,
  req: Request,
  options: {
    model: string;
    stream: boolean;
    start: (signal: AbortSignal) => ChatRun;
    line: (payload: Record<string, unknown>) => Record<string, unknown>;
    delta: (delta: ChatDelta) => Record<string, unknown>;
    whole: (outcome: ChatOutcome) => Record<string, unknown>;
    finished?: (outcome: ChatOutcome, started: number) => Promise<Record<string, unknown>>;
  },
): Promise<Response> {
  const started = Date.now();
  const { run, admitted, tracker } = await startRun(ctx, req, options.start);
  const isShutdown = () => tracker.signal.reason instanceof ShutdownAbort;
  const tail = async (outcome: ChatOutcome) => {
    const extensions = (await options.finished?.(outcome, started)) ?? {};
    return {
      done_reason: doneReason(outcome, isShutdown()),
      done: true,
      ...stats(outcome, started),
      ...(Object.keys(extensions).length > 0 ? { synapse: extensions } : {}),
    };
  };
  if (!options.stream) {
    try {
      for await (const _ of deltasOf(admitted)) { /* drive to the end */ }
      const outcome = await run.result;
      return Response.json({ ...options.line(options.whole(outcome)), ...(await tail(outcome)) });
    } finally {
      tracker.done();
    }
  }
  return ndjsonStream(ctx, admitted, run, tracker, {
    delta: (
      d,
    ) => (d.content || d.reasoning || d.toolCalls
      ? [{ ...options.line(options.delta(d)), done: false }]
      : []),
    end: async (outcome) => [{ ...options.line(options.delta({})), ...(await tail(outcome)) }],
  }, isShutdown);
}

/** `POST /api/chat`. */
export function ollamaChatRoute(ctx: ServerContext): Route {
  return {
    method: "POST",
    path: "/api/chat",
    async handle(req) {
      checkAccepting(ctx);
      const body = await readJsonObject(req, ctx.limits);
      const model = requiredString(body, "model");
      const keepAliveMs = parseKeepAlive(body.keep_alive);
      if (
        body.messages === undefined || (Array.isArray(body.messages) && body.messages.length === 0)
      ) {
        return loadOnly(ctx, model, keepAliveMs, "message");
      }
      const options = parseOllamaOptions(body);
      const chat: NormalizedChatRequest = {
        model,
        messages: parseMessages(body.messages),
        maxTokens: options.maxTokens,
        sampling: options.sampling,
        stop: options.stop,
        tools: parseTools(body.tools),
        responseFormat: parseOllamaFormat(body.format),
        enableThinking: thinkFlag(body),
        api: "ollama",
        keepAliveMs,
      };
      const backend = backendFor(ctx, model);
      const line = (payload: Record<string, unknown>) => ({
        model,
        created_at: createdAt(),
        ...payload,
      });
      return answer(ctx, req, {
        model,
        stream: streamFlag(body),
        start: (signal) => backend.chat(chat, signal),
        line,
        delta: (d) => ({ message: chatMessage(d) }),
        whole: (o) => ({ message: chatMessage(o) }),
        finished: async (outcome, started) => {
          const own = outcome.extensions ?? {};
          if (outcome.finishReason === "cancelled") return own;
          const responseId = `ollama-${crypto.randomUUID()}`;
          const extra = await observe(ctx, {
            request: chat,
            outcome,
            responseId,
            latencyMs: Date.now() - started,
            backend: backend.name,
          });
          return { ...own, ...extra };
        },
      });
    },
  };
}

function generateRequest(
  body: Record<string, unknown>,
  model: string,
  prompt: string,
): NormalizedCompletionRequest {
  const options = parseOllamaOptions(body);
  const suffix = body.suffix;
  if (suffix !== undefined && suffix !== null && typeof suffix !== "string") {
    invalid("suffix", "a string", suffix);
  }
  const system = body.system;
  if (system !== undefined && system !== null && typeof system !== "string") {
    invalid("system", "a string", system);
  }
  if (body.raw !== undefined && typeof body.raw !== "boolean") {
    invalid("raw", "true or false", body.raw);
  }
  if (Array.isArray(body.images) && body.images.length > 0) {
    throw new InvalidRequestError(
      "images are not supported; this server accepts text only",
      "images",
    );
  }
  const think = thinkFlag(body);
  return {
    model,
    prompt,
    maxTokens: options.maxTokens,
    sampling: options.sampling,
    stop: options.stop,
    responseFormat: parseOllamaFormat(body.format),
    keepAliveMs: parseKeepAlive(body.keep_alive),
    render: (m) => {
      if (suffix) return fimPrompt(m, prompt, suffix);
      if (body.raw === true) return prompt;
      const messages = [
        ...(system ? [{ role: "system" as const, content: system }] : []),
        { role: "user" as const, content: prompt },
      ];
      return m.renderChat(messages, { addGenerationPrompt: true, enableThinking: think });
    },
  };
}

/** `POST /api/generate`. */
export function ollamaGenerateRoute(ctx: ServerContext): Route {
  return {
    method: "POST",
    path: "/api/generate",
    async handle(req) {
      checkAccepting(ctx);
      const body = await readJsonObject(req, ctx.limits);
      const model = requiredString(body, "model");
      const prompt = body.prompt ?? "";
      if (typeof prompt !== "string") invalid("prompt", "a string", prompt);
      if (prompt === "" && !body.suffix) {
        return loadOnly(ctx, model, parseKeepAlive(body.keep_alive), "response");
      }
      const request = generateRequest(body, model, prompt.toWellFormed());
      return answer(ctx, req, {
        model,
        stream: streamFlag(body),
        start: (signal) => ctx.local.complete(request, signal),
        line: (payload) => ({ model, created_at: createdAt(), ...payload }),
        delta: (d) => ({
          response: d.content ?? "",
          ...(d.reasoning ? { thinking: d.reasoning } : {}),
        }),
        whole: (o) => ({ response: o.content, ...(o.reasoning ? { thinking: o.reasoning } : {}) }),
      });
    },
  };
}
