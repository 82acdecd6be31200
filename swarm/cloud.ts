/**
 * A minimal OpenAI-compatible chat client (`POST /v1/chat/completions`, non-streaming) for cloud
 * fallback and remote specialists: another synapse, vLLM, Ollama or a hosted API.
 * @module
 */
import { CloudError } from "./errors.ts";
import type { EndpointConfig } from "./specialist.ts";

/** One reply from an endpoint. */
export interface CloudReply {
  content: string;
  finishReason: string | null;
  /** Log-probabilities of the reply's tokens, when the endpoint returned them. */
  logprobs: { logprob: number; topLogprobs: { logprob: number }[] }[];
  usage: { promptTokens: number; completionTokens: number };
}

/** Options of one chat call. */
export interface CloudChatOptions {
  maxTokens?: number;
  temperature?: number;
  /** Ask for this many alternatives per token (endpoints may ignore it). */
  logprobs?: number;
  signal?: AbortSignal;
  /** Milliseconds before the call is abandoned (default 60 s). */
  timeoutMs?: number;
}

/** The chat-completions URL for a base URL given with or without its `/v1`. */
export function chatCompletionsUrl(base: string): string {
  const url = new URL(base);
  const path = url.pathname.replace(/\/+$/, "");
  url.pathname = path.endsWith("/v1") ? `${path}/chat/completions` : `${path}/v1/chat/completions`;
  return url.toString();
}

function parseReply(body: unknown): CloudReply {
  const choice = (body as { choices?: unknown[] })?.choices?.[0] as
    | { message?: { content?: unknown }; finish_reason?: string; logprobs?: unknown }
    | undefined;
  if (!choice || typeof choice.message?.content !== "string") {
    throw new CloudError(
      `expected choices[0].message.content to be a string, found ${
        JSON.stringify(body).slice(0, 200)
      }`,
    );
  }
  const usage = (body as { usage?: Record<string, number> }).usage ?? {};
  const content = (choice.logprobs as { content?: unknown[] } | null)?.content ?? [];
  const logprobs = (content as { logprob: number; top_logprobs?: { logprob: number }[] }[])
    .filter((t) => typeof t?.logprob === "number")
    .map((t) => ({ logprob: t.logprob, topLogprobs: t.top_logprobs ?? [] }));
  return {
    content: choice.message.content,
    finishReason: choice.finish_reason ?? null,
    logprobs,
    usage: {
      promptTokens: usage.prompt_tokens ?? 0,
      completionTokens: usage.completion_tokens ?? 0,
    },
  };
}

/** Talks to one OpenAI-compatible endpoint. */
export class CloudClient {
  readonly #url: string;
  constructor(readonly endpoint: EndpointConfig) {
    this.#url = chatCompletionsUrl(endpoint.url);
  }

  /** Sends `messages` and returns the reply; throws `CloudError` on any failure. */
  async chat(
    messages: readonly { role: string; content: string }[],
    options: CloudChatOptions = {},
  ): Promise<CloudReply> {
    const body: Record<string, unknown> = {
      model: this.endpoint.model,
      messages: messages.map((m) => ({ role: m.role, content: m.content })),
      temperature: options.temperature ?? 0,
      stream: false,
    };
    if (options.maxTokens !== undefined) body.max_tokens = options.maxTokens;
    if (options.logprobs) Object.assign(body, { logprobs: true, top_logprobs: options.logprobs });
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (this.endpoint.apiKey) headers.authorization = `Bearer ${this.endpoint.apiKey}`;
    const timeout = AbortSignal.timeout(options.timeoutMs ?? 60_000);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    let response: Response;
    try {
      response = await fetch(this.#url, {
        method: "POST",
        headers,
        body: JSON.stringify(body),
        signal,
        redirect: "error",
      });
    } catch (cause) {
      throw new CloudError(`could not reach ${this.#url}: ${(cause as Error).message}`, undefined, {
        cause,
      });
    }
    const text = await response.text();
    if (!response.ok) {
      throw new CloudError(
        `${this.#url} answered ${response.status}: ${text.slice(0, 300)}`,
        response.status,
      );
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new CloudError(
        `${this.#url} answered non-JSON: ${text.slice(0, 200)}`,
        response.status,
      );
    }
    return parseReply(json);
  }
}
