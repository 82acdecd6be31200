/**
 * The value grammar a constrained answer must follow: a tree of typed nodes compiled from a
 * JSON Schema (or "any JSON value" for `json_object` mode).
 * @module
 */

/** One schema node. `id` is unique per compile and keys grammar states. */
export type GrammarNode =
  | { kind: "any"; id: number }
  | { kind: "object"; id: number; props: PropertyRule[]; additional: GrammarNode | null }
  | { kind: "array"; id: number; items: GrammarNode; minItems: number; maxItems: number }
  | { kind: "string"; id: number; minLength: number; maxLength: number }
  | { kind: "number"; id: number; integer: boolean; nonNegative: boolean }
  | { kind: "literals"; id: number; values: string[] }
  | { kind: "union"; id: number; options: GrammarNode[] }
  | { kind: "ref"; id: number; resolve: () => GrammarNode };

/** A named property of an object node. */
export interface PropertyRule {
  /** The property name as it appears between the quotes in JSON (already escaped). */
  key: string;
  node: GrammarNode;
  required: boolean;
}

/** Follows `ref` nodes to the node they stand for. */
export function deref(node: GrammarNode): GrammarNode {
  let current = node;
  for (let hops = 0; current.kind === "ref"; hops++) {
    if (hops > 64) throw new RangeError("$ref chain longer than 64 links");
    current = current.resolve();
  }
  return current;
}
