/**
 * The knowledge graph's facts: add with reinforcement and contradiction handling, look up by
 * any of subject/predicate/object, full-text search, forget.
 * @module
 */
import type { Database } from "./database.ts";
import { MemoryInputError } from "./errors.ts";
import { resolveConflicts, rivalsOf } from "./fact_conflicts.ts";
import { type CanonicalTriple, canonicalTriple, FACT_COLUMNS, factFromRow } from "./fact_rows.ts";
import { toFtsQuery } from "./fts_query.ts";
import { MAX_ENTITY_CHARS, MAX_LABEL_CHARS } from "./limits.ts";
import { canonicalPredicate } from "./predicates.ts";
import { normalizeEntity, optionalNumberIn, page, requireId, requireText } from "./text.ts";
import type { Fact, FactQuery } from "./types.ts";

/** Confidence of a fact added without one. */
export const DEFAULT_CONFIDENCE = 0.8;
/** A new fact that contradicts a stored one starts at this fraction of its confidence. */
export const CONTRADICTION_PENALTY = 0.5;

/** Options of {@linkcode FactStore.add}. */
export interface AddFactOptions {
  /** In [0, 1]; default {@linkcode DEFAULT_CONFIDENCE}. */
  confidence?: number;
  /** Who stated it; default "api". */
  source?: string;
}

/** Repeated evidence combines as noisy-OR: two independent 0.5 mentions give 0.75. */
export function reinforce(current: number, incoming: number): number {
  return 1 - (1 - current) * (1 - incoming);
}

/** Facts of the knowledge graph. */
export class FactStore {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  /**
   * Adds a triple. A triple already stored gains confidence (noisy-OR) and a mention; a new
   * triple that contradicts a stored one (opposite polarity, or another object of a
   * functional predicate) is stored at reduced confidence, linked through `contradicts`, and
   * whichever is stronger stays current (`supersededBy` points the others to it).
   */
  add(triple: unknown, options: AddFactOptions = {}): Fact {
    const canonical = canonicalTriple(triple);
    const { confidence, source } = this.#options(options);
    return this.#db.transaction(() => this.#add(canonical, confidence, source, "reinforce"));
  }

  /** Adds many triples in one transaction (all or none); see {@linkcode FactStore.add}. */
  addMany(triples: readonly unknown[], options: AddFactOptions = {}): Fact[] {
    const canonical = triples.map((t, i) => canonicalTriple(t, `facts[${i}].`));
    const { confidence, source } = this.#options(options);
    return this.#db.transaction(() =>
      canonical.map((t) => this.#add(t, confidence, source, "reinforce"))
    );
  }

  /**
   * Stores a triple as a record states it (import): a stored copy keeps the higher of the two
   * confidences instead of being reinforced, so importing a file twice changes nothing.
   */
  merge(triple: unknown, options: AddFactOptions = {}): Fact {
    const canonical = canonicalTriple(triple);
    const { confidence, source } = this.#options(options);
    return this.#db.transaction(() => this.#add(canonical, confidence, source, "max"));
  }

