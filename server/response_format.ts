/**
 * `response_format` (OpenAI) and `format` (Ollama) validated into a `ResponseFormat`, with the
 * schema compiled once here so an unenforceable schema is a 400 before any model work.
 * @module
 */
import { compileSchema, SchemaUnsupportedError } from "../constrain/mod.ts";
import type { ResponseFormat } from "./backend.ts";
import { InvalidRequestError } from "./errors.ts";
import { invalid } from "./params.ts";

function checkSchema(schema: unknown, param: string): Record<string, unknown> {
  if (typeof schema !== "object" || schema === null || Array.isArray(schema)) {
    invalid(param, "a JSON Schema object", schema);
  }
  try {
    compileSchema(schema);
  } catch (error) {
    if (error instanceof SchemaUnsupportedError) {
      throw new InvalidRequestError(`${param}: ${error.message}`, param);
    }
    throw error;
  }
  return schema as Record<string, unknown>;
}

/** OpenAI `response_format`: text, json_object, or json_schema {name, schema, strict}. */
export function parseResponseFormat(value: unknown, param = "response_format"): ResponseFormat {
  if (value === undefined || value === null) return { type: "text" };
  const v = value as Record<string, unknown>;
  if (typeof value !== "object" || Array.isArray(value)) invalid(param, "an object", value);
  switch (v.type) {
    case "text":
      return { type: "text" };
    case "json_object":
      return { type: "json_object" };
    case "json_schema": {
      const spec = v.json_schema as Record<string, unknown> | undefined;
      if (typeof spec !== "object" || spec === null) {
        invalid(`${param}.json_schema`, "an object with name and schema", spec);
      }
      const name = typeof spec.name === "string" ? spec.name : "response";
      const schema = checkSchema(spec.schema ?? {}, `${param}.json_schema.schema`);
      return { type: "json_schema", name, schema, strict: spec.strict === true };
    }
    default:
      return invalid(`${param}.type`, "text, json_object or json_schema", v.type);
  }
}

/** Ollama `format`: `"json"` or a JSON Schema object. */
export function parseOllamaFormat(value: unknown): ResponseFormat {
  if (value === undefined || value === null || value === "") return { type: "text" };
  if (value === "json") return { type: "json_object" };
  if (typeof value === "object" && !Array.isArray(value)) {
    return { type: "json_schema", name: "format", schema: checkSchema(value, "format") };
  }
  return invalid("format", '"json" or a JSON Schema object', value);
}
