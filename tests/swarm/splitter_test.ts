import assert from "node:assert/strict";
import { splitRequest } from "../../swarm/splitter.ts";
import { synthesize } from "../../swarm/synthesizer.ts";

Deno.test("splitRequest separates independent parts and drops the connectors", () => {
  assert.deepEqual(splitRequest("What is 12 + 30? Also reverse the list: 1 2 3"), [
    "What is 12 + 30?",
    "Reverse the list: 1 2 3",
  ]);
  assert.deepEqual(splitRequest("Reverse the list: 4 5 6. Then, what is 7 + 8?"), [
    "Reverse the list: 4 5 6",
    "What is 7 + 8?",
  ]);
  assert.deepEqual(
    splitRequest("What is 1 + 2?\nWhat is the capital of Peru?\nReverse the list: 9 8"),
    [
      "What is 1 + 2?",
      "What is the capital of Peru?",
      "Reverse the list: 9 8",
    ],
  );
});

Deno.test("splitRequest keeps a single question whole", () => {
  assert.deepEqual(splitRequest("What is 47 + 38?"), ["What is 47 + 38?"]);
  assert.deepEqual(splitRequest("  Reverse the list: 3 9 1  "), ["Reverse the list: 3 9 1"]);
  assert.deepEqual(splitRequest("Tell me a story about a dog. Make it short."), [
    "Tell me a story about a dog. Make it short.",
  ]);
});

Deno.test("splitRequest keeps a part that refers back with the part before it", () => {
  assert.deepEqual(splitRequest("What is 12 + 30? Then what is that times 2?"), [
    "What is 12 + 30? Then what is that times 2?",
  ]);
});

Deno.test("splitRequest attaches instructions without a task to the preceding part", () => {
  assert.deepEqual(splitRequest("What is 2 + 2? Be brief. What is the capital of Peru?"), [
    "What is 2 + 2? Be brief.",
    "What is the capital of Peru?",
  ]);
});

Deno.test("synthesize returns a lone answer as is and numbers several in order", () => {
  assert.equal(synthesize([{ request: "q", answer: "42" }]), "42");
  assert.equal(
    synthesize([{ request: "a", answer: "42" }, { request: "b", answer: "3 2 1" }]),
    "1. 42\n2. 3 2 1",
  );
  assert.equal(
    synthesize([{ request: "a", answer: "x\ny" }, { request: "b", answer: "z" }]),
    "1. x\n   y\n2. z",
  );
});
