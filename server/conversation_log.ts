/**
 * Logs every finished chat to memory (`recordChat`: the request's new messages and the answer,
 * facts learned, the answer's claims checked) and returns the claim verdicts for the response's
 * `synapse.claims`.
 * @module
 */
import { type MemoryStore, recordChat } from "../memory/mod.ts";
import type { ChatObserver } from "./context.ts";

/** An observer that records chats in `store`. */
export function memoryObserver(store: MemoryStore): ChatObserver {
  return async ({ request, outcome, responseId, latencyMs }) => {
    const specialist = typeof outcome.extensions?.specialist === "string"
      ? outcome.extensions.specialist
      : undefined;
    const record = await recordChat(store, {
      model: request.model,
      specialist,
      messages: request.messages.map((m) => ({ role: m.role, content: m.content })),
      answer: {
        content: outcome.content,
        model: request.model,
        specialist,
        responseId,
        promptTokens: outcome.usage.promptTokens,
        completionTokens: outcome.usage.completionTokens,
        latencyMs,
      },
    });
    return {
      conversation_id: record.conversationId,
      message_id: record.answer.messageId,
      claims: record.answer.claims,
    };
  };
}
