/**
 * Hebbian pathways between routing cues and specialists: weights in [-1, 1] that the router
 * strengthens on good outcomes, weakens on bad ones, and decays over time.
 * @module
 */
import type { Database, Row } from "./database.ts";
import { MemoryInputError } from "./errors.ts";
import { MAX_LABEL_CHARS, MAX_PAGE_SIZE } from "./limits.ts";
import { describe, requireText } from "./text.ts";
import type { Pathway } from "./types.ts";

/** Bounds of a pathway weight. */
export const PATHWAY_WEIGHT_RANGE = { min: -1, max: 1 } as const;

const LABEL = { max: MAX_LABEL_CHARS };

/** Pathway weights. Cues are stored trimmed and lower-cased. */
export class PathwayStore {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  /** Every pathway of the given cues (any specialist), strongest first. */
  get(cues: readonly string[]): Pathway[] {
    if (!Array.isArray(cues) || cues.length > MAX_PAGE_SIZE) {
      throw new MemoryInputError(
        "cues",
        `expected an array of at most ${MAX_PAGE_SIZE} cues, found ${describe(cues)}`,
      );
    }
    const keys = [...new Set(cues.map((c, i) => cueKey(c, `cues[${i}]`)))];
    if (keys.length === 0) return [];
    return this.#db.read(() =>
      this.#db.all(
        `SELECT cue, specialist, weight, fires, last_fired FROM pathways
         WHERE cue IN (SELECT value FROM json_each(?)) ORDER BY weight DESC, cue, specialist`,
        JSON.stringify(keys),
      ).map(pathwayFromRow)
    );
  }

  /**
   * Adds `delta` to the weight of (cue, specialist), creating it at 0 first; the result is
   * clamped to [-1, 1], `fires` grows by one and `lastFired` becomes now. Returns the pathway.
   */
  adjust(cue: string, specialist: string, delta: number): Pathway {
    const key = cueKey(cue, "cue");
    const name = requireText("specialist", specialist, LABEL).trim();
    if (typeof delta !== "number" || !Number.isFinite(delta)) {
      throw new MemoryInputError("delta", `expected a finite number, found ${describe(delta)}`);
    }
    return this.#db.transaction(() => {
      // ?3 is the unclamped delta: only the result is clamped, so -5 from 1 gives -1, not 0.
      this.#db.run(
        `INSERT INTO pathways (cue, specialist, weight, fires, last_fired)
         VALUES (?1, ?2, max(-1.0, min(1.0, ?3)), 1, ?4)
         ON CONFLICT (cue, specialist) DO UPDATE SET
           weight = max(-1.0, min(1.0, weight + ?3)), fires = fires + 1, last_fired = ?4`,
        key,
        name,
        delta,
        Date.now(),
      );
      return pathwayFromRow(
        this.#db.get(
          "SELECT cue, specialist, weight, fires, last_fired FROM pathways WHERE cue = ? AND specialist = ?",
          key,
          name,
        )!,
      );
    });
  }

  /** Multiplies every weight by `factor` (in [0, 1]); returns how many pathways changed. */
  decay(factor: number): number {
    if (typeof factor !== "number" || !(factor >= 0 && factor <= 1)) {
      throw new MemoryInputError(
        "factor",
        `expected a number in [0, 1], found ${describe(factor)}`,
      );
    }
    return this.#db.transaction(() =>
      this.#db.run("UPDATE pathways SET weight = weight * ? WHERE weight <> 0", factor).changes
    );
  }

  /** Every pathway, strongest first. */
  all(): Pathway[] {
    return this.#db.read(() =>
      this.#db.all(
        "SELECT cue, specialist, weight, fires, last_fired FROM pathways ORDER BY weight DESC, cue, specialist",
      ).map(pathwayFromRow)
    );
  }
}

function cueKey(cue: unknown, field: string): string {
  return requireText(field, cue, LABEL).replace(/\s+/g, " ").trim().toLowerCase();
}

function pathwayFromRow(row: Row): Pathway {
  return {
    cue: String(row.cue),
    specialist: String(row.specialist),
    weight: Number(row.weight),
    fires: Number(row.fires),
    lastFired: row.last_fired === null ? null : new Date(Number(row.last_fired)).toISOString(),
  };
}
