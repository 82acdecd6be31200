/**
 * `GET /health` (public; per-model state, 503 while draining) and `GET /api/status` (loaded
 * models, queue, memory, uptime, plus device and specialists from the caller).
 * @module
 */
import type { ServerContext } from "./context.ts";
import type { Route } from "./route.ts";

/** Device bytes a loaded model holds, when its engine reports them (the GPU engine does). */
export function gpuBytes(model: unknown): number | null {
  const bytes = (model as { gpu?: { peakBytes?: unknown } }).gpu?.peakBytes;
  return typeof bytes === "number" ? bytes : null;
}

/** The health and status routes. */
export function statusRoutes(ctx: ServerContext): Route[] {
  return [
    {
      method: "GET",
      path: "/health",
      handle: () =>
        Response.json(
          { status: ctx.draining ? "draining" : "ok", models: ctx.manager.states() },
          { status: ctx.draining ? 503 : 200 },
        ),
    },
    {
      method: "GET",
      path: "/api/status",
      handle: async () => {
        const memory = Deno.memoryUsage();
        return Response.json({
          version: ctx.version,
          uptime_s: Math.round((Date.now() - ctx.startedAt.getTime()) / 1000),
          started_at: ctx.startedAt.toISOString(),
          models: ctx.manager.loaded().map((l) => ({
            name: l.source.name,
            family: l.model.info.family,
            parameters: l.model.info.parameters,
            quantization: l.model.info.quantization,
            context_length: l.model.info.contextLength,
            runs_on: l.model.runsOn,
            active_requests: l.active,
            gpu_bytes: gpuBytes(l.model),
            adapters: l.model.adapterNames(),
            expires_at: l.expiresAt?.toISOString() ?? null,
          })),
          model_states: ctx.manager.states(),
          queue: {
            running: ctx.slots.running,
            waiting: ctx.slots.waiting,
            parallel: ctx.slots.parallel,
            max_queue: ctx.slots.maxQueue,
          },
          memory: { rss: memory.rss, heap_used: memory.heapUsed, external: memory.external },
          backends: ctx.backends.map((b) => b.name),
          ...(await ctx.status?.()),
        });
      },
    },
  ];
}