  #options(options: AddFactOptions): { confidence: number; source: string } {
    const confidence = optionalNumberIn("confidence", options.confidence, 0, 1) ??
      DEFAULT_CONFIDENCE;
    const source = options.source === undefined
      ? "api"
      : requireText("source", options.source, { max: MAX_LABEL_CHARS }).trim();
    return { confidence, source };
  }

  #add(t: CanonicalTriple, confidence: number, source: string, mode: "reinforce" | "max"): Fact {
    const now = Date.now();
    const existing = this.#db.get<{ id: number; confidence: number }>(
      "SELECT id, confidence FROM facts WHERE subject = ? AND predicate = ? AND object = ? AND negated = ?",
      t.subject,
      t.predicate,
      t.object,
      t.negated ? 1 : 0,
    );
    let id: number;
    if (existing) {
      id = Number(existing.id);
      const next = mode === "max"
        ? Math.max(existing.confidence, confidence)
        : reinforce(existing.confidence, confidence);
      this.#db.run(
        "UPDATE facts SET confidence = ?, mentions = mentions + 1, updated_at = ? WHERE id = ?",
        next,
        now,
        id,
      );
    } else {
      const rival = rivalsOf(this.#db, t)[0];
      const start = rival && mode === "reinforce" ? confidence * CONTRADICTION_PENALTY : confidence;
      id = this.#db.run(
        `INSERT INTO facts (subject, predicate, object, negated, confidence, source, created_at,
           updated_at, contradicts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        t.subject,
        t.predicate,
        t.object,
        t.negated ? 1 : 0,
        start,
        source,
        now,
        now,
        rival?.id ?? null,
      ).lastInsertRowid;
    }
    resolveConflicts(this.#db, this.#get(id)!);
    return this.#get(id)!;
  }

  #get(id: number): Fact | undefined {
    const row = this.#db.get(`SELECT ${FACT_COLUMNS} FROM facts WHERE id = ?`, id);
    return row ? factFromRow(row) : undefined;
  }

  /** The fact with `id`, or undefined. */
  get(id: number): Fact | undefined {
    return this.#db.read(() => this.#get(requireId("id", id)));
  }

  /**
   * Facts matching every given field (normalised the way they are stored), strongest first,
   * paginated (default 50, at most 1000).
   */
  query(filter: FactQuery = {}): Fact[] {
    const { limit, offset } = page(filter.limit, filter.offset);
    const where: string[] = [];
    const params: string[] = [];
    const entity = { max: MAX_ENTITY_CHARS };
    if (filter.subject !== undefined) {
      where.push("subject = ?");
      params.push(normalizeEntity("subject", requireText("subject", filter.subject, entity)));
    }
    if (filter.predicate !== undefined) {
      where.push("predicate = ?");
      params.push(canonicalPredicate(requireText("predicate", filter.predicate, entity)));
    }
    if (filter.object !== undefined) {
      where.push("object = ?");
      params.push(normalizeEntity("object", requireText("object", filter.object, entity)));
    }
    if (filter.currentOnly) where.push("superseded_by IS NULL");
    const sql = `SELECT ${FACT_COLUMNS} FROM facts` +
      (where.length ? ` WHERE ${where.join(" AND ")}` : "") +
      " ORDER BY confidence DESC, id LIMIT ? OFFSET ?";
    return this.#db.read(() => this.#db.all(sql, ...params, limit, offset).map(factFromRow));
  }

  /** Facts whose subject, predicate or object contain every word of `text`, best first. */
  search(text: string, options: { limit?: number; offset?: number } = {}): Fact[] {
    const { limit, offset } = page(options.limit, options.offset);
    const match = toFtsQuery(text);
    if (match === undefined) return [];
    return this.#db.read(() =>
      this.#db.all(
        `SELECT ${FACT_COLUMNS.split(", ").map((c) => `f.${c}`).join(", ")}
         FROM facts_fts JOIN facts f ON f.id = facts_fts.rowid
         WHERE facts_fts MATCH ? ORDER BY facts_fts.rank LIMIT ? OFFSET ?`,
        match,
        limit,
        offset,
      ).map(factFromRow)
    );
  }

  /**
   * Deletes the fact with `id`; facts it superseded or contradicted lose the link (and are
   * re-decided). Returns false if there was no such fact.
   */
  forget(id: number): boolean {
    const factId = requireId("id", id);
    return this.#db.transaction(() => {
      const linked = this.#db.all<{ id: number }>(
        "SELECT id FROM facts WHERE superseded_by = ? OR contradicts = ?",
        factId,
        factId,
      );
      const deleted = this.#db.run("DELETE FROM facts WHERE id = ?", factId).changes > 0;
      for (const { id: other } of linked) {
        const fact = this.#get(Number(other));
        if (fact) resolveConflicts(this.#db, fact);
      }
      return deleted;
    });
  }

  /** Number of stored facts. */
  count(): number {
    return this.#db.read(() =>
      Number(this.#db.get<{ n: number }>("SELECT count(*) AS n FROM facts")!.n)
    );
  }

  /** Every fact in id order, read in pages of `batchSize` so memory stays bounded. */
  *each(batchSize = 1000): Generator<Fact> {
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new MemoryInputError("batchSize", `expected a positive integer, found ${batchSize}`);
    }
    let after = 0;
    while (true) {
      const rows = this.#db.all(
        `SELECT ${FACT_COLUMNS} FROM facts WHERE id > ? ORDER BY id LIMIT ?`,
        after,
        batchSize,
      ).map(factFromRow);
      yield* rows;
      if (rows.length < batchSize) return;
      after = rows[rows.length - 1].id;
    }
  }
}
