/**
 * How well each specialist does in each domain: success and failure counts and the
 * smoothed success rate the swarm reads as its confidence.
 * @module
 */
import type { Database, Row } from "./database.ts";
import { MemoryInputError } from "./errors.ts";
import { MAX_LABEL_CHARS } from "./limits.ts";
import { describe, requireText } from "./text.ts";
import type { Outcome, SpecialistStats } from "./types.ts";

const LABEL = { max: MAX_LABEL_CHARS };

/** Laplace-smoothed success rate: no evidence gives 0.5, and it never reaches 0 or 1. */
export function successRate(successes: number, failures: number): number {
  return (successes + 1) / (successes + failures + 2);
}

/** Specialist × domain statistics. */
export class SpecialistStatsStore {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  /** Counts one outcome for (specialist, domain); returns the updated statistics. */
  record(specialist: string, domain: string, outcome: Outcome): SpecialistStats {
    const name = requireText("specialist", specialist, LABEL).trim();
    const area = requireText("domain", domain, LABEL).trim().toLowerCase();
    if (outcome !== "success" && outcome !== "failure") {
      throw new MemoryInputError(
        "outcome",
        `expected "success" or "failure", found ${describe(outcome)}`,
      );
    }
    const [s, f] = outcome === "success" ? [1, 0] : [0, 1];
    return this.#db.transaction(() => {
      this.#db.run(
        `INSERT INTO specialist_stats (specialist, domain, successes, failures, confidence, updated_at)
         VALUES (?, ?, ?, ?, (? + 1.0) / (? + ? + 2.0), ?)
         ON CONFLICT (specialist, domain) DO UPDATE SET
           successes = successes + excluded.successes, failures = failures + excluded.failures,
           confidence = (successes + excluded.successes + 1.0) /
             (successes + excluded.successes + failures + excluded.failures + 2.0),
           updated_at = excluded.updated_at`,
        name,
        area,
        s,
        f,
        s,
        s,
        f,
        Date.now(),
      );
      return this.#get(name, area);
    });
  }

  /** Statistics of (specialist, domain); zero counts and confidence 0.5 if none recorded. */
  get(specialist: string, domain: string): SpecialistStats {
    const name = requireText("specialist", specialist, LABEL).trim();
    const area = requireText("domain", domain, LABEL).trim().toLowerCase();
    return this.#db.read(() => this.#get(name, area));
  }

  #get(specialist: string, domain: string): SpecialistStats {
    const row = this.#db.get(
      `SELECT specialist, domain, successes, failures, confidence, updated_at FROM specialist_stats
       WHERE specialist = ? AND domain = ?`,
      specialist,
      domain,
    );
    return row ? statsFromRow(row) : {
      specialist,
      domain,
      successes: 0,
      failures: 0,
      confidence: successRate(0, 0),
      updatedAt: null,
    };
  }

  /** Every (specialist, domain) row, by specialist then domain. */
  all(): SpecialistStats[] {
    return this.#db.read(() =>
      this.#db.all(
        `SELECT specialist, domain, successes, failures, confidence, updated_at FROM specialist_stats
         ORDER BY specialist, domain`,
      ).map(statsFromRow)
    );
  }
}

function statsFromRow(row: Row): SpecialistStats {
  return {
    specialist: String(row.specialist),
    domain: String(row.domain),
    successes: Number(row.successes),
    failures: Number(row.failures),
    confidence: Number(row.confidence),
    updatedAt: row.updated_at === null ? null : new Date(Number(row.updated_at)).toISOString(),
  };
}
