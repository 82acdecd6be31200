/**
 * Conversations and their messages: every turn with who answered it (specialist, model),
 * what it cost (tokens, latency) and how its claims checked out. Full-text search over content.
 * @module
 */
import type { Database, Row } from "./database.ts";
import { MemoryInputError, MemoryNotFoundError } from "./errors.ts";
import { toFtsQuery } from "./fts_query.ts";
import {
  MAX_CLAIMS_JSON_CHARS,
  MAX_COMMENT_CHARS,
  MAX_LABEL_CHARS,
  MAX_TEXT_CHARS,
} from "./limits.ts";
import {
  describe,
  optionalCount,
  optionalText,
  page,
  requireId,
  requireText,
  storableText,
} from "./text.ts";
import type {
  ClaimVerdict,
  Conversation,
  ConversationSummary,
  Message,
  MessageHit,
  MessageInput,
  MessageRole,
} from "./types.ts";

const ROLES: ReadonlySet<string> = new Set(["system", "user", "assistant", "tool"]);
const LABEL = { max: MAX_LABEL_CHARS };
const MESSAGE_COLUMNS = "id, conversation_id, role, content, specialist, model, domain, " +
  "response_id, prompt_tokens, completion_tokens, latency_ms, claims, created_at";

/** What {@linkcode ConversationStore.start} takes. */
export interface ConversationInput {
  model: string;
  specialist?: string;
  title?: string;
}

/** Conversations and messages. */
export class ConversationStore {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  /** Starts a conversation; returns its id. */
  start(input: ConversationInput): number {
    const model = requireText("model", input?.model, LABEL);
    const specialist = optionalText("specialist", input.specialist, LABEL) ?? null;
    const title = optionalText("title", input.title, { max: MAX_COMMENT_CHARS, allowEmpty: true });
    const now = Date.now();
    return this.#db.transaction(() =>
      this.#db.run(
        "INSERT INTO conversations (model, specialist, title, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
        model,
        specialist,
        title ?? null,
        now,
        now,
      ).lastInsertRowid
    );
  }

  /**
   * Appends a message; returns its id. Content is stored as given, except that lone
   * surrogates and NUL (which SQLite text cannot return intact) become U+FFFD.
   * Throws {@linkcode MemoryNotFoundError} for an unknown conversation.
   */
  addMessage(conversationId: number, input: MessageInput): number {
    const id = requireId("conversationId", conversationId);
    const values = messageValues(input);
    return this.#db.transaction(() => {
      const now = Date.now();
      const updated = this.#db.run("UPDATE conversations SET updated_at = ? WHERE id = ?", now, id);
      if (updated.changes === 0) throw new MemoryNotFoundError("conversation", id);
      return this.#db.run(
        `INSERT INTO messages (conversation_id, role, content, specialist, model, domain,
           response_id, prompt_tokens, completion_tokens, latency_ms, claims, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        id,
        ...values,
        now,
      ).lastInsertRowid;
    });
  }

  /** The conversation with a page of its messages (oldest first; default 1000), or undefined. */
  get(id: number, options: { limit?: number; offset?: number } = {}): Conversation | undefined {
    const conversationId = requireId("id", id);
    const { limit, offset } = page(options.limit ?? 1000, options.offset);
    return this.#db.read(() => {
      const row = this.#db.get(`${SUMMARY_SQL} WHERE c.id = ?`, conversationId);
      if (!row) return undefined;
      const messages = this.#db.all(
        `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ? ORDER BY id LIMIT ? OFFSET ?`,
        conversationId,
        limit,
        offset,
      ).map(messageFromRow);
      return { ...summaryFromRow(row), messages };
    });
  }

  /** The message with `id`, or undefined. */
  message(id: number): Message | undefined {
    const row = this.#db.read(() =>
      this.#db.get(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE id = ?`, requireId("id", id))
    );
    return row ? messageFromRow(row) : undefined;
  }

  /** The latest message stored with API response id `responseId`, or undefined. */
  messageByResponseId(responseId: string): Message | undefined {
    const rid = requireText("responseId", responseId, LABEL);
    const row = this.#db.read(() =>
      this.#db.get(
        `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE response_id = ? ORDER BY id DESC LIMIT 1`,
        rid,
      )
    );
    return row ? messageFromRow(row) : undefined;
  }

  /** The last user message before message `messageId` in its conversation, or undefined. */
  promptBefore(messageId: number): Message | undefined {
    const row = this.#db.read(() =>
      this.#db.get(
        `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE role = 'user' AND id < ?
           AND conversation_id = (SELECT conversation_id FROM messages WHERE id = ?)
         ORDER BY id DESC LIMIT 1`,
        messageId,
        messageId,
      )
    );
    return row ? messageFromRow(row) : undefined;
  }

  /** Conversations, most recently active first, paginated (default 50). */
  list(options: { limit?: number; offset?: number } = {}): ConversationSummary[] {
    const { limit, offset } = page(options.limit, options.offset);
    return this.#db.read(() =>
      this.#db.all(
        `${SUMMARY_SQL} ORDER BY c.updated_at DESC, c.id DESC LIMIT ? OFFSET ?`,
        limit,
        offset,
      )
        .map(summaryFromRow)
    );
  }

  /** Messages containing every word of `text`, best first (default 50). */
  search(text: string, options: { limit?: number; offset?: number } = {}): MessageHit[] {
    const { limit, offset } = page(options.limit, options.offset);
    const match = toFtsQuery(text);
    if (match === undefined) return [];
    return this.#db.read(() =>
      this.#db.all(
        `SELECT m.id, m.conversation_id, m.role,
           snippet(messages_fts, 0, '[', ']', '…', 16) AS snippet
         FROM messages_fts JOIN messages m ON m.id = messages_fts.rowid
         WHERE messages_fts MATCH ? ORDER BY messages_fts.rank LIMIT ? OFFSET ?`,
        match,
        limit,
        offset,
      ).map((row) => ({
        conversationId: Number(row.conversation_id),
        messageId: Number(row.id),
        role: String(row.role) as MessageRole,
        snippet: String(row.snippet),
      }))
    );
  }

  /** The most recent conversation whose transcript digest is `fingerprint`, or undefined. */
  findByFingerprint(fingerprint: string): number | undefined {
    const row = this.#db.read(() =>
      this.#db.get<{ id: number }>(
        "SELECT id FROM conversations WHERE fingerprint = ? ORDER BY id DESC LIMIT 1",
        requireText("fingerprint", fingerprint, LABEL),
      )
    );
    return row ? Number(row.id) : undefined;
  }

  /** Records the digest of a conversation's transcript (see `recordChat`). */
  setFingerprint(id: number, fingerprint: string): void {
    const conversationId = requireId("id", id);
    const value = requireText("fingerprint", fingerprint, LABEL);
    this.#db.transaction(() =>
      this.#db.run("UPDATE conversations SET fingerprint = ? WHERE id = ?", value, conversationId)
    );
  }

  /** Deletes a conversation and its messages; false if there was none. */
  delete(id: number): boolean {
    const conversationId = requireId("id", id);
    return this.#db.transaction(() =>
      this.#db.run("DELETE FROM conversations WHERE id = ?", conversationId).changes > 0
    );
  }
}

