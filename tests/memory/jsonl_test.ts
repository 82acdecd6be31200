/** JSONL export and import of facts. */
import assert from "node:assert/strict";
import { byteLines, exportFacts, importFacts, MemoryStore } from "../../memory/mod.ts";

function seeded(): MemoryStore {
  const store = MemoryStore.open(":memory:");
  store.facts.add({ subject: "France", predicate: "capital", object: "Paris" }, {
    confidence: 0.9,
    source: "user",
  });
  store.facts.add({ subject: "France", predicate: "capital", object: "Lyon" }, { confidence: 0.9 });
  store.facts.add({ subject: "Venus", predicate: "has", object: "moons", negated: true });
  return store;
}

const summary = (store: MemoryStore) =>
  [...store.facts.each()].map((
    f,
  ) => [f.subject, f.predicate, f.object, f.negated, f.confidence, f.supersededBy !== null]);

Deno.test("importFacts() of an export reproduces the facts, their confidence and which is current", async () => {
  const source = seeded();
  const lines = [...exportFacts(source)];
  assert.equal(lines.length, 3);
  assert.ok(lines.every((l) => l.endsWith("\n") && JSON.parse(l).kind === "fact"));
  const target = MemoryStore.open(":memory:");
  const report = await importFacts(target, lines);
  assert.deepEqual(report, { imported: 3, skipped: 0, errors: [] });
  assert.deepEqual(summary(target), summary(source));
  assert.equal(target.facts.query({ subject: "france" })[0].source, "user");
  source.close();
  target.close();
});

Deno.test("importFacts() twice changes nothing", async () => {
  const source = seeded();
  const lines = [...exportFacts(source)];
  const target = MemoryStore.open(":memory:");
  await importFacts(target, lines);
  const once = summary(target);
  await importFacts(target, lines);
  assert.deepEqual(summary(target), once);
  source.close();
  target.close();
});

Deno.test("importFacts() skips bad lines, reporting each by line number, and imports the rest", async () => {
  const store = MemoryStore.open(":memory:");
  const good = JSON.stringify({ subject: "a", predicate: "is a", object: "b" });
  const lines: (string | Uint8Array)[] = [
    good,
    "{not json",
    "",
    new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]),
    JSON.stringify({ kind: "message", subject: "x" }),
    JSON.stringify({ subject: "  ", predicate: "p", object: "o" }),
    "[1,2]",
    JSON.stringify({ subject: "c'; DROP TABLE facts; --", predicate: "is a", object: "d" }),
  ];
  const report = await importFacts(store, lines);
  assert.equal(report.imported, 2);
  assert.equal(report.skipped, 5);
  assert.deepEqual(report.errors.map((e) => e.line), [2, 4, 5, 6, 7]);
  assert.match(report.errors[1].message, /UTF-8/);
  assert.match(report.errors[3].message, /subject/);
  assert.equal(store.facts.query({ subject: "c'; DROP TABLE facts; --" }).length, 1);
  store.close();
});

Deno.test("byteLines() splits a byte stream into lines across chunk boundaries", async () => {
  const chunks = ["ab", "c\nde", "f\n\ng", "h"].map((s) => new TextEncoder().encode(s));
  const stream = ReadableStream.from(chunks);
  const lines: string[] = [];
  for await (const line of byteLines(stream)) lines.push(new TextDecoder().decode(line));
  assert.deepEqual(lines, ["abc", "def", "", "gh"]);
});
