/**
 * Swarm mode, first half: splits a request into its independent parts ("What is 12 + 30? Also
 * reverse the list: 1 2 3" -> two tasks). A part that refers back to another ("it", "the
 * result") or asks nothing on its own stays with the part before it.
 * @module
 */

const CONNECTOR =
  /^(?:and\s+)?(?:also|additionally|then|next|plus|finally|second(?:ly)?|third(?:ly)?|and)\b[\s,:]*/i;
const BACK_REFERENCE =
  /\b(?:it|its|that|this|those|them|the (?:result|answer|sum|same|above|previous|former|latter))\b/i;

/** Sentences of `text`: split after `? ! . ;` followed by space, and at line breaks. */
function sentences(text: string): string[] {
  return text
    .split(/(?<=[?!;])\s+|(?<=\.)\s+(?=\p{Lu})|\r?\n+/u)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** Removes a leading connector ("Also, ...") and capitalises what remains. */
function standalone(sentence: string): string {
  const rest = sentence.replace(CONNECTOR, "").trim();
  const body = rest.length > 0 ? rest : sentence;
  const trimmed = body.replace(/[;.]+$/, "").trim();
  return trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
}

/** Whether a sentence asks for something on its own: a question, or `Task: payload`. */
function isTask(sentence: string): boolean {
  return /\?\s*$/.test(sentence) || /^[^:]{1,60}:\s*\S/.test(sentence);
}

/**
 * The independent parts of a request, in order; a request with one task (or none that can be
 * told apart) comes back whole as a single part.
 *
 * @example
 * ```ts
 * splitRequest("What is 12 + 30? Also reverse the list: 1 2 3");
 * // ["What is 12 + 30?", "Reverse the list: 1 2 3"]
 * ```
 */
export function splitRequest(text: string): string[] {
  const parts: string[] = [];
  let pendingContext = "";
  for (const sentence of sentences(text)) {
    const candidate = standalone(sentence);
    const dependent = parts.length > 0 && BACK_REFERENCE.test(sentence.replace(CONNECTOR, ""));
    if (isTask(sentence) && !dependent) {
      parts.push(pendingContext ? `${pendingContext} ${candidate}` : candidate);
      pendingContext = "";
    } else if (parts.length > 0) {
      parts[parts.length - 1] += ` ${sentence}`;
    } else {
      pendingContext = pendingContext ? `${pendingContext} ${sentence}` : sentence;
    }
  }
  return parts.length < 2 ? [text.trim()] : parts;
}