const SUMMARY_SQL = `SELECT c.id, c.model, c.specialist, c.title, c.created_at, c.updated_at,
  (SELECT count(*) FROM messages m WHERE m.conversation_id = c.id) AS message_count
  FROM conversations c`;

function messageValues(input: MessageInput): (string | number | null)[] {
  if (typeof input !== "object" || input === null) {
    throw new MemoryInputError("message", `expected an object, found ${describe(input)}`);
  }
  if (typeof input.role !== "string" || !ROLES.has(input.role)) {
    throw new MemoryInputError(
      "role",
      `expected one of ${[...ROLES].join(", ")}, found ${describe(input.role)}`,
    );
  }
  if (typeof input.content !== "string") {
    throw new MemoryInputError("content", `expected a string, found ${describe(input.content)}`);
  }
  if (input.content.length > MAX_TEXT_CHARS) {
    throw new MemoryInputError(
      "content",
      `expected at most ${MAX_TEXT_CHARS} characters, found ${input.content.length}`,
    );
  }
  const claims = input.claims === undefined ? null : JSON.stringify(input.claims);
  if (claims !== null && (!Array.isArray(input.claims) || claims.length > MAX_CLAIMS_JSON_CHARS)) {
    throw new MemoryInputError(
      "claims",
      `expected an array under ${MAX_CLAIMS_JSON_CHARS} characters of JSON`,
    );
  }
  return [
    input.role,
    storableText(input.content),
    optionalText("specialist", input.specialist, LABEL) ?? null,
    optionalText("model", input.model, LABEL) ?? null,
    optionalText("domain", input.domain, LABEL) ?? null,
    optionalText("responseId", input.responseId, LABEL) ?? null,
    optionalCount("promptTokens", input.promptTokens) ?? null,
    optionalCount("completionTokens", input.completionTokens) ?? null,
    optionalCount("latencyMs", input.latencyMs) ?? null,
    claims === null ? null : storableText(claims),
  ];
}

function summaryFromRow(row: Row): ConversationSummary {
  return {
    id: Number(row.id),
    model: String(row.model),
    specialist: row.specialist === null ? null : String(row.specialist),
    title: row.title === null ? null : String(row.title),
    messageCount: Number(row.message_count),
    createdAt: new Date(Number(row.created_at)).toISOString(),
    updatedAt: new Date(Number(row.updated_at)).toISOString(),
  };
}

function nullableNumber(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}

function nullableString(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}

/** Maps a `messages` row to a {@linkcode Message}. */
export function messageFromRow(row: Row): Message {
  return {
    id: Number(row.id),
    conversationId: Number(row.conversation_id),
    role: String(row.role) as MessageRole,
    content: String(row.content),
    specialist: nullableString(row.specialist),
    model: nullableString(row.model),
    domain: nullableString(row.domain),
    responseId: nullableString(row.response_id),
    promptTokens: nullableNumber(row.prompt_tokens),
    completionTokens: nullableNumber(row.completion_tokens),
    latencyMs: nullableNumber(row.latency_ms),
    claims: row.claims === null ? [] : JSON.parse(String(row.claims)) as ClaimVerdict[],
    createdAt: new Date(Number(row.created_at)).toISOString(),
  };
}
