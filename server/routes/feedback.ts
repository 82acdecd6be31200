/**
 * `POST /api/feedback`: a rating or a better answer for a response, which updates the
 * answering specialist's statistics and stores a preference pair.
 * @module
 */
import type { Route } from "../route.ts";
import { type MemoryStore, recordFeedback } from "../../memory/mod.ts";
import { guarded, json, readJsonObject } from "./memory_http.ts";

/** Largest accepted body (a preferred answer may be long). */
export const MAX_FEEDBACK_BODY_BYTES = 8 * 1024 * 1024;

/**
 * `POST /api/feedback` with `{messageId | responseId, rating?, preferredText?, comment?}`
 * (snake_case `message_id`, `response_id`, `preferred_text` accepted too); `rating` in
 * [-1, 1]. Answers 201 `{id, messageId, outcome, stats, preferenceId}`; 404 for an unknown
 * message or response id, 400 naming a bad field, 413 for a body over 8 MiB.
 */
export function feedbackRoutes(store: MemoryStore): Route[] {
  return [{
    method: "POST",
    path: "/api/feedback",
    handle: (req) =>
      guarded(async () => {
        const body = await readJsonObject(req, MAX_FEEDBACK_BODY_BYTES);
        const outcome = recordFeedback(store, {
          messageId: (body.messageId ?? body.message_id) as number | undefined,
          responseId: (body.responseId ?? body.response_id) as string | undefined,
          rating: body.rating as number | undefined,
          preferredText: (body.preferredText ?? body.preferred_text) as string | undefined,
          comment: body.comment as string | undefined,
        });
        const { feedbackId, ...rest } = outcome;
        return json({ id: feedbackId, ...rest }, 201);
      }),
  }];
}
