/** FactStore: normalisation, reinforcement, contradictions, lookup, search, forgetting. */
import assert from "node:assert/strict";
import {
  CONTRADICTION_PENALTY,
  DEFAULT_CONFIDENCE,
  MemoryInputError,
  MemoryStore,
  reinforce,
} from "../../memory/mod.ts";

function withStore(fn: (store: MemoryStore) => void): () => void {
  return () => {
    const store = MemoryStore.open(":memory:");
    try {
      fn(store);
    } finally {
      store.close();
    }
  };
}

Deno.test(
  "facts.add() stores the normalised triple with default confidence and source",
  withStore((store) => {
    const fact = store.facts.add({
      subject: "  The Eiffel  Tower ",
      predicate: "Located_In",
      object: "PARIS.",
    });
    assert.deepEqual(
      [
        fact.subject,
        fact.predicate,
        fact.object,
        fact.negated,
        fact.confidence,
        fact.source,
        fact.mentions,
      ],
      ["eiffel tower", "located in", "paris", false, DEFAULT_CONFIDENCE, "api", 1],
    );
    assert.deepEqual(store.facts.get(fact.id), fact);
  }),
);

Deno.test(
  "facts.add() maps predicate synonyms onto one canonical predicate",
  withStore((store) => {
    const a = store.facts.add({ subject: "Einstein", predicate: "birthplace", object: "Ulm" });
    const b = store.facts.add({ subject: "einstein", predicate: "place of birth", object: "ulm" });
    assert.equal(a.predicate, "born in");
    assert.equal(b.id, a.id);
  }),
);

Deno.test(
  "facts.add() raises confidence by noisy-OR when a triple is repeated",
  withStore((store) => {
    const first = store.facts.add({ subject: "a", predicate: "is a", object: "b" }, {
      confidence: 0.5,
    });
    const second = store.facts.add({ subject: "A", predicate: "is a", object: "B" }, {
      confidence: 0.5,
    });
    assert.equal(second.id, first.id);
    assert.equal(second.confidence, 0.75);
    assert.equal(second.mentions, 2);
    assert.equal(reinforce(0.75, 0.5), 0.875);
    assert.equal(store.facts.count(), 1);
  }),
);

Deno.test(
  "facts.add() keeps a second capital at lower confidence, linked and superseded",
  withStore((store) => {
    const paris = store.facts.add({ subject: "France", predicate: "capital", object: "Paris" }, {
      confidence: 0.8,
    });
    const lyon = store.facts.add({ subject: "France", predicate: "capital", object: "Lyon" }, {
      confidence: 0.8,
    });
    assert.equal(lyon.confidence, 0.8 * CONTRADICTION_PENALTY);
    assert.equal(lyon.contradicts, paris.id);
    assert.equal(lyon.supersededBy, paris.id);
    assert.equal(store.facts.get(paris.id)?.supersededBy, null);
    assert.equal(store.facts.get(paris.id)?.confidence, 0.8, "the incumbent is not overwritten");
    assert.deepEqual(
      store.facts.query({ subject: "france", currentOnly: true }).map((f) => f.object),
      ["paris"],
    );
    assert.deepEqual(store.facts.query({ subject: "france" }).map((f) => f.object), [
      "paris",
      "lyon",
    ]);
  }),
);

Deno.test(
  "facts.add() lets a repeatedly stated rival overtake the incumbent",
  withStore((store) => {
    const old = store.facts.add({ subject: "X", predicate: "capital", object: "Old" }, {
      confidence: 0.6,
    });
    store.facts.add({ subject: "X", predicate: "capital", object: "New" }, { confidence: 0.6 }); // 0.3
    const now = store.facts.add({ subject: "X", predicate: "capital", object: "New" }, {
      confidence: 0.6,
    }); // 0.72
    assert.ok(now.confidence > 0.6);
    assert.equal(now.supersededBy, null);
    assert.equal(store.facts.get(old.id)?.supersededBy, now.id);
  }),
);

Deno.test(
  "facts.add() treats the negation of a stored fact as a contradiction",
  withStore((store) => {
    const yes = store.facts.add({ subject: "Venus", predicate: "has", object: "moons" });
    const no = store.facts.add({
      subject: "Venus",
      predicate: "has",
      object: "moons",
      negated: true,
    });
    assert.equal(no.contradicts, yes.id);
    assert.equal(no.supersededBy, yes.id);
    assert.equal(no.negated, true);
  }),
);

Deno.test(
  "facts.add() allows many objects for a non-functional predicate",
  withStore((store) => {
    const a = store.facts.add({ subject: "Mars", predicate: "is a", object: "planet" });
    const b = store.facts.add({ subject: "Mars", predicate: "is a", object: "god" });
    assert.equal(b.contradicts, null);
    assert.equal(b.confidence, a.confidence);
  }),
);

