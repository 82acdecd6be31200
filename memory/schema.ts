/**
 * The memory schema as numbered migrations, applied in order at open inside one write
 * transaction. A database newer than the code is refused untouched.
 * @module
 */
import type { Database } from "./database.ts";
import { MemoryOpenError, SchemaVersionError } from "./errors.ts";

/** `PRAGMA application_id` of a synapse memory file ("SYNA"). */
export const APPLICATION_ID = 0x53594e41;

const FACTS = `
CREATE TABLE facts (
  id INTEGER PRIMARY KEY,
  subject TEXT NOT NULL CHECK (length(subject) > 0),
  predicate TEXT NOT NULL CHECK (length(predicate) > 0),
  object TEXT NOT NULL CHECK (length(object) > 0),
  negated INTEGER NOT NULL DEFAULT 0 CHECK (negated IN (0, 1)),
  confidence REAL NOT NULL CHECK (confidence >= 0 AND confidence <= 1),
  mentions INTEGER NOT NULL DEFAULT 1 CHECK (mentions >= 1),
  source TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  superseded_by INTEGER REFERENCES facts(id) ON DELETE SET NULL,
  contradicts INTEGER REFERENCES facts(id) ON DELETE SET NULL
);
CREATE UNIQUE INDEX facts_triple ON facts(subject, predicate, object, negated);
CREATE INDEX facts_predicate_object ON facts(predicate, object);
CREATE INDEX facts_object ON facts(object);
CREATE INDEX facts_superseded_by ON facts(superseded_by) WHERE superseded_by IS NOT NULL;
CREATE INDEX facts_contradicts ON facts(contradicts) WHERE contradicts IS NOT NULL;
CREATE VIRTUAL TABLE facts_fts USING fts5(
  subject, predicate, object, content = 'facts', content_rowid = 'id',
  tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER facts_fts_insert AFTER INSERT ON facts BEGIN
  INSERT INTO facts_fts(rowid, subject, predicate, object)
    VALUES (new.id, new.subject, new.predicate, new.object);
END;
CREATE TRIGGER facts_fts_delete AFTER DELETE ON facts BEGIN
  INSERT INTO facts_fts(facts_fts, rowid, subject, predicate, object)
    VALUES ('delete', old.id, old.subject, old.predicate, old.object);
END;
CREATE TRIGGER facts_fts_update AFTER UPDATE OF subject, predicate, object ON facts BEGIN
  INSERT INTO facts_fts(facts_fts, rowid, subject, predicate, object)
    VALUES ('delete', old.id, old.subject, old.predicate, old.object);
  INSERT INTO facts_fts(rowid, subject, predicate, object)
    VALUES (new.id, new.subject, new.predicate, new.object);
END;
`;

const CONVERSATIONS = `
CREATE TABLE conversations (
  id INTEGER PRIMARY KEY,
  model TEXT NOT NULL,
  specialist TEXT,
  title TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX conversations_updated ON conversations(updated_at, id);
CREATE TABLE messages (
  id INTEGER PRIMARY KEY,
  conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
  role TEXT NOT NULL CHECK (role IN ('system', 'user', 'assistant', 'tool')),
  content TEXT NOT NULL,
  specialist TEXT,
  model TEXT,
  domain TEXT,
  response_id TEXT,
  prompt_tokens INTEGER,
  completion_tokens INTEGER,
  latency_ms REAL,
  claims TEXT,
  created_at INTEGER NOT NULL
);
CREATE INDEX messages_conversation ON messages(conversation_id, id);
CREATE INDEX messages_response ON messages(response_id) WHERE response_id IS NOT NULL;
CREATE VIRTUAL TABLE messages_fts USING fts5(
  content, content = 'messages', content_rowid = 'id',
  tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
  INSERT INTO messages_fts(rowid, content) VALUES (new.id, new.content);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
  INSERT INTO messages_fts(messages_fts, rowid, content) VALUES ('delete', old.id, old.content);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF content ON messages BEGIN
  INSERT INTO messages_fts(messages_fts, rowid, content) VALUES ('delete', old.id, old.content);
  INSERT INTO messages_fts(rowid, content) VALUES (new.id, new.content);
END;
`;

