/**
 * Predicate vocabulary: canonical names for synonyms ("birthplace" → "born in") and the
 * functional predicates, which allow one object per subject (one capital per country).
 * @module
 */
import { MemoryInputError } from "./errors.ts";
import { MAX_PREDICATE_CHARS } from "./limits.ts";

const SYNONYMS: Readonly<Record<string, string>> = {
  "is an": "is a",
  "is": "is",
  "capital city": "capital",
  "birthplace": "born in",
  "place of birth": "born in",
  "birth place": "born in",
  "date of birth": "born on",
  "birthday": "born on",
  "birth date": "born on",
  "birth year": "born in year",
  "year of birth": "born in year",
  "place of death": "died in",
  "date of death": "died on",
  "authored by": "written by",
  "author": "written by",
  "writer": "written by",
  "founder": "founded by",
  "inventor": "invented by",
  "discoverer": "discovered by",
  "composer": "composed by",
  "director": "directed by",
  "painter": "painted by",
  "located at": "located in",
  "situated in": "located in",
  "lies in": "located in",
  "has a": "has",
  "has an": "has",
  "have": "has",
};

/**
 * Predicates with at most one true object per subject. A second object for the same subject
 * is a contradiction, not an addition.
 */
export const FUNCTIONAL_PREDICATES: ReadonlySet<string> = new Set([
  "capital",
  "born in",
  "born on",
  "born in year",
  "died in",
  "died on",
  "died in year",
  "mother",
  "father",
]);

/**
 * The canonical form of a predicate: lower case, single spaces, underscores read as spaces,
 * synonyms mapped. Throws a {@linkcode MemoryInputError} if it is empty or too long.
 * @example
 * ```ts
 * import { canonicalPredicate } from "./predicates.ts";
 * canonicalPredicate("Place_of_Birth"); // "born in"
 * ```
 */
export function canonicalPredicate(value: string, field = "predicate"): string {
  const name = value.normalize("NFC").replaceAll("_", " ").replace(/\s+/g, " ").trim()
    .toLowerCase().replace(/[.,;:!?]+$/, "");
  if (name === "") {
    throw new MemoryInputError(field, `expected a predicate, found ${JSON.stringify(value)}`);
  }
  if (name.length > MAX_PREDICATE_CHARS) {
    throw new MemoryInputError(
      field,
      `expected at most ${MAX_PREDICATE_CHARS} characters, found ${name.length}`,
    );
  }
  return SYNONYMS[name] ?? name;
}

/** Whether `predicate` (canonical) admits only one object per subject. */
export function isFunctional(predicate: string): boolean {
  return FUNCTIONAL_PREDICATES.has(predicate);
}
