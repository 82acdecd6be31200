/**
 * Facts between their row form and their object form, and the validation that turns a
 * caller's triple into the canonical one stored.
 * @module
 */
import type { Row } from "./database.ts";
import { MemoryInputError } from "./errors.ts";
import { MAX_ENTITY_CHARS, MAX_LABEL_CHARS } from "./limits.ts";
import { canonicalPredicate } from "./predicates.ts";
import { describe, normalizeEntity, requireText } from "./text.ts";
import type { Fact, Triple } from "./types.ts";

/** A validated triple in canonical form; `negated` is always present. */
export interface CanonicalTriple {
  subject: string;
  predicate: string;
  object: string;
  negated: boolean;
}

/** The columns of `facts`, as selected by {@linkcode FACT_COLUMNS}. */
export const FACT_COLUMNS =
  "id, subject, predicate, object, negated, confidence, mentions, source, created_at, " +
  "updated_at, superseded_by, contradicts";

/**
 * Validates and canonicalises a triple: entities normalised, predicate mapped to its
 * canonical name. Throws a {@linkcode MemoryInputError} naming the bad field.
 */
export function canonicalTriple(triple: unknown, prefix = ""): CanonicalTriple {
  if (typeof triple !== "object" || triple === null || Array.isArray(triple)) {
    throw new MemoryInputError(prefix || "triple", `expected an object, found ${describe(triple)}`);
  }
  const t = triple as Partial<Triple>;
  const rule = { max: MAX_ENTITY_CHARS };
  const subject = normalizeEntity(
    `${prefix}subject`,
    requireText(`${prefix}subject`, t.subject, rule),
  );
  const predicate = canonicalPredicate(
    requireText(`${prefix}predicate`, t.predicate, { max: MAX_LABEL_CHARS }),
    `${prefix}predicate`,
  );
  const object = normalizeEntity(`${prefix}object`, requireText(`${prefix}object`, t.object, rule));
  if (t.negated !== undefined && t.negated !== null && typeof t.negated !== "boolean") {
    throw new MemoryInputError(
      `${prefix}negated`,
      `expected a boolean, found ${describe(t.negated)}`,
    );
  }
  return { subject, predicate, object, negated: t.negated === true };
}

/** The plain triple of a fact. */
export function tripleOf(fact: Fact | CanonicalTriple): Triple {
  return {
    subject: fact.subject,
    predicate: fact.predicate,
    object: fact.object,
    negated: fact.negated,
  };
}

/** Maps a `facts` row to a {@linkcode Fact}. */
export function factFromRow(row: Row): Fact {
  return {
    id: Number(row.id),
    subject: String(row.subject),
    predicate: String(row.predicate),
    object: String(row.object),
    negated: Number(row.negated) === 1,
    confidence: Number(row.confidence),
    mentions: Number(row.mentions),
    source: String(row.source),
    createdAt: new Date(Number(row.created_at)).toISOString(),
    updatedAt: new Date(Number(row.updated_at)).toISOString(),
    supersededBy: row.superseded_by === null ? null : Number(row.superseded_by),
    contradicts: row.contradicts === null ? null : Number(row.contradicts),
  };
}
