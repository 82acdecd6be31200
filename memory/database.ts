/**
 * The one SQLite connection behind a MemoryStore: pragmas for crash safety, cached prepared
 * statements, and write transactions that wait for other processes instead of failing.
 * @module
 */
import { DatabaseSync, type SQLInputValue, type StatementSync } from "node:sqlite";
import { MemoryBusyError, MemoryOpenError } from "./errors.ts";

/** How a {@linkcode Database} is opened. */
export interface DatabaseOptions {
  /** How long a writer waits for another process's write lock. Default 5000 ms. */
  busyTimeoutMs?: number;
  /**
   * "normal" (default): WAL commits survive a killed process; the last commits may roll back
   * on power loss. "full": fsync on every commit, survives power loss too. See decision 0003.
   */
  synchronous?: "normal" | "full";
}

/** A row as node:sqlite returns it. */
export type Row = Record<string, SQLInputValue>;

const BUSY = /database is locked|database table is locked|SQLITE_BUSY/i;
const BUSY_RETRIES = 3;

/** A SQLite connection with the pragmas memory relies on. */
export class Database {
  readonly path: string;
  readonly busyTimeoutMs: number;
  readonly #db: DatabaseSync;
  readonly #statements = new Map<string, StatementSync>();

  private constructor(path: string, db: DatabaseSync, busyTimeoutMs: number) {
    this.path = path;
    this.#db = db;
    this.busyTimeoutMs = busyTimeoutMs;
  }

  /** Opens (creating if absent) the file at `path` and applies the pragmas. */
  static open(path: string, options: DatabaseOptions = {}): Database {
    const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
    let db: DatabaseSync;
    try {
      db = new DatabaseSync(path, { timeout: busyTimeoutMs, enableForeignKeyConstraints: true });
    } catch (error) {
      throw new MemoryOpenError(path, (error as Error).message, { cause: error });
    }
    const database = new Database(path, db, busyTimeoutMs);
    try {
      database.#applyPragmas(options.synchronous ?? "normal");
    } catch (error) {
      db.close();
      if (error instanceof MemoryBusyError) throw error;
      throw new MemoryOpenError(path, (error as Error).message, { cause: error });
    }
    return database;
  }

  #applyPragmas(synchronous: "normal" | "full"): void {
    // Reading the header first makes "file is not a database" surface here, before any write.
    this.#retryBusy(() => this.#db.prepare("PRAGMA schema_version").get());
    this.#db.exec(`PRAGMA synchronous = ${synchronous === "full" ? "FULL" : "NORMAL"}`);
    this.#db.exec("PRAGMA foreign_keys = ON");
    this.#db.exec("PRAGMA trusted_schema = OFF");
  }

  /**
   * Switches the file to write-ahead logging (persistent, so only after the file is known to
   * be ours): readers never block the writer, and a commit is durable once in the WAL.
   */
  useWal(): void {
    const mode = this.#retryBusy(() => this.#db.prepare("PRAGMA journal_mode = WAL").get()) as {
      journal_mode: string;
    };
    if (mode.journal_mode !== "wal" && this.path !== ":memory:") {
      throw new MemoryOpenError(
        this.path,
        `journal_mode stayed ${mode.journal_mode}, expected wal`,
      );
    }
  }

  /** A cached prepared statement for `sql`. */
  statement(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  /** Runs `sql` (no results) with positional parameters. */
  run(sql: string, ...params: SQLInputValue[]): { changes: number; lastInsertRowid: number } {
    const result = this.statement(sql).run(...params);
    return { changes: Number(result.changes), lastInsertRowid: Number(result.lastInsertRowid) };
  }

  /** The first row of `sql`, or undefined. */
  get<T = Row>(sql: string, ...params: SQLInputValue[]): T | undefined {
    return this.statement(sql).get(...params) as T | undefined;
  }

  /** All rows of `sql`. */
  all<T = Row>(sql: string, ...params: SQLInputValue[]): T[] {
    return this.statement(sql).all(...params) as T[];
  }

  /** Executes one or more statements without parameters (schema, pragmas). */
  exec(sql: string): void {
    this.#db.exec(sql);
  }

  /**
   * Runs `fn` in a write transaction. `BEGIN IMMEDIATE` takes the write lock up front, so a
   * transaction never has to upgrade a read snapshot (the one SQLITE_BUSY that busy_timeout
   * cannot wait out). Nested calls join the outer transaction. `fn` must be synchronous: an
   * await inside it would let other work interleave with the open transaction.
   */
  transaction<T>(fn: () => T): T {
    if (this.#db.isTransaction) return fn();
    this.#retryBusy(() => this.#db.exec("BEGIN IMMEDIATE"));
    try {
      const result = fn();
      this.#retryBusy(() => this.#db.exec("COMMIT"));
      return result;
    } catch (error) {
      if (this.#db.isTransaction) this.#db.exec("ROLLBACK");
      throw error;
    }
  }

  /** Runs a read that may meet a lock (WAL recovery by another process) with retries. */
  read<T>(fn: () => T): T {
    return this.#retryBusy(fn);
  }

  #retryBusy<T>(fn: () => T): T {
    for (let attempt = 0;; attempt++) {
      try {
        return fn();
      } catch (error) {
        if (!BUSY.test((error as Error).message ?? "")) throw error;
        if (attempt >= BUSY_RETRIES) {
          throw new MemoryBusyError(this.busyTimeoutMs, { cause: error });
        }
      }
    }
  }

  /** Whether a transaction is open on this connection. */
  get inTransaction(): boolean {
    return this.#db.isTransaction;
  }

  /** Closes the connection; SQLite checkpoints the WAL when the last connection closes. */
  close(): void {
    this.#statements.clear();
    if (this.#db.isOpen) this.#db.close();
  }
}
