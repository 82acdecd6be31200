/**
 * StopStringMatcher: partial stops held back across pushes, exact cuts, several stops, and
 * stops over characters whose bytes arrive in several tokens.
 * @module
 */
import assert from "node:assert/strict";
import { IncrementalDecoder, StopStringMatcher } from "../../../engine/tokenizer/mod.ts";
import { qwenTokenizer } from "./fixture_tokenizers.ts";

Deno.test("a partial stop string is held back across pushes and released when it breaks", () => {
  const matcher = new StopStringMatcher(["STOP"]);
  assert.deepEqual(matcher.push("abc S"), { text: "abc ", stopped: false });
  assert.deepEqual(matcher.push("T"), { text: "", stopped: false });
  assert.deepEqual(matcher.push("Ox"), { text: "STOx", stopped: false });
  assert.deepEqual(matcher.push("done"), { text: "done", stopped: false });
  assert.equal(matcher.flush(), "");
});

Deno.test("a stop split across pushes cuts exactly before it and ends the stream", () => {
  const matcher = new StopStringMatcher(["\n\nUser:"]);
  const shown = ["Answer: 4", "2.\n", "\nUs", "er: next"].map((piece) => matcher.push(piece));
  assert.equal(shown.map((s) => s.text).join(""), "Answer: 42.");
  assert.deepEqual(shown.at(-1), { text: "", stopped: true });
  assert.ok(matcher.stopped);
  assert.deepEqual(matcher.push("more"), { text: "", stopped: true });
  assert.equal(matcher.flush(), "");
});

Deno.test("of several stops the earliest match wins, and a long partial does not hide it", () => {
  const matcher = new StopStringMatcher(["</answer>", "END", "ab"]);
  assert.deepEqual(matcher.push("x </answ"), { text: "x ", stopped: false });
  assert.deepEqual(matcher.push("er END"), { text: "</answer ", stopped: true });
  const other = new StopStringMatcher(["abcd", "bc"]);
  assert.deepEqual(other.push("zab"), { text: "z", stopped: false });
  assert.deepEqual(other.push("c"), { text: "a", stopped: true });
});

Deno.test("text that cannot start a stop is emitted at once; flush releases a partial stop", () => {
  const matcher = new StopStringMatcher(["###"]);
  assert.deepEqual(matcher.push("plain text"), { text: "plain text", stopped: false });
  assert.deepEqual(matcher.push(" ##"), { text: " ", stopped: false });
  assert.equal(matcher.flush(), "##");
});

Deno.test("empty stop strings are ignored", () => {
  const matcher = new StopStringMatcher(["", ""]);
  assert.deepEqual(matcher.push("anything"), { text: "anything", stopped: false });
  assert.deepEqual(new StopStringMatcher([]).push("x"), { text: "x", stopped: false });
});

Deno.test("a held-back partial never splits a surrogate pair", () => {
  const matcher = new StopStringMatcher(["😀!"]);
  const first = matcher.push("hi 😀");
  assert.deepEqual(first, { text: "hi ", stopped: false });
  const second = matcher.push("?");
  assert.deepEqual(second, { text: "😀?", stopped: false });
  assert.ok(first.text.isWellFormed() && second.text.isWellFormed());
});

Deno.test("a stop made of multi-byte characters matches when its bytes span tokens", async () => {
  const tokenizer = await qwenTokenizer();
  const ids = tokenizer.encode("Result 42 👨‍👩‍👧 trailing text");
  const decoder = new IncrementalDecoder(tokenizer);
  const matcher = new StopStringMatcher(["👩‍👧"]);
  let shown = "";
  let stopped = false;
  for (const id of ids) {
    const step = matcher.push(decoder.push(id));
    shown += step.text;
    if (step.stopped) {
      stopped = true;
      break;
    }
  }
  assert.ok(stopped);
  assert.equal(shown, "Result 42 👨‍");
  assert.ok(!shown.includes("\uFFFD"));
});
