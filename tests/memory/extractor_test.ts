/** Statements in, triples out: the rule-based extractor on its case table. */
import assert from "node:assert/strict";
import { extractFacts, ruleBasedExtractor, type Triple } from "../../memory/mod.ts";

type T = [subject: string, predicate: string, object: string, negated?: boolean];

interface Case {
  why: string;
  text: string;
  triples: T[];
}

const CASES: Case[] = [
  {
    why: "reads 'X is the Z of Y' as (Y, Z, X)",
    text: "Paris is the capital of France.",
    triples: [["france", "capital", "paris"]],
  },
  {
    why: "reads 'The Z of Y is X' as the same triple",
    text: "The capital of France is Paris.",
    triples: [["france", "capital", "paris"]],
  },
  {
    why: "reads a possessive 'Y's Z is X'",
    text: "France's capital is Paris.",
    triples: [["france", "capital", "paris"]],
  },
  {
    why: "marks 'is not the Z of' as negated",
    text: "Berlin is not the capital of France.",
    triples: [["france", "capital", "berlin", true]],
  },
  {
    why: "expands contractions before reading negation",
    text: "Lyon isn't the capital of France.",
    triples: [["france", "capital", "lyon", true]],
  },
  { why: "reads 'X is a Y'", text: "A cat is a mammal.", triples: [["cat", "is a", "mammal"]] },
  {
    why: "reads 'X is an Y' with the same predicate",
    text: "Python is an interpreted language.",
    triples: [["python", "is a", "interpreted language"]],
  },
  {
    why: "singularises plural 'Xs are Ys'",
    text: "Cats are mammals.",
    triples: [["cat", "is a", "mammal"]],
  },
  {
    why: "reads a negated 'is a'",
    text: "Rome is not a country.",
    triples: [["rome", "is a", "country", true]],
  },
  { why: "reads 'X has Y'", text: "Mars has two moons.", triples: [["mars", "has", "two moons"]] },
  {
    why: "reads 'X has no Y' as a negated 'has'",
    text: "Venus has no moons.",
    triples: [["venus", "has", "moons", true]],
  },
  {
    why: "reads 'does not have' as a negated 'has'",
    text: "Python does not have a switch statement.",
    triples: [["python", "has", "switch statement", true]],
  },
  {
    why: "reads 'was born in' and splits off the year",
    text: "Albert Einstein was born in Ulm in 1879.",
    triples: [["albert einstein", "born in", "ulm"], ["albert einstein", "born in year", "1879"]],
  },
  {
    why: "reads a birth date as 'born on'",
    text: "Einstein was born on 14 March 1879.",
    triples: [["einstein", "born on", "14 march 1879"]],
  },
  {
    why: "reads a negated birthplace",
    text: "Einstein was not born in Munich.",
    triples: [["einstein", "born in", "munich", true]],
  },
  {
    why: "reads 'died in'",
    text: "Marie Curie died in Passy.",
    triples: [["marie curie", "died in", "passy"]],
  },
  {
    why: "reads a passive 'written by'",
    text: "1984 was written by George Orwell.",
    triples: [["1984", "written by", "george orwell"]],
  },
  {
    why: "maps the active 'X wrote Y' onto the passive triple",
    text: "George Orwell wrote Animal Farm.",
    triples: [["animal farm", "written by", "george orwell"]],
  },
  {
    why: "maps 'the author of' onto 'written by'",
    text: "The author of Dune is Frank Herbert.",
    triples: [["dune", "written by", "frank herbert"]],
  },
  {
    why: "reads 'founded by' up to the first comma",
    text: "Apple was founded by Steve Jobs, in a garage.",
    triples: [["apple", "founded by", "steve jobs"]],
  },
  {
    why: "reads 'X is in Y' as 'located in'",
    text: "The Eiffel Tower is in Paris.",
    triples: [["eiffel tower", "located in", "paris"]],
  },
  {
    why: "reads 'X lives in Y'",
    text: "Alice lives in Berlin.",
    triples: [["alice", "lives in", "berlin"]],
  },
  {
    why: "reads 'X is written in Y'",
    text: "Deno is written in Rust.",
    triples: [["deno", "written in", "rust"]],
  },
  { why: "reads a property 'X is Y'", text: "The sky is blue.", triples: [["sky", "is", "blue"]] },
  {
    why: "splits two statements joined by 'and'",
    text: "Paris is the capital of France and Berlin is the capital of Germany.",
    triples: [["france", "capital", "paris"], ["germany", "capital", "berlin"]],
  },
  {
    why: "keeps 'and' inside a name when the left side is no statement",
    text: "Tom and Jerry is a cartoon.",
    triples: [["tom and jerry", "is a", "cartoon"]],
  },
  {
    why: "normalises case, articles and whitespace",
    text: "The   EIFFEL Tower   is a  Landmark.",
    triples: [["eiffel tower", "is a", "landmark"]],
  },
  {
    why: "strips a leading 'I think'",
    text: "I think Rome isn't a country.",
    triples: [["rome", "is a", "country", true]],
  },
  {
    why: "drops parentheticals",
    text: "Albert Einstein (1879-1955) was born in Ulm.",
    triples: [["albert einstein", "born in", "ulm"]],
  },
  {
    why: "does not split after initials and titles",
    text: "Dr. J. R. R. Tolkien was born in Bloemfontein.",
    triples: [["dr. j. r. r. tolkien", "born in", "bloemfontein"]],
  },
  {
    why: "reads every sentence of a paragraph",
    text: "Mars is a planet. Mars has two moons!",
    triples: [["mars", "is a", "planet"], ["mars", "has", "two moons"]],
  },
  {
    why: "keeps non-ASCII letters of English statements",
    text: "Zürich is a city in Switzerland.",
    triples: [["zürich", "is a", "city in switzerland"]],
  },
  {
    why: "keeps a name containing 'de'",
    text: "Charles de Gaulle was born in Lille.",
    triples: [["charles de gaulle", "born in", "lille"]],
  },
  { why: "ignores questions", text: "Is Paris the capital of France?", triples: [] },
  {
    why: "ignores questions without a question mark",
    text: "What is the capital of France",
    triples: [],
  },
  { why: "ignores conditionals", text: "If Paris is a city, then it has a mayor.", triples: [] },
  {
    why: "ignores hedged statements",
    text: "Paris is probably the capital of France.",
    triples: [],
  },
  { why: "ignores pronoun subjects", text: "It is a city.", triples: [] },
  {
    why: "ignores relative-clause subjects",
    text: "The man who lives in Paris is a doctor.",
    triples: [],
  },
  {
    why: "passes French through untouched",
    text: "Paris est la capitale de la France.",
    triples: [],
  },
  {
    why: "passes Dutch through untouched",
    text: "Amsterdam is de hoofdstad van Nederland.",
    triples: [],
  },
  {
    why: "passes German through untouched",
    text: "Berlin ist die Hauptstadt von Deutschland.",
    triples: [],
  },
  { why: "passes Japanese through untouched", text: "東京は日本の首都です。", triples: [] },
  { why: "passes Russian through untouched", text: "Москва — столица России.", triples: [] },
  { why: "ignores code blocks", text: "```\nx is a variable\n```", triples: [] },
  { why: "reads nothing from an empty string", text: "", triples: [] },
];

function asTuples(triples: Triple[]): T[] {
  return triples.map((t) =>
    t.negated ? [t.subject, t.predicate, t.object, true] : [t.subject, t.predicate, t.object]
  );
}

for (const c of CASES) {
  Deno.test(`extractFacts() ${c.why}`, () => {
    assert.deepEqual(asTuples(extractFacts(c.text)), c.triples, c.text);
  });
}

Deno.test("the extraction table covers at least 40 cases", () => {
  assert.ok(CASES.length >= 40, `${CASES.length} cases`);
});

Deno.test("extractFacts() returns each triple once even when repeated", () => {
  assert.equal(extractFacts("Paris is a city. Paris is a city.").length, 1);
});

Deno.test("extractFacts() skips very long sentences quickly instead of backtracking", () => {
  // Without the sentence cap the lazy patterns would backtrack quadratically here.
  assert.deepEqual(extractFacts("word ".repeat(200_000) + "is a thing"), []);
});

Deno.test("ruleBasedExtractor implements TripleExtractor with extractFacts", async () => {
  const text = "Mars is a planet.";
  assert.deepEqual(await ruleBasedExtractor.extract(text), extractFacts(text));
});
