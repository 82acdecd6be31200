/**
 * One HTTP route: how feature modules (memory, swarm, OpenAI, Ollama) plug into the server
 * without the server knowing their internals.
 * @module
 */

/** What a handler gets besides the request. */
export interface RouteContext {
  /** Named groups of the matched pattern, e.g. `{ id: "42" }` for `/api/conversations/:id`. */
  params: Record<string, string | undefined>;
  url: URL;
}

/** A method + URL pattern and the handler that answers it. */
export interface Route {
  method: "GET" | "POST" | "PUT" | "DELETE" | "PATCH";
  /** Path pattern in URLPattern syntax, e.g. `/api/knowledge/:id`. */
  path: string;
  handle(req: Request, ctx: RouteContext): Response | Promise<Response>;
}
