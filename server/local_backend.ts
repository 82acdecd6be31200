/**
 * The default backend: answers chats and text completions with the models the `ModelManager`
 * loads, one generation slot per request (FIFO queue, 503 when full).
 * @module
 */
import type { Model, SamplingParams } from "../engine/mod.ts";
import type {
  BackendModel,
  ChatBackend,
  ChatDelta,
  ChatOutcome,
  ChatRun,
  NormalizedChatRequest,
  ResponseFormat,
} from "./backend.ts";
import { ApiError, GenerationError, InvalidRequestError } from "./errors.ts";
import { generateAnswer } from "./generate.ts";
import type { ModelLease, ModelManager } from "./models.ts";
import { RunChannel } from "./run_channel.ts";
import type { SlotQueue } from "./slots.ts";

/** A text completion (`/v1/completions`, `/api/generate`) after validation. */
export interface NormalizedCompletionRequest {
  model: string;
  /** The prompt as text (rendered by the caller when a template applies) or as token ids. */
  prompt: string | number[];
  maxTokens?: number;
  sampling: SamplingParams;
  stop: string[];
  responseFormat: ResponseFormat;
  logprobs?: number;
  keepAliveMs?: number;
  /** Builds the prompt text from the loaded model (chat template, fill-in-the-middle). */
  render?: (model: Model) => string;
}

/** A run with its admission promise (see `ChatRun.ready`). */
type AdmittedRun = ChatRun & { ready: Promise<void> };

function randomId(): string {
  return crypto.randomUUID().replaceAll("-", "").slice(0, 24);
}

/** Checks every prompt id is inside the model's vocabulary (400 otherwise). */
export function checkVocabulary(model: Model, ids: readonly number[]): void {
  const bad = ids.find((id) => !Number.isInteger(id) || id < 0 || id >= model.info.vocabSize);
  if (bad !== undefined) {
    throw new InvalidRequestError(
      `prompt token id ${bad} is out of vocabulary (0 to ${model.info.vocabSize - 1})`,
      "prompt",
    );
  }
}

/**
 * Runs prompt preparation (template rendering, tokenization); a failure there that is not
 * already an API error is the request's content: a 400, not a 500.
 */
function prepare<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof ApiError) throw error;
    throw new InvalidRequestError(
      `the prompt could not be prepared: ${(error as Error)?.message?.split("\n")[0] ?? error}`,
      "messages",
    );
  }
}

/** Serves the models of a ModelManager. */
export class LocalBackend implements ChatBackend {
  readonly name = "local";
  readonly #manager: ModelManager;
  readonly #slots: SlotQueue;

  constructor(manager: ModelManager, slots: SlotQueue) {
    this.#manager = manager;
    this.#slots = slots;
  }

  /** Every name: it is asked last, and answers 404 for names it does not know. */
  matches(_model: string): boolean {
    return true;
  }

  async models(): Promise<BackendModel[]> {
    return (await this.#manager.catalog.list()).map((s) => ({
      name: s.name,
      size: s.size,
      created: Math.floor(s.modifiedAt.getTime() / 1000),
    }));
  }

  chat(request: NormalizedChatRequest, signal: AbortSignal): AdmittedRun {
    return this.#run(request.model, request.keepAliveMs, signal, (lease) => {
      const prompt = lease.model.renderChat(request.messages, {
        addGenerationPrompt: true,
        enableThinking: request.enableThinking,
        tools: request.tools,
      });
      return generateAnswer({
        model: lease.model,
        promptIds: lease.model.encode(prompt),
        maxTokens: request.maxTokens,
        sampling: request.sampling,
        stop: request.stop,
        responseFormat: request.responseFormat,
        logprobs: request.logprobs,
        tools: (request.tools?.length ?? 0) > 0,
        thinking: request.enableThinking,
        idPrefix: `call_${randomId()}`,
      }, signal);
    });
  }

  /** Runs a text completion (no chat template unless `render` applies one). */
  complete(request: NormalizedCompletionRequest, signal: AbortSignal): AdmittedRun {
    return this.#run(request.model, request.keepAliveMs, signal, (lease) => {
      const model = lease.model;
      let promptIds: number[];
      if (Array.isArray(request.prompt)) {
        checkVocabulary(model, request.prompt);
        promptIds = request.prompt;
      } else {
        promptIds = model.encode(request.render ? request.render(model) : request.prompt);
      }
      if (promptIds.length === 0) throw new InvalidRequestError("prompt is empty", "prompt");
      return generateAnswer({
        model,
        promptIds,
        maxTokens: request.maxTokens,
        sampling: request.sampling,
        stop: request.stop,
        responseFormat: request.responseFormat,
        logprobs: request.logprobs,
        tools: false,
        thinking: false,
        idPrefix: "call",
      }, signal);
    });
  }

  /** Runs `fn` with a slot and a lease on `model` (embeddings, `/api/show`). */
  async use<T>(
    model: string,
    signal: AbortSignal,
    fn: (lease: ModelLease) => Promise<T> | T,
    keepAliveMs?: number,
  ): Promise<T> {
    const release = await this.#slots.acquire(signal);
    try {
      const lease = await this.#manager.acquire(model, signal);
      try {
        return await fn(lease);
      } finally {
        lease.release(keepAliveMs);
      }
    } finally {
      release();
    }
  }

  /** Admission (slot, then model), then the generation `start` builds, piped into one run. */
  #run(
    model: string,
    keepAliveMs: number | undefined,
    signal: AbortSignal,
    start: (lease: ModelLease) => ChatRun,
  ): AdmittedRun {
    const channel = new RunChannel<ChatDelta, ChatOutcome>();
    let admit!: () => void;
    let refuse!: (error: unknown) => void;
    const ready = new Promise<void>((resolve, reject) => {
      admit = resolve;
      refuse = reject;
    });
    ready.catch(() => {});
    (async () => {
      const release = await this.#slots.acquire(signal);
      try {
        const lease = await this.#manager.acquire(model, signal);
        try {
          const run = prepare(() => start(lease));
          admit();
          try {
            for await (const delta of run) await channel.push(delta);
            channel.end(await run.result);
          } catch (error) {
            // The engine failed mid-generation: the model may be unusable (device lost, bad
            // state), so the next request gets a freshly loaded one.
            if (error instanceof GenerationError) this.#manager.discard(lease.model, error.message);
            throw error;
          }
        } finally {
          lease.release(keepAliveMs);
        }
      } finally {
        release();
      }
    })().catch((error) => {
      refuse(error);
      channel.fail(error);
    });
    return Object.assign(channel, { ready });
  }
}
