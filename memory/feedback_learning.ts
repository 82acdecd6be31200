/**
 * Turns feedback on an answer into learning signal, in one transaction: the feedback row, an
 * outcome for the answering specialist's statistics, and a preference pair when the user gave
 * a better answer.
 * @module
 */
import { MemoryInputError, MemoryNotFoundError } from "./errors.ts";
import { validateFeedback } from "./feedback_store.ts";
import { requireId } from "./text.ts";
import type { MemoryStore } from "./memory_store.ts";
import type { FeedbackInput, Message, Outcome, SpecialistStats } from "./types.ts";

/** Feedback naming its message by id or by the API response id. */
export type FeedbackRequest = Omit<FeedbackInput, "messageId"> & {
  messageId?: number;
  responseId?: string;
};

/** What {@linkcode recordFeedback} stored. */
export interface FeedbackOutcome {
  feedbackId: number;
  messageId: number;
  /** The outcome counted for the specialist, or null (no specialist, or neutral feedback). */
  outcome: Outcome | null;
  stats: SpecialistStats | null;
  preferenceId: number | null;
}

/** Rating > 0 is a success, < 0 a failure; a preferred text without rating is a failure. */
export function outcomeOf(rating: number | null, preferredText: string | null): Outcome | null {
  if (rating !== null && rating > 0) return "success";
  if (rating !== null && rating < 0) return "failure";
  return rating === null && preferredText !== null ? "failure" : null;
}

/**
 * Records feedback on an answer. Throws MemoryNotFoundError for an unknown message or response
 * id and MemoryInputError for bad fields; nothing is stored then.
 */
export function recordFeedback(store: MemoryStore, request: FeedbackRequest): FeedbackOutcome {
  return store.transaction(() => {
    const message = findMessage(store, request);
    const valid = validateFeedback({ ...request, messageId: message.id });
    const feedbackId = store.feedback.add({
      messageId: message.id,
      rating: valid.rating ?? undefined,
      preferredText: valid.preferredText ?? undefined,
      comment: valid.comment ?? undefined,
    });
    const outcome = outcomeOf(valid.rating, valid.preferredText);
    const stats = outcome && message.specialist
      ? store.stats.record(message.specialist, message.domain ?? "general", outcome)
      : null;
    return {
      feedbackId,
      messageId: message.id,
      outcome: stats ? outcome : null,
      stats,
      preferenceId: preferencePair(store, message, valid.preferredText),
    };
  });
}

function findMessage(store: MemoryStore, request: FeedbackRequest): Message {
  if (typeof request !== "object" || request === null) {
    throw new MemoryInputError("feedback", "expected an object");
  }
  if (request.messageId !== undefined && request.messageId !== null) {
    const message = store.conversations.message(requireId("messageId", request.messageId));
    if (!message) throw new MemoryNotFoundError("message", request.messageId);
    return message;
  }
  if (request.responseId !== undefined && request.responseId !== null) {
    const message = store.conversations.messageByResponseId(request.responseId);
    if (!message) throw new MemoryNotFoundError("response", request.responseId);
    return message;
  }
  throw new MemoryInputError("messageId", "expected messageId or responseId, found neither");
}

function preferencePair(
  store: MemoryStore,
  message: Message,
  preferred: string | null,
): number | null {
  if (preferred === null || message.role !== "assistant" || preferred === message.content) {
    return null;
  }
  const prompt = store.conversations.promptBefore(message.id);
  if (!prompt || prompt.content.trim() === "") return null;
  return store.preferences.add({
    prompt: prompt.content,
    chosen: preferred,
    rejected: message.content,
    source: "feedback",
    specialist: message.specialist ?? undefined,
    messageId: message.id,
  });
}
