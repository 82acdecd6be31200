/**
 * The model-based TripleExtractor: asks a loaded model for triples under a JSON schema
 * (constrained decoding), then validates and normalises what it returns like any other input.
 * It takes the generation function as a parameter so memory/ stays below engine/.
 * @module
 */
import { MemoryError } from "./errors.ts";
import type { TripleExtractor } from "./extractor.ts";
import { canonicalTriple } from "./fact_rows.ts";
import { MAX_ENTITY_CHARS } from "./limits.ts";
import type { Triple } from "./types.ts";

/**
 * Generates a completion for `prompt` whose text must match `schema` (the engine's constrained
 * decoding, e.g. `response_format: {type: "json_schema"}`).
 */
export type ConstrainedGenerate = (
  prompt: string,
  schema: Record<string, unknown>,
  options: { maxTokens: number },
) => Promise<string>;

/** The model's output did not parse or did not have the schema's shape. */
export class ModelExtractionError extends MemoryError {
  constructor(message: string) {
    super(`model-based extraction failed: ${message}`);
    this.name = "ModelExtractionError";
  }
}

const MAX_TRIPLES = 20;

/** The JSON schema the model's answer is constrained to. */
export const TRIPLES_SCHEMA: Record<string, unknown> = {
  type: "object",
  properties: {
    triples: {
      type: "array",
      maxItems: MAX_TRIPLES,
      items: {
        type: "object",
        properties: {
          subject: { type: "string", minLength: 1, maxLength: MAX_ENTITY_CHARS },
          predicate: { type: "string", minLength: 1, maxLength: 100 },
          object: { type: "string", minLength: 1, maxLength: MAX_ENTITY_CHARS },
          negated: { type: "boolean" },
        },
        required: ["subject", "predicate", "object", "negated"],
        additionalProperties: false,
      },
    },
  },
  required: ["triples"],
  additionalProperties: false,
};

/** The instruction given to the model, ending with the text to read. */
export function extractionPrompt(text: string): string {
  return [
    "Extract the factual statements of the text below as (subject, predicate, object) triples.",
    'Use short lower-case names; "X is the capital of Y" is {"subject":"y","predicate":"capital",',
    '"object":"x"}; mark denials ("X is not a Y") with "negated": true. Skip questions, opinions,',
    "hypotheticals and anything not stated in the text. Answer with JSON only.",
    "",
    "Text:",
    text,
  ].join("\n");
}

/**
 * A {@linkcode TripleExtractor} backed by a model. Texts longer than `maxChars` are cut there.
 * Throws {@linkcode ModelExtractionError} when the output is not the schema's JSON;
 * `learnFacts` then falls back to the rules. Individual invalid triples are dropped.
 */
export function modelTripleExtractor(
  generate: ConstrainedGenerate,
  options: { maxTokens?: number; maxChars?: number } = {},
): TripleExtractor {
  const maxTokens = options.maxTokens ?? 512;
  const maxChars = options.maxChars ?? 8000;
  return {
    async extract(text: string): Promise<Triple[]> {
      if (text.trim() === "") return [];
      const output = await generate(extractionPrompt(text.slice(0, maxChars)), TRIPLES_SCHEMA, {
        maxTokens,
      });
      return parseTriples(output);
    },
  };
}

/** Reads `{"triples": [...]}`; keeps the valid, normalised triples (at most 20). */
export function parseTriples(output: string): Triple[] {
  let value: unknown;
  try {
    value = JSON.parse(output);
  } catch (error) {
    throw new ModelExtractionError(`expected JSON, ${(error as Error).message}`);
  }
  const triples = (value as { triples?: unknown })?.triples;
  if (!Array.isArray(triples)) {
    throw new ModelExtractionError('expected an object with a "triples" array');
  }
  const valid: Triple[] = [];
  for (const candidate of triples.slice(0, MAX_TRIPLES)) {
    try {
      valid.push(canonicalTriple(candidate));
    } catch {
      // One malformed triple does not discard the others.
    }
  }
  return valid;
}
