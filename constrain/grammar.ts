/**
 * A character-level recognizer for compact JSON (no whitespace outside strings) that follows a
 * grammar of nodes. States are immutable sets of parse stacks, so a mask builder can branch
 * from a shared prefix for every token without copying.
 * @module
 */
import { deref, type GrammarNode } from "./nodes.ts";

/** One parse stack: the innermost frame and the frames around it. */
export interface Stack {
  readonly top: Frame;
  readonly rest: Stack | null;
}

/** The whole answer is one finished value: only an end-of-turn token may follow. */
export const DONE: Stack = { top: { kind: "done" } as Frame, rest: null };

/** A recognizer state: every parse still possible after the text so far (empty = rejected). */
export type GrammarState = readonly Stack[];

type Frame =
  | { kind: "done" }
  | { kind: "value"; node: GrammarNode }
  | {
    kind: "object";
    node: Extract<GrammarNode, { kind: "object" }> | null;
    phase: ObjPhase;
    seen: readonly string[];
    key: string;
  }
  | {
    kind: "array";
    node: Extract<GrammarNode, { kind: "array" }> | null;
    phase: "open" | "after";
    count: number;
  }
  | { kind: "string"; min: number; max: number; length: number; escape: number }
  | { kind: "number"; integer: boolean; nonNegative: boolean; phase: NumPhase; length: number }
  | { kind: "literal"; values: readonly string[]; prefix: string };

type ObjPhase = "open" | "key" | "colon" | "after" | "next";
type NumPhase = "start" | "minus" | "zero" | "int" | "dot" | "frac" | "e" | "esign" | "exp";

const MAX_NUMBER_CHARS = 24;
const ANY_STRING = { min: 0, max: Number.POSITIVE_INFINITY };

/** The start state for a value of `node` as the whole answer. */
export function initialState(node: GrammarNode): GrammarState {
  return [{ top: { kind: "value", node }, rest: null }];
}

/** Pops a finished value: the enclosing frame moves past it, or the answer is done. */
function finish(rest: Stack | null): Stack {
  if (rest === null) return DONE;
  const f = rest.top;
  if (f.kind === "object") return { top: { ...f, phase: "after" }, rest: rest.rest };
  if (f.kind === "array") {
    return { top: { ...f, phase: "after", count: f.count + 1 }, rest: rest.rest };
  }
  throw new Error(`internal: value finished inside a ${f.kind} frame`);
}

function push(top: Frame, rest: Stack | null): Stack {
  return { top, rest };
}

function beginValue(node: GrammarNode, ch: string, rest: Stack | null): Stack[] {
  const n = deref(node);
  switch (n.kind) {
    case "union":
      return n.options.flatMap((o) => beginValue(o, ch, rest));
    case "object":
      return ch === "{"
        ? [push({ kind: "object", node: n, phase: "open", seen: [], key: "" }, rest)]
        : [];
    case "array":
      return ch === "[" ? [push({ kind: "array", node: n, phase: "open", count: 0 }, rest)] : [];
    case "string":
      return ch === '"'
        ? [push({ kind: "string", min: n.minLength, max: n.maxLength, length: 0, escape: 0 }, rest)]
        : [];
    case "number":
      return stepFrame(
        {
          kind: "number",
          integer: n.integer,
          nonNegative: n.nonNegative,
          phase: "start",
          length: 0,
        },
        ch,
        rest,
      );
    case "literals":
      return stepFrame({ kind: "literal", values: n.values, prefix: "" }, ch, rest);
    case "any":
      return beginAny(ch, rest);
    default:
      return [];
  }
}

function beginAny(ch: string, rest: Stack | null): Stack[] {
  if (ch === "{") {
    return [push({ kind: "object", node: null, phase: "open", seen: [], key: "" }, rest)];
  }
  if (ch === "[") return [push({ kind: "array", node: null, phase: "open", count: 0 }, rest)];
  if (ch === '"') return [push({ kind: "string", ...ANY_STRING, length: 0, escape: 0 }, rest)];
  if (ch === "-" || (ch >= "0" && ch <= "9")) {
    return stepFrame(
      { kind: "number", integer: false, nonNegative: false, phase: "start", length: 0 },
      ch,
      rest,
    );
  }
  return stepFrame({ kind: "literal", values: ["true", "false", "null"], prefix: "" }, ch, rest);
}

