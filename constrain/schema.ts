/**
 * Compiles a JSON Schema into the grammar constrained decoding follows. Keywords that change
 * which values are valid but that the grammar cannot enforce are refused (`SchemaUnsupportedError`)
 * rather than silently ignored; annotations (title, description, default, ...) are ignored.
 * @module
 */
import type { GrammarNode, PropertyRule } from "./nodes.ts";

/** The schema cannot be enforced; the message names the keyword and where it is. */
export class SchemaUnsupportedError extends Error {
  constructor(path: string, message: string) {
    super(`schema at ${path}: ${message}`);
    this.name = "SchemaUnsupportedError";
  }
}

/** Caps that keep compilation and decoding bounded. */
export const SCHEMA_LIMITS = { maxNodes: 2_000, maxEnum: 1_024, maxIntegerRange: 1_000 };

/** Keywords understood (enforced, or annotations that do not change validity). */
const KNOWN_KEYWORDS = new Set([
  "$schema",
  "$id",
  "$comment",
  "title",
  "description",
  "default",
  "examples",
  "format",
  "additionalProperties",
  "strict",
  "$defs",
  "definitions",
  "readOnly",
  "writeOnly",
  "deprecated",
  "nullable",
  "minimum",
  "maximum",
  "type",
  "properties",
  "required",
  "items",
  "enum",
  "const",
  "anyOf",
  "oneOf",
  "allOf",
  "minItems",
  "maxItems",
  "minLength",
  "maxLength",
  "$ref",
]);

type Schema = Record<string, unknown>;

class Compiler {
  #nextId = 0;
  readonly #root: Schema;
  readonly #refs = new Map<string, GrammarNode>();

  constructor(root: Schema) {
    this.#root = root;
  }

  id(path: string): number {
    if (++this.#nextId > SCHEMA_LIMITS.maxNodes) {
      throw new SchemaUnsupportedError(path, `more than ${SCHEMA_LIMITS.maxNodes} nodes`);
    }
    return this.#nextId;
  }

  compile(schema: unknown, path: string, refChain: readonly string[] = []): GrammarNode {
    if (schema === true || (isObject(schema) && Object.keys(schema).length === 0)) {
      return { kind: "any", id: this.id(path) };
    }
    if (!isObject(schema)) throw new SchemaUnsupportedError(path, "expected a schema object");
    for (const key of Object.keys(schema)) {
      if (!KNOWN_KEYWORDS.has(key) && !key.startsWith("x-")) {
        throw new SchemaUnsupportedError(path, `keyword "${key}" is not supported`);
      }
    }
    if (typeof schema.$ref === "string") return this.ref(schema.$ref, path, refChain);
    if ("const" in schema) return this.literals([schema.const], path);
    if (Array.isArray(schema.enum)) return this.literals(schema.enum, path);
    for (const key of ["anyOf", "oneOf"] as const) {
      if (Array.isArray(schema[key])) {
        const options = (schema[key] as unknown[]).map((s, i) =>
          this.compile(s, `${path}/${key}/${i}`)
        );
        return { kind: "union", id: this.id(path), options };
      }
    }
    if (Array.isArray(schema.allOf)) {
      if (schema.allOf.length !== 1) {
        throw new SchemaUnsupportedError(path, "allOf with more than one schema");
      }
      return this.compile(schema.allOf[0], `${path}/allOf/0`, refChain);
    }
    return this.typed(schema, path);
  }

  typed(schema: Schema, path: string): GrammarNode {
    const types = Array.isArray(schema.type)
      ? schema.type
      : schema.type === undefined
      ? null
      : [schema.type];
    if (types === null) {
      if (isObject(schema.properties)) return this.object(schema, path);
      if (schema.items !== undefined) return this.array(schema, path);
      return { kind: "any", id: this.id(path) };
    }
    const options = types.map((t) => this.ofType(t, schema, path));
    if (schema.nullable === true) options.push(this.literals([null], path));
    return options.length === 1 ? options[0] : { kind: "union", id: this.id(path), options };
  }

  ofType(type: unknown, schema: Schema, path: string): GrammarNode {
    switch (type) {
      case "object":
        return this.object(schema, path);
      case "array":
        return this.array(schema, path);
      case "string":
        return {
          kind: "string",
          id: this.id(path),
          minLength: count(schema.minLength, 0, path, "minLength"),
          maxLength: count(schema.maxLength, Number.POSITIVE_INFINITY, path, "maxLength"),
        };
      case "integer":
        return this.integer(schema, path);
      case "number":
        if (schema.minimum !== undefined || schema.maximum !== undefined) {
          throw new SchemaUnsupportedError(path, "minimum/maximum on numbers is not supported");
        }
        return { kind: "number", id: this.id(path), integer: false, nonNegative: false };
      case "boolean":
        return this.literals([true, false], path);
      case "null":
        return this.literals([null], path);
      default:
        throw new SchemaUnsupportedError(path, `unknown type ${JSON.stringify(type)}`);
    }
  }

