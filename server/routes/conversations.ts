/**
 * `/api/conversations`: browse and search the conversations memory has recorded.
 * @module
 */
import type { Route } from "../route.ts";
import type { MemoryStore } from "../../memory/mod.ts";
import { guarded, idParam, intParam, json, textParam } from "./memory_http.ts";

/**
 * The conversation routes:
 * - `GET /api/conversations?limit=&offset=` → `{conversations}` (most recent first); with
 *   `q=` → `{hits}`, messages matching every word, with snippets.
 * - `GET /api/conversations/:id?limit=&offset=` → `{conversation}` with a page of its
 *   messages, oldest first (404 if unknown).
 */
export function conversationRoutes(store: MemoryStore): Route[] {
  return [
    {
      method: "GET",
      path: "/api/conversations",
      handle: (_req, { url }) =>
        guarded(() => {
          const page = { limit: intParam(url, "limit"), offset: intParam(url, "offset") };
          const q = textParam(url, "q");
          return q === undefined
            ? json({ conversations: store.conversations.list(page) })
            : json({ hits: store.conversations.search(q, page) });
        }),
    },
    {
      method: "GET",
      path: "/api/conversations/:id",
      handle: (_req, { params, url }) =>
        guarded(() => {
          const id = idParam(params);
          const conversation = store.conversations.get(id, {
            limit: intParam(url, "limit"),
            offset: intParam(url, "offset"),
          });
          return conversation
            ? json({ conversation })
            : json({ error: `no conversation with id ${id}` }, 404);
        }),
    },
  ];
}