const ANY_NODE: GrammarNode = { kind: "any", id: -1 };

/** Advances one stack by one character. */
function stepFrame(f: Frame, ch: string, rest: Stack | null): Stack[] {
  switch (f.kind) {
    case "done":
      return [];
    case "value":
      return beginValue(f.node, ch, rest);
    case "string":
      return stepString(f, ch, rest);
    case "number":
      return stepNumber(f, ch, rest);
    case "literal":
      return stepLiteral(f, ch, rest);
    case "array":
      return stepArray(f, ch, rest);
    case "object":
      return stepObject(f, ch, rest);
  }
}

function stepString(
  f: Extract<Frame, { kind: "string" }>,
  ch: string,
  rest: Stack | null,
): Stack[] {
  if (f.escape === 1) {
    if (ch === "u") return [push({ ...f, escape: 2 }, rest)];
    return '"\\/bfnrt'.includes(ch) ? [push({ ...f, escape: 0, length: f.length + 1 }, rest)] : [];
  }
  if (f.escape >= 2) {
    if (!/^[0-9a-fA-F]$/.test(ch)) return [];
    return [
      push(
        f.escape === 5 ? { ...f, escape: 0, length: f.length + 1 } : { ...f, escape: f.escape + 1 },
        rest,
      ),
    ];
  }
  if (ch === '"') return f.length >= f.min ? [finish(rest)] : [];
  if (f.length >= f.max) return [];
  if (ch === "\\") return [push({ ...f, escape: 1 }, rest)];
  if (ch.charCodeAt(0) < 0x20) return [];
  return [push({ ...f, length: f.length + 1 }, rest)];
}

const NUMBER_NEXT: Record<NumPhase, (ch: string) => NumPhase | null> = {
  start: (c) => c === "-" ? "minus" : c === "0" ? "zero" : isDigit(c) ? "int" : null,
  minus: (c) => c === "0" ? "zero" : isDigit(c) ? "int" : null,
  zero: (c) => c === "." ? "dot" : c === "e" || c === "E" ? "e" : null,
  int: (c) => isDigit(c) ? "int" : c === "." ? "dot" : c === "e" || c === "E" ? "e" : null,
  dot: (c) => isDigit(c) ? "frac" : null,
  frac: (c) => isDigit(c) ? "frac" : c === "e" || c === "E" ? "e" : null,
  e: (c) => c === "+" || c === "-" ? "esign" : isDigit(c) ? "exp" : null,
  esign: (c) => isDigit(c) ? "exp" : null,
  exp: (c) => isDigit(c) ? "exp" : null,
};

function isDigit(c: string): boolean {
  return c >= "0" && c <= "9";
}

function stepNumber(
  f: Extract<Frame, { kind: "number" }>,
  ch: string,
  rest: Stack | null,
): Stack[] {
  const out: Stack[] = [];
  let next = NUMBER_NEXT[f.phase](ch);
  if (f.integer && (next === "dot" || next === "e")) next = null;
  if (f.nonNegative && next === "minus") next = null;
  if (next && f.length < MAX_NUMBER_CHARS) {
    out.push(push({ ...f, phase: next, length: f.length + 1 }, rest));
  }
  if (["zero", "int", "frac", "exp"].includes(f.phase)) out.push(...stepStack(finish(rest), ch));
  return out;
}

function stepLiteral(
  f: Extract<Frame, { kind: "literal" }>,
  ch: string,
  rest: Stack | null,
): Stack[] {
  const prefix = f.prefix + ch;
  const out: Stack[] = [];
  const values = f.values.filter((v) => v.startsWith(prefix));
  if (values.length > 0) {
    out.push(
      values.length === 1 && values[0] === prefix
        ? finish(rest)
        : push({ ...f, values, prefix }, rest),
    );
    if (values.length > 1 && values.includes(prefix)) out.push(finish(rest));
  }
  return out;
}

function stepArray(f: Extract<Frame, { kind: "array" }>, ch: string, rest: Stack | null): Stack[] {
  const min = f.node?.minItems ?? 0;
  const max = f.node?.maxItems ?? Number.POSITIVE_INFINITY;
  const items = f.node?.items ?? ANY_NODE;
  if (ch === "]") return (f.phase === "open" ? min === 0 : f.count >= min) ? [finish(rest)] : [];
  if (f.phase === "open") return max > 0 ? beginValue(items, ch, push(f, rest)) : [];
  if (ch === "," && f.count < max) return [push({ kind: "value", node: items }, push(f, rest))];
  return [];
}