const LEARNING = `
CREATE TABLE preferences (
  id INTEGER PRIMARY KEY,
  prompt TEXT NOT NULL,
  chosen TEXT NOT NULL,
  rejected TEXT NOT NULL,
  source TEXT NOT NULL,
  specialist TEXT,
  message_id INTEGER REFERENCES messages(id) ON DELETE SET NULL,
  used_in_training INTEGER NOT NULL DEFAULT 0 CHECK (used_in_training IN (0, 1)),
  used_at INTEGER,
  created_at INTEGER NOT NULL
);
CREATE INDEX preferences_unused ON preferences(used_in_training, id);
CREATE INDEX preferences_message ON preferences(message_id) WHERE message_id IS NOT NULL;
CREATE TABLE pathways (
  cue TEXT NOT NULL,
  specialist TEXT NOT NULL,
  weight REAL NOT NULL DEFAULT 0 CHECK (weight >= -1 AND weight <= 1),
  fires INTEGER NOT NULL DEFAULT 0,
  last_fired INTEGER,
  PRIMARY KEY (cue, specialist)
) WITHOUT ROWID;
CREATE TABLE specialist_stats (
  specialist TEXT NOT NULL,
  domain TEXT NOT NULL,
  successes INTEGER NOT NULL DEFAULT 0,
  failures INTEGER NOT NULL DEFAULT 0,
  confidence REAL NOT NULL DEFAULT 0.5,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (specialist, domain)
) WITHOUT ROWID;
CREATE TABLE feedback (
  id INTEGER PRIMARY KEY,
  message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
  rating REAL CHECK (rating >= -1 AND rating <= 1),
  preferred_text TEXT,
  comment TEXT,
  created_at INTEGER NOT NULL,
  CHECK (rating IS NOT NULL OR preferred_text IS NOT NULL OR comment IS NOT NULL)
);
CREATE INDEX feedback_message ON feedback(message_id);
`;

/** 2: conversations remember a digest of their transcript so a stateless client's next
 * request (history + one new message) continues the same conversation. */
const CONVERSATION_FINGERPRINT = `
ALTER TABLE conversations ADD COLUMN fingerprint TEXT;
CREATE INDEX conversations_fingerprint ON conversations(fingerprint) WHERE fingerprint IS NOT NULL;
`;

/** Migration N (1-based) is `MIGRATIONS[N - 1]`; append, never edit a released one. */
export const MIGRATIONS: readonly string[] = [
  FACTS + CONVERSATIONS + LEARNING,
  CONVERSATION_FINGERPRINT,
];

/** The schema version this code writes. */
export const SCHEMA_VERSION: number = MIGRATIONS.length;

function versionOf(db: Database): { version: number; applicationId: number } {
  const version = Number(db.get<{ user_version: number }>("PRAGMA user_version")!.user_version);
  const applicationId = Number(
    db.get<{ application_id: number }>("PRAGMA application_id")!.application_id,
  );
  return { version, applicationId };
}

function refuseForeign(db: Database, version: number, applicationId: number): void {
  if (version > SCHEMA_VERSION) throw new SchemaVersionError(db.path, version, SCHEMA_VERSION);
  if (applicationId !== 0 && applicationId !== APPLICATION_ID) {
    throw new MemoryOpenError(
      db.path,
      `application_id is ${applicationId}, expected ${APPLICATION_ID} (not a synapse file)`,
    );
  }
  const tables = db.get<{ n: number }>("SELECT count(*) AS n FROM sqlite_schema")!.n;
  if (version === 0 && Number(tables) > 0) {
    throw new MemoryOpenError(db.path, "it holds tables but no synapse schema version");
  }
}

/**
 * Brings the database to {@linkcode SCHEMA_VERSION} (in WAL mode); returns the version found
 * before.
 * Throws {@linkcode SchemaVersionError} for a newer file and {@linkcode MemoryOpenError} for a
 * foreign one, in both cases without writing.
 */
export function migrate(db: Database): number {
  const before = db.read(() => versionOf(db));
  refuseForeign(db, before.version, before.applicationId);
  db.useWal();
  if (before.version === SCHEMA_VERSION) return before.version;
  db.transaction(() => {
    // Another process may have migrated between our read and our write lock.
    const { version, applicationId } = versionOf(db);
    refuseForeign(db, version, applicationId);
    for (let next = version + 1; next <= SCHEMA_VERSION; next++) {
      db.exec(MIGRATIONS[next - 1]);
      db.exec(`PRAGMA user_version = ${next}`);
    }
    db.exec(`PRAGMA application_id = ${APPLICATION_ID}`);
  });
  return before.version;
}
