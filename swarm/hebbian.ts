/**
 * Hebbian pathway learning: a cue and a specialist that fired together are strengthened by a
 * good outcome and weakened by a bad one, with soft bounds at +-1, and every weight decays slowly
 * so stale habits fade.
 * @module
 */
import type { Outcome, PathwayTable } from "./learning_store.ts";

/** Learning rate and decay of the pathway rule. */
export interface HebbianParams {
  /** Fraction of the distance to the bound (+1 or -1) covered by one outcome (default 0.3). */
  learningRate: number;
  /** Factor applied to every weight after each outcome (default 0.995). */
  decay: number;
}

/** Defaults of the pathway rule. */
export const DEFAULT_HEBBIAN: HebbianParams = { learningRate: 0.3, decay: 0.995 };

/**
 * The weight change for one co-firing: `rate * (1 - w)` on success, `-rate * (1 + w)` on
 * failure, so weights approach but never pass +-1.
 *
 * @example
 * ```ts
 * hebbianDelta(0, "success", 0.3); // 0.3
 * hebbianDelta(0.3, "failure", 0.3); // -0.39
 * ```
 */
export function hebbianDelta(weight: number, outcome: Outcome, learningRate: number): number {
  return outcome === "success" ? learningRate * (1 - weight) : -learningRate * (1 + weight);
}

/** Applies the Hebbian rule to a persistent pathway table. */
export class HebbianPathways {
  constructor(
    private readonly table: PathwayTable,
    private readonly params: HebbianParams = DEFAULT_HEBBIAN,
  ) {
    if (!(params.learningRate > 0 && params.learningRate <= 1)) {
      throw new RangeError(`learningRate must be in (0, 1], found ${params.learningRate}`);
    }
    if (!(params.decay > 0 && params.decay <= 1)) {
      throw new RangeError(`decay must be in (0, 1], found ${params.decay}`);
    }
  }

  /** Weights of `cues` toward each specialist: `weights.get(specialist).get(cue)`. */
  async weights(cues: string[]): Promise<Map<string, Map<string, number>>> {
    const out = new Map<string, Map<string, number>>();
    if (cues.length === 0) return out;
    for (const row of await this.table.get(cues)) {
      let bySpecialist = out.get(row.specialist);
      if (!bySpecialist) out.set(row.specialist, bySpecialist = new Map());
      bySpecialist.set(row.cue, row.weight);
    }
    return out;
  }

  /** Learns from one outcome of `specialist` answering a request with `cues`, then decays. */
  async learn(cues: string[], specialist: string, outcome: Outcome): Promise<void> {
    const current = (await this.weights(cues)).get(specialist) ?? new Map<string, number>();
    for (const cue of cues) {
      const delta = hebbianDelta(current.get(cue) ?? 0, outcome, this.params.learningRate);
      await this.table.adjust(cue, specialist, delta);
    }
    if (this.params.decay < 1) await this.table.decay(this.params.decay);
  }
}