function remainingKeys(f: Extract<Frame, { kind: "object" }>): { keys: string[]; open: boolean } {
  if (!f.node) return { keys: [], open: true };
  const keys = f.node.props.map((p) => p.key).filter((k) => !f.seen.includes(k));
  return { keys, open: f.node.additional !== null };
}

function requiredDone(f: Extract<Frame, { kind: "object" }>): boolean {
  return !f.node || f.node.props.every((p) => !p.required || f.seen.includes(p.key));
}

function stepObject(
  f: Extract<Frame, { kind: "object" }>,
  ch: string,
  rest: Stack | null,
): Stack[] {
  switch (f.phase) {
    case "open":
    case "next": {
      if (ch === "}" && f.phase === "open") return requiredDone(f) ? [finish(rest)] : [];
      const { keys, open } = remainingKeys(f);
      if (ch !== '"' || (keys.length === 0 && !open)) return [];
      return [push({ ...f, phase: "key", key: "" }, rest)];
    }
    case "key":
      return stepKey(f, ch, rest);
    case "colon": {
      if (ch !== ":") return [];
      const prop = f.node?.props.find((p) => p.key === f.seen.at(-1));
      const node = prop?.node ?? f.node?.additional ?? ANY_NODE;
      return [push({ kind: "value", node }, push({ ...f, phase: "after" }, rest))];
    }
    case "after": {
      if (ch === "}") return requiredDone(f) ? [finish(rest)] : [];
      if (ch !== ",") return [];
      const { keys, open } = remainingKeys(f);
      return keys.length > 0 || open ? [push({ ...f, phase: "next" }, rest)] : [];
    }
  }
}

function stepKey(f: Extract<Frame, { kind: "object" }>, ch: string, rest: Stack | null): Stack[] {
  const { keys, open } = remainingKeys(f);
  if (ch === '"') {
    const known = keys.includes(f.key);
    const duplicate = f.seen.includes(f.key);
    if (!known && (!open || duplicate || f.node?.props.some((p) => p.key === f.key))) return [];
    return [push({ ...f, phase: "colon", seen: [...f.seen, f.key], key: "" }, rest)];
  }
  const key = f.key + ch;
  if (keys.some((k) => k.startsWith(key))) return [push({ ...f, key }, rest)];
  if (!open || ch === "\\" || ch.charCodeAt(0) < 0x20) return [];
  return [push({ ...f, key }, rest)];
}

/** Advances one stack by one character (all parses that survive). */
export function stepStack(stack: Stack, ch: string): Stack[] {
  return stepFrame(stack.top, ch, stack.rest);
}

/** Advances a state by a piece of text; an empty result means the text is not allowed. */
export function advance(state: GrammarState, text: string): GrammarState {
  let current = state;
  for (const ch of text) {
    if (current.length === 0) return current;
    current = current.flatMap((s) => stepStack(s, ch));
    if (current.length > 16) current = current.slice(0, 16);
  }
  return current;
}

/** Whether the answer may end here (a complete value). */
export function canEnd(state: GrammarState): boolean {
  return state.some((s) => s === DONE || endsTopLevel(s));
}

function endsTopLevel(s: Stack): boolean {
  if (s.rest !== null) return false;
  const f = s.top;
  if (f.kind === "number") return ["zero", "int", "frac", "exp"].includes(f.phase);
  if (f.kind === "literal") return f.values.includes(f.prefix);
  return false;
}

/** Whether nothing but the end may follow. */
export function isDone(state: GrammarState): boolean {
  return state.length > 0 && state.every((s) => s === DONE);
}

/**
 * Whether every parse is inside a string with no length limit and not in an escape, so any
 * text without `"`, `\` or control characters keeps the state valid (a mask shortcut).
 */
export function inFreeString(state: GrammarState): boolean {
  return state.length > 0 &&
    state.every((s) =>
      (s.top.kind === "string" && s.top.escape === 0 && s.top.max === Number.POSITIVE_INFINITY) ||
      (s.top.kind === "object" && s.top.phase === "key" &&
        (s.top.node === null || (s.top.node.props.length === 0 && s.top.node.additional !== null)))
    );
}
