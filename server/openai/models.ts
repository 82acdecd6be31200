/**
 * `GET /v1/models` and `GET /v1/models/:id`: every model the backends offer (stored, embedded,
 * swarm names), in OpenAI's list shape.
 * @module
 */
import type { BackendModel } from "../backend.ts";
import type { ServerContext } from "../context.ts";
import { ModelNotFoundError } from "../errors.ts";
import type { Route } from "../route.ts";

/** Every model of every backend, first listing wins for a name. */
export async function allModels(ctx: ServerContext): Promise<BackendModel[]> {
  const lists = await Promise.all(ctx.backends.map((b) => b.models()));
  const seen = new Set<string>();
  return lists.flat().filter((m) => !seen.has(m.name) && seen.add(m.name));
}

function modelObject(m: BackendModel) {
  return { id: m.name, object: "model", created: m.created ?? 0, owned_by: "synapse" };
}

/** The model list routes. */
export function modelRoutes(ctx: ServerContext): Route[] {
  return [
    {
      method: "GET",
      path: "/v1/models",
      handle: async () =>
        Response.json({ object: "list", data: (await allModels(ctx)).map(modelObject) }),
    },
    {
      method: "GET",
      path: "/v1/models/:id+",
      handle: async (_req, { params }) => {
        const id = params.id ?? "";
        const found = (await allModels(ctx)).find((m) =>
          m.name === id || m.name === `${id}:latest`
        );
        if (!found) throw new ModelNotFoundError(id);
        return Response.json(modelObject(found));
      },
    },
  ];
}
