/**
 * Preference pairs (prompt, chosen, rejected) that teach the specialists, and which of them a
 * training run has already used.
 * @module
 */
import type { Database, Row } from "./database.ts";
import { MemoryInputError } from "./errors.ts";
import { MAX_LABEL_CHARS, MAX_PAGE_SIZE, MAX_TEXT_CHARS } from "./limits.ts";
import { describe, optionalText, page, requireId, requireText } from "./text.ts";
import type { PreferencePair, PreferencePairInput } from "./types.ts";

const TEXT = { max: MAX_TEXT_CHARS };
const LABEL = { max: MAX_LABEL_CHARS };
const COLUMNS =
  "id, prompt, chosen, rejected, source, specialist, message_id, used_in_training, used_at, created_at";

/** Filters of {@linkcode PreferenceStore.list}. */
export interface PreferenceQuery {
  /** true: only pairs not yet used in training; false: only used ones; absent: all. */
  unused?: boolean;
  specialist?: string;
  limit?: number;
  offset?: number;
}

/** Preference pairs. */
export class PreferenceStore {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  /** Stores a pair; returns its id. `chosen` and `rejected` must differ. */
  add(input: PreferencePairInput): number {
    if (typeof input !== "object" || input === null) {
      throw new MemoryInputError("preference", `expected an object, found ${describe(input)}`);
    }
    const prompt = requireText("prompt", input.prompt, TEXT);
    const chosen = requireText("chosen", input.chosen, TEXT);
    const rejected = requireText("rejected", input.rejected, TEXT);
    if (chosen === rejected) {
      throw new MemoryInputError(
        "chosen",
        "expected a text different from rejected, found the same",
      );
    }
    const source = requireText("source", input.source, LABEL);
    const specialist = optionalText("specialist", input.specialist, LABEL) ?? null;
    const messageId = input.messageId === undefined
      ? null
      : requireId("messageId", input.messageId);
    return this.#db.transaction(() =>
      this.#db.run(
        `INSERT INTO preferences (prompt, chosen, rejected, source, specialist, message_id, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
        prompt,
        chosen,
        rejected,
        source,
        specialist,
        messageId,
        Date.now(),
      ).lastInsertRowid
    );
  }

  /** Pairs in insertion order, filtered and paginated (default 50, at most 1000). */
  list(query: PreferenceQuery = {}): PreferencePair[] {
    const { limit, offset } = page(query.limit, query.offset);
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (query.unused !== undefined) {
      where.push("used_in_training = ?");
      params.push(query.unused ? 0 : 1);
    }
    if (query.specialist !== undefined) {
      where.push("specialist = ?");
      params.push(requireText("specialist", query.specialist, LABEL));
    }
    const sql = `SELECT ${COLUMNS} FROM preferences` +
      (where.length ? ` WHERE ${where.join(" AND ")}` : "") + " ORDER BY id LIMIT ? OFFSET ?";
    return this.#db.read(() => this.#db.all(sql, ...params, limit, offset).map(pairFromRow));
  }

  /** Marks pairs as used in training; returns how many changed. */
  markUsed(ids: readonly number[]): number {
    if (!Array.isArray(ids) || ids.length > MAX_PAGE_SIZE * 100) {
      throw new MemoryInputError("ids", `expected an array of at most ${MAX_PAGE_SIZE * 100} ids`);
    }
    const valid = ids.map((id, i) => requireId(`ids[${i}]`, id));
    const now = Date.now();
    return this.#db.transaction(() =>
      valid.reduce(
        (changed, id) =>
          changed +
          this.#db.run(
            "UPDATE preferences SET used_in_training = 1, used_at = ? WHERE id = ? AND used_in_training = 0",
            now,
            id,
          ).changes,
        0,
      )
    );
  }

  /** Number of pairs, optionally only unused ones. */
  count(options: { unused?: boolean } = {}): number {
    const sql = options.unused === undefined
      ? "SELECT count(*) AS n FROM preferences"
      : `SELECT count(*) AS n FROM preferences WHERE used_in_training = ${options.unused ? 0 : 1}`;
    return this.#db.read(() => Number(this.#db.get<{ n: number }>(sql)!.n));
  }
}

function pairFromRow(row: Row): PreferencePair {
  return {
    id: Number(row.id),
    prompt: String(row.prompt),
    chosen: String(row.chosen),
    rejected: String(row.rejected),
    source: String(row.source),
    specialist: row.specialist === null ? null : String(row.specialist),
    messageId: row.message_id === null ? null : Number(row.message_id),
    usedInTraining: Number(row.used_in_training) === 1,
    usedAt: row.used_at === null ? null : new Date(Number(row.used_at)).toISOString(),
    createdAt: new Date(Number(row.created_at)).toISOString(),
  };
}
