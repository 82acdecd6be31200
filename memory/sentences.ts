/**
 * Splits prose into sentences for fact extraction and claim checking: drops code blocks and
 * markdown decoration, and does not split after abbreviations ("Dr.", "e.g.") or initials.
 * @module
 */

const ABBREVIATIONS = new Set(
  ("mr mrs ms dr prof sr jr st mt vs etc e.g i.e inc ltd co fig approx dept est u.s u.k " +
    "a.m p.m jan feb mar apr jun jul aug sep sept oct nov dec").split(" "),
);
const BOUNDARY = /([.!?。！？]+)(["'”’)\]]*)(\s+|$)/g;

/** Sentences of `text`, trimmed, each keeping its final punctuation. */
export function splitSentences(text: string): string[] {
  const withoutCode = text.replace(/```[\s\S]*?(?:```|$)/g, "\n");
  const sentences: string[] = [];
  for (const rawLine of withoutCode.split(/\r?\n/)) {
    const line = stripMarkdown(rawLine);
    if (line) sentences.push(...splitLine(line));
  }
  return sentences;
}

function stripMarkdown(line: string): string {
  return line
    .replace(/^\s*(?:#{1,6}\s+|>\s*|[-*+•]\s+|\d{1,3}[.)]\s+)+/, "")
    .replace(/\*\*|__|`/g, "")
    .trim();
}

function splitLine(line: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (const match of line.matchAll(BOUNDARY)) {
    const end = match.index! + match[1].length + match[2].length;
    if (match[1] === "." && isAbbreviation(line.slice(start, match.index!))) continue;
    const sentence = line.slice(start, end).trim();
    if (sentence) out.push(sentence);
    start = end + match[3].length;
  }
  const rest = line.slice(start).trim();
  if (rest) out.push(rest);
  return out;
}

function isAbbreviation(before: string): boolean {
  const word = (before.match(/(\S+)$/)?.[1] ?? "").replace(/^[("']+/, "");
  if (/^\p{Lu}$/u.test(word)) return true; // an initial: "J. R. R. Tolkien"
  return ABBREVIATIONS.has(word.toLowerCase());
}
