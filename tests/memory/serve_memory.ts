/**
 * A minimal HTTP server over memory's routes, for the durability and concurrency tests: opens
 * the MemoryStore at argv[0], serves on 127.0.0.1 (port argv[1] or any), prints
 * `listening <port>` once ready. Run as a subprocess so a test can SIGKILL it.
 * @module
 */
import { MemoryStore } from "../../memory/mod.ts";
import type { Route } from "../../server/route.ts";
import { conversationRoutes } from "../../server/routes/conversations.ts";
import { feedbackRoutes } from "../../server/routes/feedback.ts";
import { knowledgeRoutes } from "../../server/routes/knowledge.ts";

/** Answers `req` with the first route whose method and pattern match, else 404. */
export function dispatch(routes: Route[], req: Request): Response | Promise<Response> {
  const url = new URL(req.url);
  for (const route of routes) {
    if (route.method !== req.method) continue;
    const match = new URLPattern({ pathname: route.path }).exec(url);
    if (match) return route.handle(req, { params: match.pathname.groups, url });
  }
  return Response.json({ error: `no route for ${req.method} ${url.pathname}` }, { status: 404 });
}

if (import.meta.main) {
  const [path, port = "0"] = Deno.args;
  const store = MemoryStore.open(path);
  const routes = [
    ...knowledgeRoutes(store),
    ...conversationRoutes(store),
    ...feedbackRoutes(store),
  ];
  Deno.serve({
    hostname: "127.0.0.1",
    port: Number(port),
    onListen: ({ port }) => console.log(`listening ${port}`),
  }, (req) => dispatch(routes, req));
}
