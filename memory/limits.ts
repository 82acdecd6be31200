/**
 * Size caps and paging defaults for memory, in one place. Characters are UTF-16 code units.
 * @module
 */

/** Longest subject or object (characters) after normalisation. */
export const MAX_ENTITY_CHARS = 500;
/** Longest predicate (characters). */
export const MAX_PREDICATE_CHARS = 100;
/** Longest short label: source, specialist, model, domain, cue, role (characters). */
export const MAX_LABEL_CHARS = 200;
/** Longest free text: message content, preference sides, preferred text (characters). */
export const MAX_TEXT_CHARS = 4_000_000;
/** Longest feedback comment or conversation title (characters). */
export const MAX_COMMENT_CHARS = 10_000;
/** Longest full-text query (characters). */
export const MAX_QUERY_CHARS = 1_000;
/** Largest page a query returns. */
export const MAX_PAGE_SIZE = 1_000;
/** Page size when the caller gives none. */
export const DEFAULT_PAGE_SIZE = 50;
/** Largest serialised claim list stored with one message (characters of JSON). */
export const MAX_CLAIMS_JSON_CHARS = 1_000_000;
