/**
 * Cheap self-checks: outcomes the swarm can verify without a person, e.g. arithmetic, which a
 * small exact evaluator settles. Returns null wherever the task cannot be checked.
 * @module
 */
import type { Outcome } from "./learning_store.ts";

const EXPRESSION = /\(*-?\d+(?:\.\d+)?\)*(?:\s*[-+*/×÷^]\s*\(*-?\d+(?:\.\d+)?\)*)+/;

/** Evaluates `+ - * / ^` and parentheses over decimal numbers; null when malformed. */
export function evaluateArithmetic(expression: string): number | null {
  const tokens = expression.replace(/×/g, "*").replace(/÷/g, "/").match(/\d+(?:\.\d+)?|[-+*/^()]/g);
  if (
    !tokens ||
    tokens.join("") !== expression.replace(/\s+/g, "").replace(/×/g, "*").replace(/÷/g, "/")
  ) {
    return null;
  }
  let pos = 0;
  const peek = () => tokens[pos];
  const primary = (): number => {
    const t = tokens[pos++];
    if (t === "(") {
      const v = sum();
      if (tokens[pos++] !== ")") throw new SyntaxError("expected )");
      return v;
    }
    if (t === "-") return -primary();
    if (t === undefined || !/^\d/.test(t)) throw new SyntaxError(`unexpected ${t}`);
    return Number(t);
  };
  const power = (): number => {
    const base = primary();
    if (peek() === "^") {
      pos++;
      return base ** power();
    }
    return base;
  };
  const product = (): number => {
    let v = power();
    while (peek() === "*" || peek() === "/") v = tokens[pos++] === "*" ? v * power() : v / power();
    return v;
  };
  const sum = (): number => {
    let v = product();
    while (peek() === "+" || peek() === "-") {
      v = tokens[pos++] === "+" ? v + product() : v - product();
    }
    return v;
  };
  try {
    const value = sum();
    return pos === tokens.length && Number.isFinite(value) ? value : null;
  } catch {
    return null;
  }
}

/**
 * Checks an answer without a person: an empty answer is a failure whatever the question; an
 * answer to an arithmetic question ("What is 47 + 38?") is a success when its first number
 * equals the exact value and a failure otherwise; anything else is null (not checkable).
 *
 * @example
 * ```ts
 * selfCheck("What is 47 + 38?", "85"); // "success"
 * selfCheck("Reverse the list: 1 2", "2 1"); // null
 * ```
 */
export function selfCheck(question: string, answer: string): Outcome | null {
  if (answer.trim() === "") return "failure";
  const matches = question.match(new RegExp(EXPRESSION.source, "g"));
  if (!matches || matches.length !== 1) return null;
  const expected = evaluateArithmetic(matches[0].trim());
  if (expected === null) return null;
  const given = /-?\d+(?:\.\d+)?/.exec(answer.replace(/,(?=\d{3}\b)/g, ""));
  if (!given) return "failure";
  return Math.abs(Number(given[0]) - expected) <= 1e-9 * Math.max(1, Math.abs(expected))
    ? "success"
    : "failure";
}
