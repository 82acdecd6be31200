/**
 * MemoryStore: one SQLite file (WAL) holding the swarm's facts, conversations, preference
 * pairs, pathways, specialist statistics and feedback, migrated when opened.
 * @module
 */
import { dirname } from "node:path";
import { ConversationStore } from "./conversation_store.ts";
import { Database, type DatabaseOptions } from "./database.ts";
import { FactStore } from "./fact_store.ts";
import { FeedbackStore } from "./feedback_store.ts";
import { PathwayStore } from "./pathway_store.ts";
import { PreferenceStore } from "./preference_store.ts";
import { migrate } from "./schema.ts";
import { SpecialistStatsStore } from "./specialist_stats_store.ts";

/** Options of {@linkcode MemoryStore.open}. */
export type MemoryStoreOptions = DatabaseOptions;

/** The swarm's memory. Synchronous (node:sqlite); every write is one short transaction. */
export class MemoryStore {
  /** Path of the database file (or ":memory:"). */
  readonly path: string;
  /** Schema version found in the file before this open migrated it (0 for a new file). */
  readonly openedAtVersion: number;
  readonly facts: FactStore;
  readonly conversations: ConversationStore;
  readonly preferences: PreferenceStore;
  readonly pathways: PathwayStore;
  readonly stats: SpecialistStatsStore;
  readonly feedback: FeedbackStore;
  readonly #db: Database;

  private constructor(db: Database, openedAtVersion: number) {
    this.#db = db;
    this.path = db.path;
    this.openedAtVersion = openedAtVersion;
    this.facts = new FactStore(db);
    this.conversations = new ConversationStore(db);
    this.preferences = new PreferenceStore(db);
    this.pathways = new PathwayStore(db);
    this.stats = new SpecialistStatsStore(db);
    this.feedback = new FeedbackStore(db);
  }

  /**
   * Opens the database at `path`, creating it and its folder if absent and applying pending
   * migrations. Throws SchemaVersionError for a file from a newer synapse and MemoryOpenError
   * for a corrupt or foreign file; neither is modified.
   * @example
   * ```ts
   * import { MemoryStore } from "./memory_store.ts";
   * const store = MemoryStore.open(":memory:");
   * store.facts.add({ subject: "Paris", predicate: "is a", object: "city" });
   * store.close();
   * ```
   */
  static open(path: string, options: MemoryStoreOptions = {}): MemoryStore {
    if (path !== ":memory:" && !path.startsWith("file:")) {
      Deno.mkdirSync(dirname(path), { recursive: true });
    }
    const db = Database.open(path, options);
    try {
      return new MemoryStore(db, migrate(db));
    } catch (error) {
      db.close();
      throw error;
    }
  }

  /** Runs `fn` as one write transaction; store calls inside it join it. */
  transaction<T>(fn: () => T): T {
    return this.#db.transaction(fn);
  }

  /** `PRAGMA integrity_check` and the FTS indexes' own checks; `["ok"]` when healthy. */
  integrityCheck(): string[] {
    const rows = this.#db.all<{ integrity_check: string }>("PRAGMA integrity_check");
    const problems = rows.map((r) => String(r.integrity_check));
    for (const table of ["facts_fts", "messages_fts"]) {
      try {
        this.#db.exec(`INSERT INTO ${table}(${table}) VALUES ('integrity-check')`);
      } catch (error) {
        problems.push(`${table}: ${(error as Error).message}`);
      }
    }
    const failed = problems.filter((p) => p !== "ok");
    return failed.length ? failed : ["ok"];
  }

  /** Copies the WAL into the main file and truncates it (for shutdown or backups). */
  checkpoint(): void {
    this.#db.read(() => this.#db.exec("PRAGMA wal_checkpoint(TRUNCATE)"));
  }

  /** Closes the database. Further calls on the store throw. */
  close(): void {
    this.#db.close();
  }
}
