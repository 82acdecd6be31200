/**
 * Auto-spawning: collects failures and cloud fallbacks, clusters them by domain cue and by
 * embedding, and proposes a new specialist (name, cues, system prompt, training pairs) for a
 * cluster that no existing specialist covers.
 * @module
 */
import { cosineSimilarity } from "./centroids.ts";
import { NUMBER_CUE } from "./cues.ts";
import { ProposalNotFoundError } from "./errors.ts";

/** A request the swarm answered badly (failure) or handed to the cloud (fallback). */
export interface UncoveredEvent {
  kind: "failure" | "fallback";
  prompt: string;
  domain: string;
  cues: string[];
  /** The request's embedding, centred on the mean of all requests, when known. */
  embedding?: ArrayLike<number>;
  /** Who answered locally. */
  specialist: string;
  localAnswer: string;
  /** A better answer for the prompt (the cloud's), when one is known. */
  betterAnswer?: string;
}

/** A (prompt, better answer, worse answer) example for training the proposed adapter. */
export interface TrainingPair {
  prompt: string;
  chosen: string;
  rejected: string;
}

/** A specialist the swarm suggests creating. */
export interface SpecialistProposal {
  id: string;
  name: string;
  description: string;
  cues: string[];
  systemPrompt: string;
  /** The domain most of the clustered events share. */
  domain: string;
  /** Every domain in the cluster (domains merge when their embeddings are alike). */
  domains: string[];
  /** How many failures and fallbacks the cluster holds. */
  evidence: number;
  trainingPairs: TrainingPair[];
}

/** When the spawner proposes. */
export interface SpawnerOptions {
  /** Events a cluster needs before it becomes a proposal (default 8). */
  minEvents?: number;
  /** Centred cosine above which two domains' events form one cluster (default 0.8). */
  similarity?: number;
  /** Most events kept, oldest dropped first (default 2000). */
  maxEvents?: number;
}

interface Cluster {
  domains: Set<string>;
  events: UncoveredEvent[];
}

function meanEmbedding(events: readonly UncoveredEvent[]): Float64Array | null {
  const withEmbedding = events.filter((e) => e.embedding);
  if (withEmbedding.length === 0) return null;
  const mean = new Float64Array(withEmbedding[0].embedding!.length);
  for (const e of withEmbedding) {
    for (let i = 0; i < mean.length; i++) mean[i] += e.embedding![i] / withEmbedding.length;
  }
  return mean;
}

function mostCommon(values: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1])[0][0];
}

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9_-]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 48) ||
    "specialist";
}

/** Clusters failures and fallbacks and turns uncovered clusters into proposals. */
export class Spawner {
  readonly #events: UncoveredEvent[] = [];
  readonly #minEvents: number;
  readonly #similarity: number;
  readonly #maxEvents: number;

  constructor(options: SpawnerOptions = {}) {
    this.#minEvents = options.minEvents ?? 8;
    this.#similarity = options.similarity ?? 0.8;
    this.#maxEvents = options.maxEvents ?? 2000;
  }

  /** Records one failure or fallback. */
  observe(event: UncoveredEvent): void {
    this.#events.push(event);
    if (this.#events.length > this.#maxEvents) this.#events.shift();
  }

  /** How many events are held. */
  get size(): number {
    return this.#events.length;
  }

  /** Events grouped by domain, then groups merged whose mean embeddings are alike. */
  clusters(): UncoveredEvent[][] {
    const byDomain = new Map<string, Cluster>();
    for (const e of this.#events) {
      const c = byDomain.get(e.domain) ?? { domains: new Set([e.domain]), events: [] };
      c.events.push(e);
      byDomain.set(e.domain, c);
    }
    const merged: { cluster: Cluster; mean: Float64Array | null }[] = [];
    for (const cluster of byDomain.values()) {
      const mean = meanEmbedding(cluster.events);
      const home = mean &&
        merged.find((m) => m.mean && cosineSimilarity(m.mean, mean) >= this.#similarity);
      if (home) {
        home.cluster.events.push(...cluster.events);
        cluster.domains.forEach((d) => home.cluster.domains.add(d));
        home.mean = meanEmbedding(home.cluster.events);
      } else {
        merged.push({ cluster, mean });
      }
    }
    return merged.map((m) => m.cluster.events).sort((a, b) => b.length - a.length);
  }

  /**
   * Proposals for the clusters with enough events whose domain `isCovered` denies; names avoid
   * `takenNames`.
   */
  proposals(
    isCovered: (domain: string) => boolean,
    takenNames: ReadonlySet<string>,
  ): SpecialistProposal[] {
    const out: SpecialistProposal[] = [];
    const taken = new Set(takenNames);
    for (const events of this.clusters()) {
      if (events.length < this.#minEvents) continue;
      const domain = mostCommon(events.map((e) => e.domain));
      if (isCovered(domain)) continue;
      let name = slug(domain);
      for (let i = 2; taken.has(name); i++) name = `${slug(domain)}-${i}`;
      taken.add(name);
      out.push(this.#propose(`spawn-${slug(domain)}`, name, domain, events));
    }
    return out;
  }

  #propose(id: string, name: string, domain: string, events: UncoveredEvent[]): SpecialistProposal {
    const share = new Map<string, number>();
    for (const e of events) {
      for (const cue of new Set(e.cues)) share.set(cue, (share.get(cue) ?? 0) + 1);
    }
    const cues = [...share.entries()]
      .filter(([cue, n]) => cue !== NUMBER_CUE && /^\p{L}/u.test(cue) && n >= events.length / 2)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 5)
      .map(([cue]) => cue);
    const example = events.find((e) => e.betterAnswer) ?? events[0];
    const fallbacks = events.filter((e) => e.kind === "fallback").length;
    return {
      id,
      name,
      domain,
      domains: [...new Set(events.map((e) => e.domain))],
      cues: cues.length > 0 ? cues : [domain],
      description: `Proposed from ${events.length} requests in the "${domain}" domain that no ` +
        `specialist answered well (${fallbacks} sent to the cloud), e.g. "${example.prompt}".`,
      systemPrompt: `You are the ${name} specialist. You answer requests like ` +
        `"${example.prompt}" with only the answer, nothing else.`,
      evidence: events.length,
      trainingPairs: events
        .filter((e) => e.betterAnswer !== undefined && e.betterAnswer !== e.localAnswer)
        .map((e) => ({ prompt: e.prompt, chosen: e.betterAnswer!, rejected: e.localAnswer })),
    };
  }

  /** Forgets the events behind proposal `proposal` (after it was accepted or dismissed). */
  settle(proposal: SpecialistProposal): void {
    const domains = new Set(proposal.domains);
    for (let i = this.#events.length - 1; i >= 0; i--) {
      if (domains.has(this.#events[i].domain)) this.#events.splice(i, 1);
    }
  }

  /** Finds a pending proposal by id among `proposals`; throws `ProposalNotFoundError`. */
  static find(proposals: readonly SpecialistProposal[], id: string): SpecialistProposal {
    const found = proposals.find((p) => p.id === id);
    if (!found) throw new ProposalNotFoundError(id);
    return found;
  }
}
