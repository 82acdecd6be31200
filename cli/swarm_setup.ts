/**
 * `up --specialists DIR`: every sub-folder of DIR with a LoRA adapter becomes a specialist over
 * the default model; the swarm answers `synapse` and `synapse:NAME`, its routes are mounted, and
 * feedback on its answers (`POST /api/feedback`) teaches its router.
 * @module
 */
import type { MemoryStore } from "../memory/mod.ts";
import type { ChatBackend, ChatObserver, Logger, ModelManager, Route } from "../server/mod.ts";
import { SwarmBackend, swarmRoutes } from "../server/mod.ts";
import { specialistsFromDir, Swarm } from "../swarm/mod.ts";

/** What the swarm adds to a server. */
export interface SwarmAttachment {
  backend: ChatBackend;
  routes: Route[];
  observer: ChatObserver;
  /** Wraps the memory feedback route so the swarm learns the verdict too. */
  bridgeFeedback(route: Route): Route;
  /** Specialists for `/api/status`. */
  specialists: () => unknown[];
}

/** Options for attaching the swarm. */
export interface SwarmSetup {
  manager: ModelManager;
  baseModel: string;
  dir: string;
  memory: MemoryStore;
  logger: Logger;
}

/** Loads the specialists in `setup.dir` over the base model and builds the swarm backend. */
export async function attachSwarm(setup: SwarmSetup): Promise<SwarmAttachment> {
  const specialists = await specialistsFromDir(setup.dir);
  // The base model stays loaded for the swarm's whole life (negative keep-alive pins it).
  const lease = await setup.manager.acquire(setup.baseModel);
  lease.release(-1);
  const swarm = new Swarm({ model: lease.model, specialists, store: setup.memory });
  const backend = new SwarmBackend(swarm);
  setup.logger.info("specialists_loaded", {
    dir: setup.dir,
    names: specialists.map((s) => s.name),
  });
  return {
    backend,
    routes: swarmRoutes(swarm),
    observer: backend.observer(),
    bridgeFeedback: (route) => ({
      ...route,
      async handle(req, ctx) {
        const body = await req.clone().json().catch(() => ({}));
        const response = await route.handle(req, ctx);
        const responseId = body?.responseId ?? body?.response_id;
        if (response.status === 201 && typeof responseId === "string") {
          const result = await response.clone().json();
          if (result.outcome === "success" || result.outcome === "failure") {
            await backend.feedback(responseId, result.outcome, { countStats: false }).catch((
              error,
            ) => setup.logger.warn("swarm_feedback_failed", { reason: String(error) }));
          }
        }
        return response;
      },
    }),
    specialists: () => swarm.specialists.names().map((name) => ({ name })),
  };
}
