/**
 * Matches a request to a `Route` (URLPattern paths), telling an unknown path (404) from a
 * known path asked with the wrong method (405).
 * @module
 */
import { MethodNotAllowedError, RouteNotFoundError } from "./errors.ts";
import type { Route, RouteContext } from "./route.ts";

interface Compiled {
  route: Route;
  pattern: URLPattern;
}

/** A route table. */
export class Router {
  readonly #routes: Compiled[];

  constructor(routes: readonly Route[]) {
    this.#routes = routes.map((route) => ({
      route,
      pattern: new URLPattern({ pathname: route.path }),
    }));
  }

  /** The route and its context for `req`; throws RouteNotFoundError or MethodNotAllowedError. */
  match(req: Request, url: URL): { route: Route; ctx: RouteContext } {
    const allowed: string[] = [];
    for (const { route, pattern } of this.#routes) {
      const found = pattern.exec({ pathname: url.pathname });
      if (!found) continue;
      const method = req.method === "HEAD" ? "GET" : req.method;
      if (route.method === method) return { route, ctx: { params: found.pathname.groups, url } };
      allowed.push(route.method);
    }
    if (allowed.length > 0) throw new MethodNotAllowedError(req.method, url.pathname, allowed);
    throw new RouteNotFoundError(req.method, url.pathname);
  }
}
