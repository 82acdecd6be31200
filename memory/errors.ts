/**
 * Errors memory raises; the HTTP and CLI edges map them to status codes and exit codes.
 * @module
 */

/** Base class of every error raised by memory/. */
export class MemoryError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "MemoryError";
  }
}

/** Input that cannot be stored as given; `field` names the offending field. */
export class MemoryInputError extends MemoryError {
  readonly field: string;
  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = "MemoryInputError";
    this.field = field;
  }
}

/** A referenced row (fact, conversation, message) does not exist. */
export class MemoryNotFoundError extends MemoryError {
  readonly kind: string;
  readonly id: number | string;
  constructor(kind: string, id: number | string) {
    super(`no ${kind} with id ${JSON.stringify(id)}`);
    this.name = "MemoryNotFoundError";
    this.kind = kind;
    this.id = id;
  }
}

/** The database was written by a newer synapse; it is refused, never altered. */
export class SchemaVersionError extends MemoryError {
  readonly found: number;
  readonly supported: number;
  constructor(path: string, found: number, supported: number) {
    super(
      `${path} has memory schema version ${found}, but this synapse knows versions up to ` +
        `${supported}; upgrade synapse, or open a copy with the version that wrote it. ` +
        `The file was not changed.`,
    );
    this.name = "SchemaVersionError";
    this.found = found;
    this.supported = supported;
  }
}

/** The file cannot be opened as a memory database (corrupt, foreign, unreadable). */
export class MemoryOpenError extends MemoryError {
  constructor(path: string, reason: string, options?: ErrorOptions) {
    super(
      `cannot open memory database ${path}: ${reason}. It was not modified; move it aside ` +
        `(synapse creates a fresh one) or restore it from a backup or a JSONL export.`,
      options,
    );
    this.name = "MemoryOpenError";
  }
}

/** Another process held the write lock past the busy timeout. */
export class MemoryBusyError extends MemoryError {
  constructor(timeoutMs: number, options?: ErrorOptions) {
    super(
      `the memory database stayed locked by another writer for more than ${timeoutMs} ms ` +
        `(and retries); try again`,
      options,
    );
    this.name = "MemoryBusyError";
  }
}
