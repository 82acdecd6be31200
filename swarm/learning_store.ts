/**
 * What the swarm persists through memory: pathway weights, per specialist x domain outcome
 * counts and preference pairs. `MemoryStore` (memory/mod.ts) provides these tables; an in-process
 * implementation serves library users without a database.
 * @module
 */

/** A value or a promise of it (memory's SQLite tables answer synchronously). */
export type Awaitable<T> = T | Promise<T>;

/** A learned association between a routing cue and a specialist; weight in [-1, 1]. */
export interface PathwayRow {
  cue: string;
  specialist: string;
  weight: number;
  fires: number;
  lastFired: string | null;
}

/** Pathway weights between cues and specialists. */
export interface PathwayTable {
  /** The rows for any of `cues` (absent pairs have weight 0). */
  get(cues: string[]): Awaitable<PathwayRow[]>;
  /** Adds `delta` to the weight (clamped to [-1, 1]) and counts a firing. */
  adjust(cue: string, specialist: string, delta: number): Awaitable<unknown>;
  /** Multiplies every weight by `factor`. */
  decay(factor: number): Awaitable<unknown>;
  all(): Awaitable<PathwayRow[]>;
}

/** Outcome of one answer. */
export type Outcome = "success" | "failure";

/** Success and failure counts of one specialist in one domain. */
export interface OutcomeCounts {
  successes: number;
  failures: number;
}

/** Per specialist x domain outcome counts. */
export interface StatsTable {
  record(specialist: string, domain: string, outcome: Outcome): Awaitable<unknown>;
  get(specialist: string, domain: string): Awaitable<OutcomeCounts | null | undefined>;
  all(): Awaitable<({ specialist: string; domain: string } & OutcomeCounts)[]>;
}

/** A preference pair for the learner: for `prompt`, `chosen` is better than `rejected`. */
export interface PreferenceInput {
  prompt: string;
  chosen: string;
  rejected: string;
  source: string;
  specialist?: string;
}

/** Where preference pairs go. */
export interface PreferenceTable {
  add(pair: PreferenceInput): Awaitable<unknown>;
}

/** The three tables the swarm learns into; `MemoryStore` satisfies it. */
export interface LearningStore {
  pathways: PathwayTable;
  stats: StatsTable;
  preferences: PreferenceTable;
}

const clampWeight = (w: number) => Math.max(-1, Math.min(1, w));

/** `LearningStore` held in process memory (nothing survives a restart). */
export class InProcessLearningStore implements LearningStore {
  readonly #pathways = new Map<string, PathwayRow>();
  readonly #stats = new Map<string, { specialist: string; domain: string } & OutcomeCounts>();
  /** Preference pairs added so far, oldest first. */
  readonly preferencePairs: PreferenceInput[] = [];

  readonly pathways: PathwayTable = {
    get: (cues) => [...this.#pathways.values()].filter((r) => cues.includes(r.cue)),
    adjust: (cue, specialist, delta) => {
      const key = `${cue}\u0000${specialist}`;
      const row = this.#pathways.get(key) ??
        { cue, specialist, weight: 0, fires: 0, lastFired: null };
      row.weight = clampWeight(row.weight + delta);
      row.fires++;
      row.lastFired = new Date().toISOString();
      this.#pathways.set(key, row);
    },
    decay: (factor) => {
      for (const row of this.#pathways.values()) row.weight *= factor;
    },
    all: () => [...this.#pathways.values()].map((r) => ({ ...r })),
  };

  readonly stats: StatsTable = {
    record: (specialist, domain, outcome) => {
      const key = `${specialist}\u0000${domain}`;
      const row = this.#stats.get(key) ?? { specialist, domain, successes: 0, failures: 0 };
      if (outcome === "success") row.successes++;
      else row.failures++;
      this.#stats.set(key, row);
    },
    get: (specialist, domain) => {
      const row = this.#stats.get(`${specialist}\u0000${domain}`);
      return row ? { successes: row.successes, failures: row.failures } : null;
    },
    all: () => [...this.#stats.values()].map((r) => ({ ...r })),
  };

  readonly preferences: PreferenceTable = {
    add: (pair) => {
      this.preferencePairs.push({ ...pair });
    },
  };
}
