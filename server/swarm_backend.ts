/**
 * The swarm behind the chat APIs: `model: "synapse"` is routed by the swarm, `synapse:NAME`
 * forces specialist NAME; the routing, confidence and fallback come back in the `synapse`
 * extension of the response.
 * @module
 */
import { type Swarm, SwarmError, type SwarmOutcome, UnknownSpecialistError } from "../swarm/mod.ts";
import type {
  BackendModel,
  ChatBackend,
  ChatDelta,
  ChatOutcome,
  ChatRun,
  NormalizedChatRequest,
} from "./backend.ts";
import type { ChatObserver } from "./context.ts";
import { GenerationError, InvalidRequestError, ModelNotFoundError } from "./errors.ts";
import { RunChannel } from "./run_channel.ts";

/** The model name that routes. */
export const SWARM_MODEL = "synapse";
const PREFIX = `${SWARM_MODEL}:`;

/** The specialist a model name forces: undefined for `synapse`, NAME for `synapse:NAME`. */
export function forcedSpecialist(model: string): string | undefined {
  return model.startsWith(PREFIX) ? model.slice(PREFIX.length) : undefined;
}

/** Refuses what the swarm cannot honour, naming the parameter. */
function checkSupported(request: NormalizedChatRequest): void {
  if (!request.messages.some((m) => m.role === "user")) {
    throw new InvalidRequestError("model synapse needs at least one user message", "messages");
  }
  if ((request.tools?.length ?? 0) > 0) {
    throw new InvalidRequestError("tools are not supported with model synapse", "tools");
  }
  if (request.responseFormat.type !== "text") {
    throw new InvalidRequestError(
      `response_format ${request.responseFormat.type} is not supported with model synapse`,
      "response_format",
    );
  }
  if (request.logprobs !== undefined) {
    throw new InvalidRequestError("logprobs are not supported with model synapse", "logprobs");
  }
}

/** What a swarm answer adds to the response (`synapse: {...}`). */
export function swarmExtensions(outcome: SwarmOutcome): Record<string, unknown> {
  return {
    requestId: outcome.requestId,
    mode: outcome.mode,
    specialists: outcome.parts.map((p) => p.specialist),
    parts: outcome.parts.map((p) => ({
      text: p.text,
      specialist: p.specialist,
      answer: p.answer,
      source: p.source,
      ...(p.localAnswer !== undefined ? { localAnswer: p.localAnswer } : {}),
      confidence: p.confidence,
      selfCheck: p.selfCheck,
      routing: {
        forced: p.routing.forced,
        domain: p.routing.domain,
        cues: p.routing.cues,
        margin: p.routing.margin,
        scores: p.routing.scores,
      },
      ...(p.cloudError ? { cloudError: p.cloudError } : {}),
    })),
  };
}

/** `ChatBackend` over a `Swarm`. */
export class SwarmBackend implements ChatBackend {
  readonly name = "swarm";
  readonly #responses = new Map<string, string>();

  constructor(readonly swarm: Swarm) {}

  matches(model: string): boolean {
    return model === SWARM_MODEL || model.startsWith(PREFIX);
  }

  models(): BackendModel[] {
    return [
      { name: SWARM_MODEL, family: "swarm" },
      ...this.swarm.specialists.names().map((n) => ({ name: `${PREFIX}${n}`, family: "swarm" })),
    ];
  }

  chat(request: NormalizedChatRequest, signal: AbortSignal): ChatRun {
    const specialist = forcedSpecialist(request.model);
    if (specialist !== undefined && !this.swarm.specialists.has(specialist)) {
      const known = this.swarm.specialists.names().map((n) => PREFIX + n).join(", ");
      throw new ModelNotFoundError(request.model, `the swarm has: ${SWARM_MODEL}, ${known}`);
    }
    checkSupported(request);
    const channel = new RunChannel<ChatDelta, ChatOutcome>();
    const run = this.swarm.chat({
      messages: request.messages,
      specialist,
      maxTokens: request.maxTokens,
      sampling: request.sampling,
      stop: request.stop,
      enableThinking: request.enableThinking,
      signal,
    });
    (async () => {
      for await (const delta of run) await channel.push({ content: delta.content });
      const outcome = await run.result;
      channel.end({
        content: outcome.content,
        finishReason: outcome.finishReason,
        usage: outcome.usage,
        extensions: swarmExtensions(outcome),
      });
    })().catch((error) => channel.fail(toApiError(error)));
    return channel;
  }

  /** Observer that remembers which swarm answer a response id names (for feedback). */
  observer(): ChatObserver {
    return (exchange) => {
      const requestId = exchange.outcome.extensions?.requestId;
      if (exchange.backend !== this.name || typeof requestId !== "string") return;
      this.#responses.set(exchange.responseId, requestId);
      if (this.#responses.size > 4096) {
        this.#responses.delete(this.#responses.keys().next().value!);
      }
    };
  }

  /**
   * Teaches the swarm a verdict given on a response (by its `chatcmpl-...` id, or the swarm's
   * own request id). `countStats: false` when memory's feedback already counted it. Returns
   * false when the answer is unknown (not from this swarm, or too old).
   */
  feedback(
    responseId: string,
    outcome: "success" | "failure",
    options: { countStats?: boolean } = {},
  ): Promise<boolean> {
    const requestId = this.#responses.get(responseId) ?? responseId;
    return this.swarm.feedback(requestId, outcome, options);
  }
}

function toApiError(error: unknown): unknown {
  if (error instanceof UnknownSpecialistError) return new ModelNotFoundError(error.specialist);
  if (error instanceof SwarmError) {
    return new GenerationError(error.message);
  }
  return error;
}
