/**
 * `/api/knowledge`: read, add and forget facts of memory's knowledge graph over HTTP.
 * @module
 */
import type { Route } from "../route.ts";
import { learnFacts, type MemoryStore } from "../../memory/mod.ts";
import {
  guarded,
  idParam,
  intParam,
  json,
  MemoryHttpError,
  readJsonObject,
  textParam,
} from "./memory_http.ts";

/** Largest accepted POST body (a fact, or a text to extract facts from). */
export const MAX_KNOWLEDGE_BODY_BYTES = 256 * 1024;

/**
 * The knowledge routes:
 * - `GET /api/knowledge?subject=&predicate=&object=&current=1&limit=&offset=` → `{facts}`;
 *   with `q=` a full-text search instead.
 * - `GET /api/knowledge/:id` → `{fact}` (404 if unknown).
 * - `POST /api/knowledge` `{subject, predicate, object, negated?, confidence?, source?}` →
 *   201 `{fact}`; or `{text, source?}` → 201 `{facts}` extracted from the text.
 * - `DELETE /api/knowledge/:id` (or `?id=`) → `{deleted: id}` (404 if unknown).
 */
export function knowledgeRoutes(store: MemoryStore): Route[] {
  return [
    {
      method: "GET",
      path: "/api/knowledge",
      handle: (_req, { url }) => guarded(() => list(store, url)),
    },
    {
      method: "GET",
      path: "/api/knowledge/:id",
      handle: (_req, { params }) =>
        guarded(() => {
          const id = idParam(params);
          const fact = store.facts.get(id);
          return fact ? json({ fact }) : json({ error: `no fact with id ${id}` }, 404);
        }),
    },
    { method: "POST", path: "/api/knowledge", handle: (req) => guarded(() => add(store, req)) },
    {
      method: "DELETE",
      path: "/api/knowledge/:id",
      handle: (_req, { params }) => guarded(() => forget(store, idParam(params))),
    },
    {
      method: "DELETE",
      path: "/api/knowledge",
      handle: (_req, { url }) =>
        guarded(() => forget(store, idParam({ id: url.searchParams.get("id") ?? "" }))),
    },
  ];
}

function list(store: MemoryStore, url: URL): Response {
  const limit = intParam(url, "limit");
  const offset = intParam(url, "offset");
  const q = textParam(url, "q");
  if (q !== undefined) return json({ facts: store.facts.search(q, { limit, offset }) });
  const facts = store.facts.query({
    subject: textParam(url, "subject"),
    predicate: textParam(url, "predicate"),
    object: textParam(url, "object"),
    currentOnly: ["1", "true"].includes(url.searchParams.get("current") ?? ""),
    limit,
    offset,
  });
  return json({ facts });
}

async function add(store: MemoryStore, req: Request): Promise<Response> {
  const body = await readJsonObject(req, MAX_KNOWLEDGE_BODY_BYTES);
  if ("text" in body) {
    if (typeof body.text !== "string") {
      throw new MemoryHttpError(400, "text: expected a string");
    }
    const source = body.source === undefined ? "api" : body.source as string;
    const { facts } = await learnFacts(store, body.text, {
      source,
      confidence: body.confidence as number | undefined,
    });
    return json({ facts }, 201);
  }
  const fact = store.facts.add(
    {
      subject: body.subject,
      predicate: body.predicate,
      object: body.object,
      negated: body.negated,
    },
    {
      confidence: body.confidence as number | undefined,
      source: body.source as string | undefined,
    },
  );
  return json({ fact }, 201);
}

function forget(store: MemoryStore, id: number): Response {
  return store.facts.forget(id)
    ? json({ deleted: id })
    : json({ error: `no fact with id ${id}` }, 404);
}
