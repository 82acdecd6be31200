/**
 * The statement forms the rule-based extractor reads, one regular expression each, from the
 * most specific ("X was born in Y") to the most general ("X is Y"). Input is one clause,
 * already cleaned (contractions expanded, no final punctuation); output is raw triples.
 * @module
 */
import type { Triple } from "./types.ts";

/** One statement form. */
export interface ExtractionRule {
  name: string;
  pattern: RegExp;
  /** Raw (unnormalised) triples from a match, or none if the match is not a statement. */
  build(groups: Record<string, string | undefined>): Triple[];
}

const NEG = String.raw`(?:\s+(?<neg>not|never|no longer))?`;
const BY_VERBS = "written|founded|co-founded|established|created|invented|discovered|painted|" +
  "directed|composed|designed|built|developed|authored|published|produced|sung|performed";
const ACTIVE_BY: Readonly<Record<string, string>> = {
  wrote: "written",
  write: "written",
  founded: "founded",
  found: "founded",
  created: "created",
  create: "created",
  invented: "invented",
  invent: "invented",
  discovered: "discovered",
  discover: "discovered",
  painted: "painted",
  paint: "painted",
  directed: "directed",
  direct: "directed",
  composed: "composed",
  compose: "composed",
  designed: "designed",
  design: "designed",
};
const VERB_LEMMAS: Readonly<Record<string, string>> = Object.fromEntries(
  ("lives live lived|works work worked|speaks speak spoke|uses use used|runs run ran|" +
    "supports support supported|requires require required|depends depend depended|" +
    "contains contain contained|orbits orbit orbited|flows flow flowed|borders border bordered|" +
    "owns own owned|plays play played|studies study studied|teaches teach taught|" +
    "likes like liked|loves love loved|hates hate hated|prefers prefer preferred|eats eat ate")
    .split("|").flatMap((forms) => {
      const [canonical, ...others] = forms.split(" ");
      return [canonical, ...others].map((form) => [form, canonical]);
    }),
);
const VERB_FORMS = Object.keys(VERB_LEMMAS).join("|");
const MONTH = "january|february|march|april|may|june|july|august|september|october|november|" +
  "december";
const DATE = new RegExp(
  String.raw`^(?:(?:\d{1,2}(?:st|nd|rd|th)?\s+)?(?:${MONTH})(?:\s+\d{1,2}(?:st|nd|rd|th)?)?,?` +
    String.raw`\s+\d{1,4}|\d{4}-\d{2}-\d{2})$`,
  "i",
);
const YEAR = /^(?:\d{3,4}|\d{1,4}\s+(?:bc|bce|ad|ce))$/i;
const PLACE_THEN_TIME = /^(?<place>.+?),?\s+(?:in|on)\s+(?<time>.+)$/i;
const TIME_THEN_PLACE = /^(?<time>.+?),?\s+in\s+(?<place>.+)$/i;

function negated(g: Record<string, string | undefined>): boolean {
  return g.neg !== undefined;
}

function timeOrPlace(verb: "born" | "died", value: string): { predicate: string; object: string } {
  if (YEAR.test(value)) return { predicate: `${verb} in year`, object: value };
  if (DATE.test(value)) return { predicate: `${verb} on`, object: value };
  return { predicate: `${verb} in`, object: value };
}

/** "born in Ulm in 1879" → place and year as two triples. */
function lifeEvent(verb: "born" | "died", subject: string, rest: string, neg: boolean): Triple[] {
  for (const pattern of [PLACE_THEN_TIME, TIME_THEN_PLACE]) {
    const m = rest.match(pattern);
    if (m && (YEAR.test(m.groups!.time) || DATE.test(m.groups!.time))) {
      if (neg) return []; // "not born in Ulm in 1879": which part is denied is unclear
      return [m.groups!.place, m.groups!.time].map((v) => ({
        subject,
        ...timeOrPlace(verb, v),
      }));
    }
  }
  return [{ subject, ...timeOrPlace(verb, rest), negated: neg }];
}

function singular(phrase: string): string {
  return phrase.replace(/(\S+)$/, (word) => {
    if (/ies$/i.test(word)) return word.slice(0, -3) + "y";
    if (/(?:ss|sh|ch|x)es$/i.test(word)) return word.slice(0, -2);
    if (/(?:ss|us|is)$/i.test(word)) return word;
    return word.replace(/s$/i, "");
  });
}

