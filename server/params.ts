/**
 * Typed readers for request fields: each returns the value or throws InvalidRequestError naming
 * the parameter and what was expected (never a 500 for a client mistake).
 * @module
 */
import { InvalidRequestError } from "./errors.ts";

type Body = Record<string, unknown>;

function shown(value: unknown): string {
  if (typeof value === "string") {
    return JSON.stringify(value.length > 40 ? value.slice(0, 40) + "…" : value);
  }
  if (typeof value === "number") return String(value);
  if (Array.isArray(value)) return "an array";
  return value === null ? "null" : typeof value;
}

/** Throws InvalidRequestError for `param`. */
export function invalid(param: string, expected: string, found: unknown): never {
  throw new InvalidRequestError(`${param} must be ${expected}, found ${shown(found)}`, param);
}

/** An optional number in [min, max] (null counts as absent). */
export function optionalNumber(
  body: Body,
  param: string,
  min: number,
  max: number,
  options: { exclusiveMin?: boolean } = {},
): number | undefined {
  const v = body[param];
  if (v === undefined || v === null) return undefined;
  const low = options.exclusiveMin ? `greater than ${min}` : `at least ${min}`;
  if (typeof v !== "number" || !Number.isFinite(v)) invalid(param, `a number`, v);
  if (options.exclusiveMin ? v <= min : v < min) invalid(param, `${low} and at most ${max}`, v);
  if (v > max) invalid(param, `${low} and at most ${max}`, v);
  return v;
}

/** An optional integer in [min, max] (null counts as absent). */
export function optionalInteger(
  body: Body,
  param: string,
  min: number,
  max: number,
): number | undefined {
  const v = body[param];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < min || v > max) {
    invalid(param, `an integer from ${min} to ${max}`, v);
  }
  return v;
}

/** An optional boolean (null counts as absent). */
export function optionalBoolean(body: Body, param: string): boolean | undefined {
  const v = body[param];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "boolean") invalid(param, "true or false", v);
  return v;
}

/** A required non-empty string of at most `maxLength` chars. */
export function requiredString(body: Body, param: string, maxLength = 1024): string {
  const v = body[param];
  if (typeof v !== "string" || v.length === 0) invalid(param, "a non-empty string", v);
  if (v.length > maxLength) invalid(param, `at most ${maxLength} characters`, v);
  return v;
}

/** An optional object (null counts as absent). */
export function optionalObject(body: Body, param: string): Body | undefined {
  const v = body[param];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "object" || Array.isArray(v)) invalid(param, "an object", v);
  return v as Body;
}

/** `stop`: a string or a list of at most `max` strings; empty strings are dropped. */
export function stopStrings(value: unknown, param: string, max = 64): string[] {
  if (value === undefined || value === null) return [];
  const list = typeof value === "string" ? [value] : value;
  if (!Array.isArray(list) || list.some((s) => typeof s !== "string")) {
    invalid(param, "a string or a list of strings", value);
  }
  if (list.length > max) invalid(param, `at most ${max} strings`, value);
  if (list.some((s: string) => s.length > 1000)) {
    invalid(param, "strings of at most 1000 characters", value);
  }
  return (list as string[]).filter((s) => s.length > 0);
}

/** Rejects a parameter the server does not implement when it is set to a value that matters. */
export function rejectUnsupported(body: Body, param: string, harmless: (v: unknown) => boolean) {
  const v = body[param];
  if (v === undefined || v === null || harmless(v)) return;
  throw new InvalidRequestError(`${param} is not supported by this server`, param);
}
