/**
 * The swarm's HTTP routes: the last routing decision, per specialist x domain confidence, and
 * the spawner's specialist proposals (list, accept).
 * @module
 */
import { ProposalNotFoundError, type SpecialistProposal, type Swarm } from "../../swarm/mod.ts";
import type { Route } from "../route.ts";

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8" },
  });
}

/** Most training pairs shown per proposal (the count is always complete). */
const SHOWN_PAIRS = 50;

function proposalBody(p: SpecialistProposal): Record<string, unknown> {
  return {
    id: p.id,
    name: p.name,
    description: p.description,
    cues: p.cues,
    systemPrompt: p.systemPrompt,
    domain: p.domain,
    domains: p.domains,
    evidence: p.evidence,
    trainingPairCount: p.trainingPairs.length,
    trainingPairs: p.trainingPairs.slice(0, SHOWN_PAIRS),
  };
}

/**
 * `GET /api/routing/last` (the last decision with every specialist's scores, or `null`),
 * `GET /api/confidence`, `GET /api/specialists/proposals` and
 * `POST /api/specialists/proposals/:id/accept` (201 with the new specialist, 404 for an id
 * that is not pending).
 */
export function swarmRoutes(swarm: Swarm): Route[] {
  return [
    {
      method: "GET",
      path: "/api/routing/last",
      handle: () => json(swarm.lastRouting()),
    },
    {
      method: "GET",
      path: "/api/confidence",
      handle: async () => json(await swarm.confidenceReport()),
    },
    {
      method: "GET",
      path: "/api/specialists/proposals",
      handle: async () => json({ proposals: (await swarm.proposals()).map(proposalBody) }),
    },
    {
      method: "POST",
      path: "/api/specialists/proposals/:id/accept",
      handle: async (_req, ctx) => {
        try {
          const specialist = await swarm.acceptProposal(ctx.params.id ?? "");
          const job = swarm.trainingQueue().at(-1)!;
          return json({
            specialist,
            training: { queued: true, pairs: job.pairs.length, queuedAt: job.queuedAt },
          }, 201);
        } catch (error) {
          if (error instanceof ProposalNotFoundError) return json({ error: error.message }, 404);
          throw error;
        }
      },
    },
  ];
}
