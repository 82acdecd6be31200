/**
 * Swarm mode, second half: joins the answers to a split request's parts, in the parts' order.
 * @module
 */

/** One answered part of a split request. */
export interface PartAnswer {
  /** The part's text, as it was routed. */
  request: string;
  answer: string;
}

/**
 * One answer for the whole request: a single part's answer as is, several as a numbered list in
 * the order the parts were asked (continuation lines indented under their number).
 *
 * @example
 * ```ts
 * synthesize([{ request: "What is 12 + 30?", answer: "42" }, { request: "Reverse the list: 1 2 3", answer: "3 2 1" }]);
 * // "1. 42\n2. 3 2 1"
 * ```
 */
export function synthesize(parts: readonly PartAnswer[]): string {
  if (parts.length === 1) return parts[0].answer;
  return parts
    .map((p, i) => {
      const [first, ...rest] = p.answer.trim().split("\n");
      const indent = " ".repeat(String(i + 1).length + 2);
      return [`${i + 1}. ${first}`, ...rest.map((line) => indent + line)].join("\n");
    })
    .join("\n");
}
