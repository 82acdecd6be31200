/**
 * Cues: the words and shapes of a request that routing learns from (content words, `#num` for
 * numbers, arithmetic operators), and the request's domain, the task family it belongs to.
 * @module
 */

const STOP_WORDS = new Set(
  ("a an the is are was were be been am of to in on at for and or but not no what which who " +
    "whom whose how why when where please me my mine i you your yours it its this that these " +
    "those do does did can could would should will shall may might must with by from as about " +
    "tell give also then than so if into out up down over some any all just only very too " +
    "there here them they their we us our he she his her him").split(" "),
);

/** Cue standing for any number. */
export const NUMBER_CUE = "#num";

const TOKEN =
  /\p{L}[\p{L}\p{M}']*|\p{N}+(?:[.,]\p{N}+)*|(?<=^|[\s\p{N}])[-+*/×÷^](?=$|[\s\p{N}])/gu;

/** A word reduced to its cue form: lowercase, a plural `s` dropped (`lists` and `list` agree). */
export function normalizeWord(word: string): string {
  const w = word.toLowerCase().replace(/'s$/, "");
  if (w.length > 3 && w.endsWith("s") && !w.endsWith("ss") && !w.endsWith("us")) {
    return w.slice(0, -1);
  }
  return w;
}

function tokenCue(token: string): string | null {
  if (/^\p{N}/u.test(token)) return NUMBER_CUE;
  if (!/^\p{L}/u.test(token)) return token === "×" ? "*" : token === "÷" ? "/" : token;
  const word = normalizeWord(token);
  if (STOP_WORDS.has(word) || STOP_WORDS.has(token.toLowerCase())) return null;
  return word;
}

/**
 * The distinct cues of `text` in order of first appearance, at most `limit`.
 *
 * @example
 * ```ts
 * extractCues("Reverse the lists: 3 9 1"); // ["reverse", "list", "#num"]
 * ```
 */
export function extractCues(text: string, limit = 16): string[] {
  const cues: string[] = [];
  for (const match of text.matchAll(TOKEN)) {
    const cue = tokenCue(match[0]);
    if (cue !== null && !cues.includes(cue)) {
      cues.push(cue);
      if (cues.length >= limit) break;
    }
  }
  return cues;
}

/** Cue form of a configured keyword (one word or a phrase; phrases keep their word cues). */
export function keywordCues(keyword: string): string[] {
  const cues = extractCues(keyword);
  return cues.length > 0 ? cues : [keyword.trim().toLowerCase()];
}

/**
 * The task family of a request, used as the domain of per-specialist statistics: the first
 * content word of a `Task: payload` prefix, else the first content word, else `arithmetic` when
 * the request is only numbers and operators, else `general`.
 *
 * @example
 * ```ts
 * domainOf("What is 47 + 38?"); // "arithmetic"
 * domainOf("Reverse the list: 3 9 1"); // "reverse"
 * ```
 */
export function domainOf(text: string): string {
  const colon = text.indexOf(":");
  if (colon > 0) {
    const prefix = text.slice(0, colon);
    const words = extractCues(prefix).filter((c) => /^\p{L}/u.test(c));
    if (words.length > 0 && prefix.trim().split(/\s+/).length <= 5) return words[0];
  }
  const cues = extractCues(text, 64);
  const word = cues.find((c) => /^\p{L}/u.test(c));
  if (word) return word;
  if (cues.some((c) => c.length === 1 && "+-*/^".includes(c))) return "arithmetic";
  return "general";
}
