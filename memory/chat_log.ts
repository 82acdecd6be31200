/**
 * Records one chat request and its answer. OpenAI-style clients resend the whole history with
 * every request; a digest of the stored transcript finds the conversation a request continues,
 * so earlier turns are stored (and their facts learned) once, not once per request.
 * @module
 */
import { createHash } from "node:crypto";
import { MemoryInputError } from "./errors.ts";
import { recordTurn, type TurnOptions, type TurnRecord } from "./learning.ts";
import type { MemoryStore } from "./memory_store.ts";
import type { MessageInput, MessageRole } from "./types.ts";

/** A message of the request as the client sent it. */
export interface ChatMessage {
  role: MessageRole;
  content: string;
}

/** What {@linkcode recordChat} takes. */
export interface ChatExchange {
  model: string;
  specialist?: string;
  /** The request's messages, oldest first. */
  messages: ChatMessage[];
  /** The answer given (role "assistant" is implied). */
  answer: Omit<MessageInput, "role">;
}

/** What {@linkcode recordChat} stored. */
export interface ChatRecord {
  conversationId: number;
  /** Whether the request continued a stored conversation. */
  continued: boolean;
  /** Ids of the request messages stored now (those not stored before). */
  messageIds: number[];
  /** The answer: its id, claim verdicts (return these to the caller) and learned facts. */
  answer: TurnRecord;
}

/** How many trailing new messages a continuing request may add (user, tool results, ...). */
const MAX_NEW_MESSAGES = 8;

/** A digest of a transcript: roles and contents in order. */
export function transcriptFingerprint(messages: readonly ChatMessage[]): string {
  const hash = createHash("sha256");
  for (const m of messages) hash.update(`${m.role}\u0000${m.content.length}\u0000${m.content}`);
  return hash.digest("hex");
}

function findContinuation(store: MemoryStore, messages: ChatMessage[]) {
  const shortest = Math.max(1, messages.length - MAX_NEW_MESSAGES);
  for (let n = messages.length; n >= shortest; n--) {
    const id = store.conversations.findByFingerprint(transcriptFingerprint(messages.slice(0, n)));
    if (id !== undefined) return { id, known: n };
  }
  return undefined;
}

/**
 * Stores a chat request's new messages and its answer. New user messages are learned from
 * (facts, source "user"); the answer is checked against the graph before its own facts are
 * learned (see recordTurn). Earlier assistant turns in the history are stored but not learned
 * from: they may not have been ours.
 */
export async function recordChat(
  store: MemoryStore,
  exchange: ChatExchange,
  options: TurnOptions = {},
): Promise<ChatRecord> {
  if (!Array.isArray(exchange?.messages)) {
    throw new MemoryInputError("messages", "expected an array of {role, content}");
  }
  const found = findContinuation(store, exchange.messages);
  const conversationId = found?.id ??
    store.conversations.start({ model: exchange.model, specialist: exchange.specialist });
  const messageIds: number[] = [];
  for (const message of exchange.messages.slice(found?.known ?? 0)) {
    const turn = await recordTurn(store, conversationId, message, {
      extractor: options.extractor,
      check: false,
      learn: message.role === "user",
    });
    messageIds.push(turn.messageId);
  }
  const answer = await recordTurn(
    store,
    conversationId,
    { ...exchange.answer, role: "assistant" },
    options,
  );
  const transcript = [...exchange.messages, {
    role: "assistant" as const,
    content: exchange.answer.content,
  }];
  store.conversations.setFingerprint(conversationId, transcriptFingerprint(transcript));
  return { conversationId, continued: found !== undefined, messageIds, answer };
}
