/**
 * When two facts cannot both be true: the same triple with opposite polarity, or two objects
 * of a functional predicate. The stronger one stays current; the others point to it.
 * @module
 */
import type { Database } from "./database.ts";
import { type CanonicalTriple, FACT_COLUMNS, factFromRow } from "./fact_rows.ts";
import { isFunctional } from "./predicates.ts";
import type { Fact } from "./types.ts";

const MAX_RIVALS = 100;

/** Whether `a` and `b` cannot both hold. */
export function conflicts(a: CanonicalTriple, b: CanonicalTriple): boolean {
  if (a.subject !== b.subject || a.predicate !== b.predicate) return false;
  if (a.object === b.object) return a.negated !== b.negated;
  return isFunctional(a.predicate) && !a.negated && !b.negated;
}

/** Stored facts that conflict with `triple` (at most 100, strongest first). */
export function rivalsOf(db: Database, triple: CanonicalTriple): Fact[] {
  const opposite = db.all(
    `SELECT ${FACT_COLUMNS} FROM facts
     WHERE subject = ? AND predicate = ? AND object = ? AND negated = ?`,
    triple.subject,
    triple.predicate,
    triple.object,
    triple.negated ? 0 : 1,
  ).map(factFromRow);
  if (!isFunctional(triple.predicate) || triple.negated) return opposite;
  const others = db.all(
    `SELECT ${FACT_COLUMNS} FROM facts
     WHERE subject = ? AND predicate = ? AND negated = 0 AND object <> ?
     ORDER BY confidence DESC, id LIMIT ?`,
    triple.subject,
    triple.predicate,
    triple.object,
    MAX_RIVALS,
  ).map(factFromRow);
  return [...opposite, ...others].sort(strongestFirst);
}

/** Orders by confidence, then the older (incumbent) fact first. */
export function strongestFirst(a: Fact, b: Fact): number {
  return b.confidence - a.confidence || a.id - b.id;
}

/**
 * Re-decides which of `fact` and its rivals is current: the strongest (ties go to the older
 * fact) has `superseded_by` cleared; every fact conflicting with it points to it. Runs inside
 * the caller's transaction.
 */
export function resolveConflicts(db: Database, fact: Fact): void {
  const rivals = rivalsOf(db, fact);
  if (rivals.length === 0) {
    if (fact.supersededBy !== null) setSupersededBy(db, fact.id, null);
    return;
  }
  const group = [fact, ...rivals].sort(strongestFirst);
  const winner = group[0];
  if (winner.supersededBy !== null) setSupersededBy(db, winner.id, null);
  for (const loser of group.slice(1)) {
    if (conflicts(loser, winner) && loser.supersededBy !== winner.id) {
      setSupersededBy(db, loser.id, winner.id);
    }
  }
}

function setSupersededBy(db: Database, id: number, by: number | null): void {
  db.run("UPDATE facts SET superseded_by = ? WHERE id = ?", by, id);
}
