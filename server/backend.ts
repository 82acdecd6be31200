/**
 * The seam between the HTTP layer and whatever answers a chat: the server validates an OpenAI or
 * Ollama request into a `NormalizedChatRequest`, asks each registered `ChatBackend` in turn
 * whether it `matches` the model name, and streams the first match's `ChatDelta`s back.
 *
 * The default backend serves the loaded models (`qwen3:0.6b`, `default`, `model:ADAPTER`); the
 * swarm registers one for `synapse` and `synapse:NAME` (`createServer({ backends: [...] })`).
 * Backends registered there are asked before the default one.
 * @module
 */
import type { ChatMessage, SamplingParams } from "../engine/mod.ts";

/** An OpenAI tool (function) definition, as the client sent it and as chat templates take it. */
export interface ToolDefinition {
  type: "function";
  function: {
    name: string;
    description?: string;
    /** JSON Schema of the arguments object. */
    parameters?: Record<string, unknown>;
  };
}

/** What shape the answer must have; `json_*` are enforced by constrained decoding. */
export type ResponseFormat =
  | { type: "text" }
  | { type: "json_object" }
  | { type: "json_schema"; name: string; schema: Record<string, unknown>; strict?: boolean };

/** A chat request after validation: the same for OpenAI `/v1/chat/completions` and Ollama `/api/chat`. */
export interface NormalizedChatRequest {
  /** The model name exactly as the client sent it, e.g. `qwen3:0.6b`, `synapse`, `synapse:math`. */
  model: string;
  /** The conversation, system turn first when there is one; never empty. */
  messages: ChatMessage[];
  /** Most tokens to generate; undefined means until a stop or the end of the context. */
  maxTokens?: number;
  /** Temperature, top-p, seed, penalties; `{}` means greedy. */
  sampling: SamplingParams;
  /** Texts that end the answer; they are not part of the answer (0-16 entries). */
  stop: string[];
  /** Tools the model may call; the backend parses its tool-call output into `ChatOutcome.toolCalls`. */
  tools?: ToolDefinition[];
  /** Required answer shape (default text). */
  responseFormat: ResponseFormat;
  /** Report log-probabilities with this many alternatives (0-20); undefined = none. */
  logprobs?: number;
  /** Qwen3-style thinking; false unless the client asks (`think: true` on Ollama). */
  enableThinking: boolean;
  /** Which protocol the request came in on, for backends that care (logging, defaults). */
  api: "openai" | "ollama";
  /** Ollama `keep_alive` in ms (0 unloads after the answer, negative keeps it loaded). */
  keepAliveMs?: number;
}

/** Log-probability of one generated token and its top alternatives. */
export interface TokenLogprob {
  token: string;
  logprob: number;
  /** UTF-8 bytes of `token`. */
  bytes: number[];
  topLogprobs: { token: string; logprob: number; bytes: number[] }[];
}

/** One tool call the model made. `arguments` is the JSON text of the arguments object. */
export interface ToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

/** A piece of a streamed tool call, keyed by `index` (OpenAI streaming shape). */
export interface ToolCallDelta {
  index: number;
  id?: string;
  type?: "function";
  function: { name?: string; arguments?: string };
}

/**
 * One increment of the answer. Text is already UTF-8 safe (never half a character) and never
 * contains text that might still turn out to be the start of a stop string.
 */
export interface ChatDelta {
  /** Answer text appended since the last delta. */
  content?: string;
  /** Thinking text (inside `<think>`), when thinking is enabled. */
  reasoning?: string;
  toolCalls?: ToolCallDelta[];
  /** One entry per generated token covered by this delta, when logprobs were requested. */
  logprobs?: TokenLogprob[];
}

/** Why an answer ended: OpenAI's finish reasons, plus `cancelled` when the client went away. */
export type ChatFinishReason = "stop" | "length" | "tool_calls" | "cancelled";

/** Token counts, as the model's tokenizer counts them. */
export interface Usage {
  promptTokens: number;
  completionTokens: number;
  /** Prompt tokens whose keys and values came from the engine's cache of earlier prompts. */
  cachedTokens?: number;
}

/** How an answer ended, once it has. */
export interface ChatOutcome {
  /** The whole answer text (all `content` deltas joined, stop string removed). */
  content: string;
  reasoning?: string;
  /** Parsed tool calls, when the model called tools (`finishReason` is then `tool_calls`). */
  toolCalls?: ToolCall[];
  finishReason: ChatFinishReason;
  usage: Usage;
  /**
   * Backend-specific results (routing, specialists, confidence, claim verdicts); copied to the
   * response as `synapse: {...extensions}`, which OpenAI and Ollama clients ignore.
   */
  extensions?: Record<string, unknown>;
}

/**
 * A running answer: iterate it for deltas; `result` settles when the answer ends (also after
 * cancellation through the signal, with `finishReason: "cancelled"`) and rejects on failure.
 * Consumers that only want the outcome may skip iterating.
 */
export interface ChatRun extends AsyncIterable<ChatDelta> {
  readonly result: Promise<ChatOutcome>;
  /**
   * Optional: resolves once the request is admitted (model loaded, prompt accepted), rejects with
   * the error to answer with otherwise. The server sends the HTTP status after it, so a 404 or
   * 400 is not lost behind a 200 already sent; without it the server waits for the first delta.
   */
  readonly ready?: Promise<void>;
}

/** A model a backend offers, for `/v1/models` and `/api/tags`. */
export interface BackendModel {
  /** The name clients put in `model`. */
  name: string;
  /** e.g. "qwen3". */
  family?: string;
  /** Bytes on disk, when known. */
  size?: number;
  /** Seconds since the epoch when it appeared. */
  created?: number;
}

/** Something that answers chats for the model names it `matches`. */
export interface ChatBackend {
  /** Short name for logs and `/api/status`, e.g. "local", "swarm". */
  readonly name: string;
  /** Whether this backend answers requests for `model` (checked in registration order). */
  matches(model: string): boolean;
  /**
   * Starts answering. Throw `ModelNotFoundError` (404) for a name it matched but cannot serve,
   * `InvalidRequestError` (400) for a request it cannot honour; aborting `signal` must stop
   * generation within one decode step and free its KV cache.
   */
  chat(request: NormalizedChatRequest, signal: AbortSignal): ChatRun;
  /** The models it offers for listings (may be empty). */
  models(): BackendModel[] | Promise<BackendModel[]>;
}
