/**
 * Validation of values entering memory and the normalisation of entity names, so that
 * "The  Eiffel Tower" and "eiffel tower" are one node of the graph.
 * @module
 */
import { MemoryInputError } from "./errors.ts";
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from "./limits.ts";

/** Options of {@linkcode requireText}. */
export interface TextRule {
  max: number;
  /** Allow "" (or only whitespace). Default false. */
  allowEmpty?: boolean;
}

/**
 * Returns `value` if it is a well-formed string within the rule; throws a
 * {@linkcode MemoryInputError} naming `field` otherwise. NUL is refused because node:sqlite
 * reads text only up to the first NUL, so it could not be returned as stored.
 */
export function requireText(field: string, value: unknown, rule: TextRule): string {
  if (typeof value !== "string") {
    throw new MemoryInputError(field, `expected a string, found ${describe(value)}`);
  }
  if (!rule.allowEmpty && value.trim() === "") {
    throw new MemoryInputError(field, "expected a non-empty string, found an empty one");
  }
  if (value.length > rule.max) {
    throw new MemoryInputError(
      field,
      `expected at most ${rule.max} characters, found ${value.length}`,
    );
  }
  if (!value.isWellFormed()) {
    throw new MemoryInputError(field, "expected valid Unicode, found a lone surrogate");
  }
  if (value.includes("\0")) {
    throw new MemoryInputError(field, "expected text without NUL characters, found one");
  }
  return value;
}

/** Like {@linkcode requireText} but `undefined` and `null` pass through as `undefined`. */
export function optionalText(field: string, value: unknown, rule: TextRule): string | undefined {
  return value === undefined || value === null ? undefined : requireText(field, value, rule);
}

/**
 * Makes logged chat text storable without refusing it: lone surrogates and NUL become U+FFFD.
 * Everything else, including any script or emoji, is kept byte for byte.
 */
export function storableText(value: string): string {
  const wellFormed = value.isWellFormed() ? value : value.toWellFormed();
  return wellFormed.includes("\0") ? wellFormed.replaceAll("\0", "\uFFFD") : wellFormed;
}

const LEADING_ARTICLE = /^(?:the|a|an)\s+/;
const WRAPPING = /^["'“”‘’«»`*_(\[]+|["'“”‘’«»`*_)\]]+$/g;
const TRAILING_PUNCTUATION = /[\s.,;:!?]+$/;

/**
 * Normalises an entity name: Unicode NFC, lower case, whitespace collapsed, surrounding quotes,
 * trailing punctuation and one leading article ("the", "a", "an") removed. Throws if nothing
 * remains.
 * @example
 * ```ts
 * import { normalizeEntity } from "./text.ts";
 * normalizeEntity("subject", "  The  Eiffel Tower. "); // "eiffel tower"
 * ```
 */
export function normalizeEntity(field: string, value: string): string {
  let name = value.normalize("NFC").replace(/\s+/g, " ").trim().toLowerCase();
  name = name.replace(WRAPPING, "").replace(TRAILING_PUNCTUATION, "").trim();
  name = name.replace(LEADING_ARTICLE, "").trim();
  if (name === "") {
    throw new MemoryInputError(
      field,
      `expected a name, found ${JSON.stringify(value)} (empty after normalisation)`,
    );
  }
  return name;
}

/** Validates a row id: a positive safe integer (numeric strings accepted). */
export function requireId(field: string, value: unknown): number {
  const id = typeof value === "string" && /^\d{1,16}$/.test(value) ? Number(value) : value;
  if (typeof id !== "number" || !Number.isSafeInteger(id) || id < 1) {
    throw new MemoryInputError(field, `expected a positive integer id, found ${describe(value)}`);
  }
  return id;
}

/** Validates an optional finite number within [min, max]. */
export function optionalNumberIn(
  field: string,
  value: unknown,
  min: number,
  max: number,
): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value) || value < min || value > max) {
    throw new MemoryInputError(
      field,
      `expected a number in [${min}, ${max}], found ${describe(value)}`,
    );
  }
  return value;
}

/** Validates an optional non-negative integer count (tokens, latency in ms). */
export function optionalCount(field: string, value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new MemoryInputError(field, `expected a non-negative number, found ${describe(value)}`);
  }
  return value;
}

/** Resolves `limit`/`offset` to a bounded page. */
export function page(limit: unknown, offset: unknown): { limit: number; offset: number } {
  const l = limit === undefined ? DEFAULT_PAGE_SIZE : limit;
  const o = offset === undefined ? 0 : offset;
  if (typeof l !== "number" || !Number.isInteger(l) || l < 1 || l > MAX_PAGE_SIZE) {
    throw new MemoryInputError(
      "limit",
      `expected an integer in [1, ${MAX_PAGE_SIZE}], found ${describe(l)}`,
    );
  }
  if (typeof o !== "number" || !Number.isSafeInteger(o) || o < 0) {
    throw new MemoryInputError("offset", `expected a non-negative integer, found ${describe(o)}`);
  }
  return { limit: l, offset: o };
}

/** A short description of a value for error messages (never the whole of a huge string). */
export function describe(value: unknown): string {
  if (typeof value === "string") {
    return value.length > 40 ? `a string of ${value.length} characters` : JSON.stringify(value);
  }
  if (value === null) return "null";
  if (value === undefined) return "nothing";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  return `${typeof value} ${String(value)}`;
}