Deno.test(
  "facts.addMany() stores all triples or, if one is invalid, none",
  withStore((store) => {
    assert.equal(
      store.facts.addMany([{ subject: "a", predicate: "p", object: "b" }, {
        subject: "c",
        predicate: "p",
        object: "d",
      }]).length,
      2,
    );
    assert.throws(
      () =>
        store.facts.addMany([{ subject: "e", predicate: "p", object: "f" }, {
          subject: "",
          predicate: "p",
          object: "g",
        }]),
      (e) => e instanceof MemoryInputError && e.field === "facts[1].subject",
    );
    assert.equal(store.facts.count(), 2);
  }),
);

Deno.test(
  "facts.merge() keeps the higher confidence instead of reinforcing",
  withStore((store) => {
    store.facts.merge({ subject: "a", predicate: "p", object: "b" }, { confidence: 0.7 });
    const again = store.facts.merge({ subject: "a", predicate: "p", object: "b" }, {
      confidence: 0.6,
    });
    assert.equal(again.confidence, 0.7);
  }),
);

Deno.test(
  "facts.query() filters by subject, predicate and object, strongest first, paginated",
  withStore((store) => {
    store.facts.add({ subject: "Paris", predicate: "is a", object: "city" }, { confidence: 0.5 });
    store.facts.add({ subject: "Lyon", predicate: "is a", object: "city" }, { confidence: 0.9 });
    store.facts.add({ subject: "Paris", predicate: "located in", object: "France" });
    assert.deepEqual(store.facts.query({ object: "City" }).map((f) => f.subject), [
      "lyon",
      "paris",
    ]);
    assert.deepEqual(store.facts.query({ subject: "the paris" }).map((f) => f.predicate).sort(), [
      "is a",
      "located in",
    ]);
    assert.equal(
      store.facts.query({ predicate: "is a", object: "city", subject: "paris" }).length,
      1,
    );
    assert.deepEqual(
      store.facts.query({ object: "city", limit: 1, offset: 1 }).map((f) => f.subject),
      ["paris"],
    );
    assert.throws(
      () => store.facts.query({ limit: 5000 }),
      (e) => e instanceof MemoryInputError && e.field === "limit",
    );
  }),
);

Deno.test(
  "facts.search() finds facts by words, treating FTS syntax as plain words",
  withStore((store) => {
    store.facts.add({ subject: "Eiffel Tower", predicate: "located in", object: "Paris" });
    store.facts.add({ subject: "Big Ben", predicate: "located in", object: "London" });
    assert.deepEqual(store.facts.search("eiffel paris").map((f) => f.subject), ["eiffel tower"]);
    assert.deepEqual(store.facts.search('tower" --').map((f) => f.subject), ["eiffel tower"]);
    assert.deepEqual(
      store.facts.search("eiffel OR london"),
      [],
      "OR is a word here, not an operator",
    );
    assert.deepEqual(store.facts.search("Lond*").map((f) => f.object), ["london"]);
    assert.deepEqual(store.facts.search("(( NEAR"), []);
    assert.deepEqual(store.facts.search("!!!"), []);
  }),
);

Deno.test(
  "facts.forget() deletes a fact, its search entry and re-decides facts it superseded",
  withStore((store) => {
    const paris = store.facts.add({ subject: "France", predicate: "capital", object: "Paris" });
    const lyon = store.facts.add({ subject: "France", predicate: "capital", object: "Lyon" });
    assert.equal(store.facts.forget(paris.id), true);
    assert.equal(store.facts.get(paris.id), undefined);
    assert.deepEqual(store.facts.search("paris"), []);
    const after = store.facts.get(lyon.id)!;
    assert.equal(after.supersededBy, null);
    assert.equal(after.contradicts, null);
    assert.equal(store.facts.forget(paris.id), false);
  }),
);

Deno.test(
  "facts.add() rejects bad confidence, source and missing fields naming the field",
  withStore((store) => {
    const triple = { subject: "a", predicate: "p", object: "b" };
    const field = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        assert.ok(e instanceof MemoryInputError);
        return e.field;
      }
      assert.fail("expected a MemoryInputError");
    };
    assert.equal(field(() => store.facts.add(triple, { confidence: 1.5 })), "confidence");
    assert.equal(field(() => store.facts.add(triple, { confidence: NaN })), "confidence");
    assert.equal(field(() => store.facts.add(triple, { source: "" })), "source");
    assert.equal(field(() => store.facts.add({ subject: "a", object: "b" })), "predicate");
    assert.equal(field(() => store.facts.add({ ...triple, negated: "yes" })), "negated");
    assert.equal(field(() => store.facts.add(null)), "triple");
    assert.equal(field(() => store.facts.get(0)), "id");
    assert.equal(store.facts.count(), 0);
  }),
);

Deno.test(
  "facts.each() walks every fact in id order across pages",
  withStore((store) => {
    for (let i = 0; i < 25; i++) store.facts.add({ subject: `s${i}`, predicate: "p", object: "o" });
    assert.deepEqual(
      [...store.facts.each(7)].map((f) => f.subject),
      Array.from({ length: 25 }, (_, i) => `s${i}`),
    );
  }),
);