  integer(schema: Schema, path: string): GrammarNode {
    const { minimum: min, maximum: max } = schema;
    if (min === undefined && max === undefined) {
      return { kind: "number", id: this.id(path), integer: true, nonNegative: false };
    }
    if (typeof min === "number" && max === undefined && min >= 0) {
      return { kind: "number", id: this.id(path), integer: true, nonNegative: true };
    }
    if (
      typeof min === "number" && typeof max === "number" && Number.isInteger(min) &&
      Number.isInteger(max) && max >= min && max - min < SCHEMA_LIMITS.maxIntegerRange
    ) {
      return this.literals(Array.from({ length: max - min + 1 }, (_, i) => min + i), path);
    }
    throw new SchemaUnsupportedError(
      path,
      `integer bounds are supported as minimum >= 0 or a range under ${SCHEMA_LIMITS.maxIntegerRange}`,
    );
  }

  object(schema: Schema, path: string): GrammarNode {
    const properties = isObject(schema.properties) ? schema.properties : {};
    const required = Array.isArray(schema.required) ? schema.required : [];
    for (const name of required) {
      if (typeof name !== "string" || !(name in properties)) {
        throw new SchemaUnsupportedError(
          path,
          `required property ${JSON.stringify(name)} is not in properties`,
        );
      }
    }
    const props: PropertyRule[] = Object.entries(properties).map(([name, sub]) => ({
      key: JSON.stringify(name).slice(1, -1),
      node: this.compile(sub, `${path}/properties/${name}`),
      required: required.includes(name),
    }));
    // Only the listed properties are generated (valid under any additionalProperties); with no
    // properties listed, keys are free and values follow additionalProperties.
    let additional: GrammarNode | null = null;
    if (props.length === 0 && schema.additionalProperties !== false) {
      const extra = schema.additionalProperties;
      additional = isObject(extra)
        ? this.compile(extra, `${path}/additionalProperties`)
        : { kind: "any", id: this.id(path) };
    }
    return { kind: "object", id: this.id(path), props, additional };
  }

  array(schema: Schema, path: string): GrammarNode {
    const minItems = count(schema.minItems, 0, path, "minItems");
    const maxItems = count(schema.maxItems, Number.POSITIVE_INFINITY, path, "maxItems");
    if (maxItems < minItems) throw new SchemaUnsupportedError(path, "maxItems is below minItems");
    const items = schema.items === undefined
      ? { kind: "any" as const, id: this.id(path) }
      : this.compile(schema.items, `${path}/items`);
    return { kind: "array", id: this.id(path), items, minItems, maxItems };
  }

  literals(values: unknown[], path: string): GrammarNode {
    if (values.length === 0) throw new SchemaUnsupportedError(path, "enum is empty");
    if (values.length > SCHEMA_LIMITS.maxEnum) {
      throw new SchemaUnsupportedError(
        path,
        `enum has ${values.length} values; at most ${SCHEMA_LIMITS.maxEnum}`,
      );
    }
    return {
      kind: "literals",
      id: this.id(path),
      values: [...new Set(values.map((v) => JSON.stringify(v)))],
    };
  }

  ref(ref: string, path: string, refChain: readonly string[]): GrammarNode {
    if (refChain.includes(ref)) {
      throw new SchemaUnsupportedError(
        path,
        `$ref loop through ${[...refChain, ref].join(" -> ")}`,
      );
    }
    const found = this.#refs.get(ref);
    if (found) return found;
    const match = /^#(?:\/(\$defs|definitions)\/([^/]+))?$/.exec(ref);
    if (!match) {
      throw new SchemaUnsupportedError(path, `$ref ${ref} is not a local #/$defs/NAME reference`);
    }
    const target = match[1] ? (this.#root[match[1]] as Schema | undefined)?.[match[2]] : this.#root;
    if (target === undefined) throw new SchemaUnsupportedError(path, `$ref ${ref} points nowhere`);
    // Compiled lazily so recursive schemas (trees) work; loops without structure are caught above.
    const cell: { node?: GrammarNode } = {};
    const lazy: GrammarNode = { kind: "ref", id: this.id(path), resolve: () => cell.node! };
    this.#refs.set(ref, lazy);
    cell.node = this.compile(target, ref, [...refChain, ref]);
    return lazy;
  }
}

function isObject(v: unknown): v is Schema {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function count(v: unknown, fallback: number, path: string, key: string): number {
  if (v === undefined) return fallback;
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) {
    throw new SchemaUnsupportedError(path, `${key} must be a non-negative integer`);
  }
  return v;
}

/** Compiles `schema` (a JSON Schema object) into a grammar; throws SchemaUnsupportedError. */
export function compileSchema(schema: unknown): GrammarNode {
  if (!isObject(schema)) throw new SchemaUnsupportedError("#", "expected a schema object");
  return new Compiler(schema).compile(schema, "#");
}

/** The grammar of `json_object` mode: any JSON object. */
export function anyObjectGrammar(): GrammarNode {
  return { kind: "object", id: 0, props: [], additional: { kind: "any", id: 1 } };
}
