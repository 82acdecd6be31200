/**
 * Turns free text typed by a user into a safe FTS5 query: every word becomes a quoted term,
 * so operators, quotes and SQL metacharacters in the input are only ever searched for.
 * @module
 */
import { MemoryInputError } from "./errors.ts";
import { MAX_QUERY_CHARS } from "./limits.ts";

const WORD = /([\p{L}\p{N}\p{M}_]+)(\*)?/gu;
const MAX_TERMS = 32;

/**
 * An FTS5 MATCH expression requiring every word of `text` (a trailing `*` keeps prefix
 * search), or `undefined` when `text` holds no word at all.
 * @example
 * ```ts
 * import { toFtsQuery } from "./fts_query.ts";
 * toFtsQuery(`capital "France" OR x*`); // `"capital" "France" "OR" "x"*`
 * ```
 */
export function toFtsQuery(text: string, field = "q"): string | undefined {
  if (typeof text !== "string") {
    throw new MemoryInputError(field, `expected a string, found ${typeof text}`);
  }
  if (text.length > MAX_QUERY_CHARS) {
    throw new MemoryInputError(
      field,
      `expected at most ${MAX_QUERY_CHARS} characters, found ${text.length}`,
    );
  }
  const terms: string[] = [];
  for (const match of text.normalize("NFC").matchAll(WORD)) {
    terms.push(`"${match[1]}"${match[2] ?? ""}`);
    if (terms.length === MAX_TERMS) break;
  }
  return terms.length > 0 ? terms.join(" ") : undefined;
}
