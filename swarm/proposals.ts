/**
 * The spawner's proposals as the swarm shows them (only for domains no specialist covers) and
 * what accepting one does: the specialist is created and its adapter queued for training.
 * @module
 */
import { keywordCues } from "./cues.ts";
import type { StatsTable } from "./learning_store.ts";
import type { SpecialistRegistry } from "./registry.ts";
import type { SpecialistConfig } from "./specialist.ts";
import { Spawner, type SpecialistProposal, type TrainingPair } from "./spawner.ts";

/** An adapter the learner should train for an accepted proposal. */
export interface TrainingJob {
  specialist: string;
  systemPrompt: string;
  pairs: TrainingPair[];
  queuedAt: string;
}

/**
 * Whether some specialist covers `domain`: one of its cue keywords names it, or it has more
 * successes than failures there.
 */
export function domainCovered(
  domain: string,
  specialists: readonly SpecialistConfig[],
  stats: readonly { domain: string; successes: number; failures: number }[],
): boolean {
  return specialists.some((s) => (s.cues ?? []).some((c) => keywordCues(c).includes(domain))) ||
    stats.some((r) => r.domain === domain && r.successes > r.failures);
}

/** Proposals for clusters of failures and fallbacks in domains no specialist covers. */
export async function pendingProposals(
  spawner: Spawner,
  registry: SpecialistRegistry,
  stats: StatsTable,
): Promise<SpecialistProposal[]> {
  const rows = await stats.all();
  const specialists = registry.list();
  return spawner.proposals(
    (domain) => domainCovered(domain, specialists, rows),
    new Set(registry.names()),
  );
}

/**
 * Accepts proposal `id`: adds the specialist (base model + its system prompt until an adapter
 * is trained), forgets the events behind it and returns the training job to queue.
 */
export async function acceptProposal(
  id: string,
  spawner: Spawner,
  registry: SpecialistRegistry,
  stats: StatsTable,
): Promise<{ specialist: SpecialistConfig; job: TrainingJob }> {
  const proposal = Spawner.find(await pendingProposals(spawner, registry, stats), id);
  const specialist = registry.add({
    name: proposal.name,
    description: proposal.description,
    cues: proposal.cues,
    systemPrompt: proposal.systemPrompt,
    priority: 0,
  });
  spawner.settle(proposal);
  return {
    specialist,
    job: {
      specialist: proposal.name,
      systemPrompt: proposal.systemPrompt,
      pairs: proposal.trainingPairs,
      queuedAt: new Date().toISOString(),
    },
  };
}
