/** splitSentences(): prose into sentences. */
import assert from "node:assert/strict";
import { splitSentences } from "../../memory/mod.ts";

Deno.test("splitSentences() splits on final punctuation but not after titles, initials or e.g.", () => {
  assert.deepEqual(
    splitSentences(
      "Dr. Smith met J. R. R. Tolkien. Was it fun? Yes! Fruits, e.g. apples, are sweet.",
    ),
    ["Dr. Smith met J. R. R. Tolkien.", "Was it fun?", "Yes!", "Fruits, e.g. apples, are sweet."],
  );
});

Deno.test("splitSentences() drops code blocks and markdown decoration, and splits lines", () => {
  assert.deepEqual(
    splitSentences("# Title\n- **Mars** is red\n```ts\nconst x = 1.\n```\n1. Venus is hot"),
    ["Title", "Mars is red", "Venus is hot"],
  );
});

Deno.test("splitSentences() keeps decimals inside a sentence", () => {
  assert.deepEqual(splitSentences("Pi is 3.14 roughly. Next."), ["Pi is 3.14 roughly.", "Next."]);
});
