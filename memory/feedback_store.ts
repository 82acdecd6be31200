/**
 * Feedback on answers: a rating, a better answer, a comment, each tied to a stored message.
 * @module
 */
import type { Database, Row } from "./database.ts";
import { MemoryInputError, MemoryNotFoundError } from "./errors.ts";
import { MAX_COMMENT_CHARS, MAX_TEXT_CHARS } from "./limits.ts";
import { describe, optionalNumberIn, optionalText, requireId } from "./text.ts";
import type { Feedback, FeedbackInput } from "./types.ts";

/** A validated {@linkcode FeedbackInput}. */
export interface ValidFeedback {
  messageId: number;
  rating: number | null;
  preferredText: string | null;
  comment: string | null;
}

/** Validates feedback; throws a {@linkcode MemoryInputError} naming the bad field. */
export function validateFeedback(input: FeedbackInput): ValidFeedback {
  if (typeof input !== "object" || input === null) {
    throw new MemoryInputError("feedback", `expected an object, found ${describe(input)}`);
  }
  const feedback = {
    messageId: requireId("messageId", input.messageId),
    rating: optionalNumberIn("rating", input.rating, -1, 1) ?? null,
    preferredText: optionalText("preferredText", input.preferredText, { max: MAX_TEXT_CHARS }) ??
      null,
    comment: optionalText("comment", input.comment, { max: MAX_COMMENT_CHARS }) ?? null,
  };
  if (feedback.rating === null && feedback.preferredText === null && feedback.comment === null) {
    throw new MemoryInputError("rating", "expected at least one of rating, preferredText, comment");
  }
  return feedback;
}

/** Feedback entries. */
export class FeedbackStore {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  /** Stores feedback on a message; returns its id. Unknown message: MemoryNotFoundError. */
  add(input: FeedbackInput): number {
    const f = validateFeedback(input);
    return this.#db.transaction(() => {
      if (!this.#db.get("SELECT 1 AS found FROM messages WHERE id = ?", f.messageId)) {
        throw new MemoryNotFoundError("message", f.messageId);
      }
      return this.#db.run(
        `INSERT INTO feedback (message_id, rating, preferred_text, comment, created_at)
         VALUES (?, ?, ?, ?, ?)`,
        f.messageId,
        f.rating,
        f.preferredText,
        f.comment,
        Date.now(),
      ).lastInsertRowid;
    });
  }

  /** Feedback entries of a message, oldest first. */
  forMessage(messageId: number): Feedback[] {
    const id = requireId("messageId", messageId);
    return this.#db.read(() =>
      this.#db.all(
        `SELECT id, message_id, rating, preferred_text, comment, created_at FROM feedback
         WHERE message_id = ? ORDER BY id LIMIT 1000`,
        id,
      ).map(feedbackFromRow)
    );
  }
}

function feedbackFromRow(row: Row): Feedback {
  return {
    id: Number(row.id),
    messageId: Number(row.message_id),
    rating: row.rating === null ? null : Number(row.rating),
    preferredText: row.preferred_text === null ? null : String(row.preferred_text),
    comment: row.comment === null ? null : String(row.comment),
    createdAt: new Date(Number(row.created_at)).toISOString(),
  };
}