/** Statement forms in the order they are tried; the first that matches wins. */
export const EXTRACTION_RULES: readonly ExtractionRule[] = [
  {
    name: "born",
    pattern: new RegExp(
      String.raw`^(?<s>.+?)\s+(?:is|was|were)${NEG}\s+born\s+(?:in|on|at)\s+(?<o>.+)$`,
      "i",
    ),
    build: (g) => lifeEvent("born", g.s!, g.o!, negated(g)),
  },
  {
    name: "died",
    pattern:
      /^(?<s>.+?)\s+(?:(?<neg>did not|never)\s+)?(?:died|die|passed away)\s+(?:in|on|at)\s+(?<o>.+)$/i,
    build: (g) => lifeEvent("died", g.s!, g.o!, negated(g)),
  },
  {
    name: "passive by",
    pattern: new RegExp(
      String
        .raw`^(?<s>.+?)\s+(?:is|was|are|were)${NEG}\s+(?:originally\s+|first\s+)?(?<v>${BY_VERBS})\s+by\s+(?<o>.+)$`,
      "i",
    ),
    build: (g) => [{ subject: g.s!, predicate: `${g.v!} by`, object: g.o!, negated: negated(g) }],
  },
  {
    name: "passive preposition",
    pattern: new RegExp(
      String
        .raw`^(?<s>.+?)\s+(?:is|are|was|were)${NEG}\s+(?<v>written|made|built|based|known|named|located|situated)\s+(?<p>in|of|from|with|on|as|after)\s+(?<o>.+)$`,
      "i",
    ),
    build: (
      g,
    ) => [{ subject: g.s!, predicate: `${g.v!} ${g.p!}`, object: g.o!, negated: negated(g) }],
  },
  {
    name: "X is the Z of Y",
    pattern: new RegExp(
      String
        .raw`^(?<x>.+?)\s+(?:is|was)${NEG}\s+the\s+(?<z>(?:[^\s,]+\s+){0,3}?[^\s,]+)\s+of\s+(?<y>.+)$`,
      "i",
    ),
    build: (g) => [{ subject: g.y!, predicate: g.z!, object: g.x!, negated: negated(g) }],
  },
  {
    name: "the Z of Y is X",
    pattern: new RegExp(
      String
        .raw`^the\s+(?<z>(?:[^\s,]+\s+){0,3}?[^\s,]+)\s+of\s+(?<y>.+?)\s+(?:is|was)${NEG}\s+(?<x>.+)$`,
      "i",
    ),
    build: (g) => [{ subject: g.y!, predicate: g.z!, object: g.x!, negated: negated(g) }],
  },
  {
    name: "Y's Z is X",
    pattern: new RegExp(
      String
        .raw`^(?<y>[^']+?)'s\s+(?<z>(?:[^\s,]+\s+){0,2}?[^\s,]+)\s+(?:is|was)${NEG}\s+(?<x>.+)$`,
      "i",
    ),
    build: (g) => [{ subject: g.y!, predicate: g.z!, object: g.x!, negated: negated(g) }],
  },
  {
    name: "X is a Y",
    pattern: new RegExp(String.raw`^(?<s>.+?)\s+(?:is|was)${NEG}\s+(?:a|an)\s+(?<o>.+)$`, "i"),
    build: (g) => [{ subject: g.s!, predicate: "is a", object: g.o!, negated: negated(g) }],
  },
  {
    name: "Xs are Ys",
    pattern: new RegExp(
      String.raw`^(?<s>.+?)\s+(?:are|were)${NEG}\s+(?<o>(?:[^\s,]+\s+){0,2}[^\s,]*[^s\s,]s)$`,
      "i",
    ),
    build: (g) =>
      /(?:ous|ss|us)$/i.test(g.o!) ? [] : [{
        subject: singular(g.s!),
        predicate: "is a",
        object: singular(g.o!),
        negated: negated(g),
      }],
  },
  {
    name: "X is in Y",
    pattern: new RegExp(
      String.raw`^(?<s>.+?)\s+(?:is|are|was|were|lies)${NEG}\s+in\s+(?<o>.+)$`,
      "i",
    ),
    build: (g) => [{ subject: g.s!, predicate: "located in", object: g.o!, negated: negated(g) }],
  },
  {
    name: "X has Y",
    pattern:
      /^(?<s>.+?)\s+(?:(?<neg>does not|do not|did not)\s+have|(?:has|have|had)(?:\s+(?<no>no|not|never))?)\s+(?<o>.+)$/i,
    build: (g) =>
      /^(?:been|become|got|gone|done|seen|taken|given|won|made|had|\w{2,}ed)\b/i.test(g.o!)
        ? []
        : [{
          subject: g.s!,
          predicate: "has",
          object: g.o!,
          negated: g.neg !== undefined || g.no !== undefined,
        }],
  },
  {
    name: "X wrote Y",
    pattern: new RegExp(
      String.raw`^(?<s>.+?)\s+(?:(?<neg>did not|never)\s+)?(?<v>${
        Object.keys(ACTIVE_BY).join("|")
      })\s+(?<o>.+)$`,
      "i",
    ),
    build: (g) =>
      /^\w+ly$/i.test(g.o!) ? [] : [{
        subject: g.o!,
        predicate: `${ACTIVE_BY[g.v!.toLowerCase()]} by`,
        object: g.s!,
        negated: negated(g),
      }],
  },
  {
    name: "X verbs Y",
    pattern: new RegExp(
      String
        .raw`^(?<s>.+?)\s+(?:(?<neg>does not|do not|did not|never)\s+)?(?<v>${VERB_FORMS})(?:\s+(?<p>in|at|for|on|through|into|with))?\s+(?<o>.+)$`,
      "i",
    ),
    build: (g) => {
      const verb = VERB_LEMMAS[g.v!.toLowerCase()];
      const predicate = g.p ? `${verb} ${g.p.toLowerCase()}` : verb;
      return [{ subject: g.s!, predicate, object: g.o!, negated: negated(g) }];
    },
  },
  {
    name: "X is Y",
    pattern: new RegExp(
      String.raw`^(?<s>.+?)\s+(?:is|was)${NEG}\s+(?<o>(?:[^\s,]+\s+){0,3}[^\s,]+)$`,
      "i",
    ),
    build: (g) =>
      /^(?:\w+ing|\w{2,}ed|called|being|also|so|too|very|now|here|there|just|only)\b/i.test(g.o!)
        ? []
        : [{ subject: g.s!, predicate: "is", object: g.o!, negated: negated(g) }],
  },
];
