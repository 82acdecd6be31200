/** Answers in, verdicts out: the hallucination check against a small seeded graph. */
import assert from "node:assert/strict";
import { bearing, checkClaims, type Fact, MemoryStore, type Verdict } from "../../memory/mod.ts";

function seeded(): MemoryStore {
  const store = MemoryStore.open(":memory:");
  const add = (s: string, p: string, o: string, confidence = 0.9, negated = false) =>
    store.facts.add({ subject: s, predicate: p, object: o, negated }, {
      confidence,
      source: "test",
    });
  add("France", "capital", "Paris");
  add("Germany", "capital", "Berlin");
  add("Albert Einstein", "born in", "Ulm");
  add("Albert Einstein", "born in year", "1879");
  add("1984", "written by", "George Orwell");
  add("Venus", "has", "moons", 0.8, true);
  add("Mars", "has", "two moons", 0.8);
  add("cat", "is a", "mammal");
  add("Rome", "is a", "country", 0.9, true);
  add("Eiffel Tower", "located in", "Paris");
  add("Spain", "capital", "Barcelona", 0.3);
  return store;
}

interface Case {
  why: string;
  answer: string;
  verdicts: Verdict[];
  /** Object of the first evidence fact, when the verdict must name it. */
  evidence?: string;
}

const CASES: Case[] = [
  {
    why: "supports a claim the graph states",
    answer: "Paris is the capital of France.",
    verdicts: ["supported"],
    evidence: "paris",
  },
  {
    why: "contradicts a second capital of a country",
    answer: "The capital of France is Lyon.",
    verdicts: ["contradicted"],
    evidence: "paris",
  },
  {
    why: "judges each clause of a compound sentence",
    answer: "Berlin is the capital of Germany and Paris is the capital of France.",
    verdicts: ["supported", "supported"],
  },
  {
    why: "supports a known birthplace",
    answer: "Albert Einstein was born in Ulm.",
    verdicts: ["supported"],
    evidence: "ulm",
  },
  {
    why: "contradicts another birthplace",
    answer: "Albert Einstein was born in Munich.",
    verdicts: ["contradicted"],
    evidence: "ulm",
  },
  {
    why: "supports denying another birthplace",
    answer: "Albert Einstein was not born in Munich.",
    verdicts: ["supported"],
    evidence: "ulm",
  },
  {
    why: "contradicts denying the known birthplace",
    answer: "Albert Einstein was not born in Ulm.",
    verdicts: ["contradicted"],
    evidence: "ulm",
  },
  {
    why: "supports a stored negation",
    answer: "Venus has no moons.",
    verdicts: ["supported"],
    evidence: "moons",
  },
  {
    why: "contradicts the opposite of a stored negation",
    answer: "Venus has moons.",
    verdicts: ["contradicted"],
    evidence: "moons",
  },
  {
    why: "supports a plural form of a singular fact",
    answer: "Cats are mammals.",
    verdicts: ["supported"],
  },
  {
    why: "contradicts what a negated fact denies",
    answer: "Rome is a country.",
    verdicts: ["contradicted"],
  },
  {
    why: "leaves a non-functional new object unknown",
    answer: "Rome is a city.",
    verdicts: ["unknown"],
  },
  {
    why: "ignores evidence below the confidence threshold",
    answer: "The capital of Spain is Barcelona.",
    verdicts: ["unknown"],
  },
  {
    why: "leaves a claim about an unknown subject unknown",
    answer: "The capital of Italy is Rome.",
    verdicts: ["unknown"],
  },
  {
    why: "matches the active voice against the passive fact",
    answer: "George Orwell wrote 1984.",
    verdicts: ["supported"],
  },
  { why: "supports a location", answer: "The Eiffel Tower is in Paris.", verdicts: ["supported"] },
  {
    why: "judges only the claims in a mixed answer",
    answer: "Sure! Paris is the capital of France. Is it big? Mars has two moons.",
    verdicts: ["supported", "supported"],
  },
  {
    why: "gives no verdict for French text",
    answer: "Paris est la capitale de la France.",
    verdicts: [],
  },
  { why: "gives no verdict for Japanese text", answer: "東京は日本の首都です。", verdicts: [] },
  {
    why: "gives no verdict for a question",
    answer: "Is Paris the capital of France?",
    verdicts: [],
  },
];

for (const c of CASES) {
  Deno.test(`checkClaims() ${c.why}`, () => {
    const store = seeded();
    try {
      const verdicts = checkClaims(store, c.answer);
      assert.deepEqual(verdicts.map((v) => v.verdict), c.verdicts, c.answer);
      if (c.evidence) assert.equal(verdicts[0].evidence[0]?.object, c.evidence);
      for (const v of verdicts) {
        if (v.verdict === "unknown") continue;
        assert.ok(v.evidence.length > 0, "a decided verdict names its evidence");
      }
    } finally {
      store.close();
    }
  });
}

Deno.test("checkClaims() returns the claim sentence and the triple read from it", () => {
  const store = seeded();
  const [verdict] = checkClaims(store, "Well, the capital of France is Lyon.");
  assert.equal(verdict.claim, "Well, the capital of France is Lyon.");
  assert.deepEqual(verdict.triple, {
    subject: "france",
    predicate: "capital",
    object: "lyon",
    negated: false,
  });
  store.close();
});

Deno.test("checkClaims() lets a stronger rival outweigh a weaker supporting fact", () => {
  const store = MemoryStore.open(":memory:");
  store.facts.add({ subject: "X", predicate: "capital", object: "A" }, { confidence: 0.95 });
  store.facts.add({ subject: "X", predicate: "capital", object: "B" }, { confidence: 1 }); // kept at 0.5
  const [verdict] = checkClaims(store, "The capital of X is B.", { minConfidence: 0.1 });
  assert.equal(verdict.verdict, "contradicted");
  assert.equal(verdict.evidence[0].object, "a");
  store.close();
});

Deno.test("checkClaims() stops at maxClaims", () => {
  const store = seeded();
  const answer = "Mars is a planet. Venus is a planet. Earth is a planet.";
  assert.equal(checkClaims(store, answer, { maxClaims: 2 }).length, 2);
  store.close();
});

Deno.test("the claim table covers at least 20 answers", () => {
  assert.ok(CASES.length >= 20);
});

function fact(partial: Partial<Fact>): Fact {
  return {
    id: 1,
    subject: "s",
    predicate: "p",
    object: "o",
    negated: false,
    confidence: 1,
    mentions: 1,
    source: "t",
    createdAt: "",
    updatedAt: "",
    supersededBy: null,
    contradicts: null,
    ...partial,
  };
}

Deno.test("bearing() ignores facts about another subject or predicate", () => {
  const claim = { subject: "s", predicate: "capital", object: "o" };
  assert.equal(bearing(claim, fact({ subject: "t", predicate: "capital" })), "none");
  assert.equal(bearing(claim, fact({ predicate: "born in" })), "none");
});

Deno.test("bearing() treats another object of a non-functional predicate as unrelated", () => {
  assert.equal(
    bearing(
      { subject: "s", predicate: "has", object: "a" },
      fact({ predicate: "has", object: "b" }),
    ),
    "none",
  );
});
