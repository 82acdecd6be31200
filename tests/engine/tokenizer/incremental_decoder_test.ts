/**
 * IncrementalDecoder over real byte-level BPE ids: characters split across tokens never show
 * as U+FFFD, deltas join to the full decode, and each token decodes only a small window.
 * @module
 */
import assert from "node:assert/strict";
import { IncrementalDecoder, type TokenDecoder } from "../../../engine/tokenizer/mod.ts";
import { HARD_STRINGS, qwenTokenizer } from "./fixture_tokenizers.ts";

function stream(decoder: IncrementalDecoder, ids: readonly number[]): string[] {
  const deltas = ids.map((id) => decoder.push(id));
  deltas.push(decoder.flush());
  return deltas;
}

Deno.test("characters split across tokens never surface as U+FFFD; deltas join to the decode", async () => {
  const tokenizer = await qwenTokenizer();
  const text = "Hello 👨‍👩‍👧‍👦 and 中文测试 naïve 🏳️‍🌈!";
  const ids = tokenizer.encode(text);
  const split = ids.filter((id) => tokenizer.decode([id]).includes("\uFFFD"));
  assert.ok(split.length >= 3, "the text has characters whose bytes span several tokens");
  const deltas = stream(new IncrementalDecoder(tokenizer), ids);
  assert.ok(deltas.every((delta) => !delta.includes("\uFFFD")), JSON.stringify(deltas));
  assert.ok(deltas.includes(""), "held back while a character was incomplete");
  assert.equal(deltas.join(""), text);
});

Deno.test("streams of every hard string join to their full decode", async () => {
  const tokenizer = await qwenTokenizer();
  for (const text of HARD_STRINGS) {
    const ids = tokenizer.encode(text);
    const deltas = stream(new IncrementalDecoder(tokenizer), ids);
    assert.equal(deltas.join(""), tokenizer.decode(ids), JSON.stringify(text));
    assert.ok(deltas.every((delta) => !delta.includes("\uFFFD")));
  }
});

Deno.test("skipSpecialTokens leaves special tokens out of the stream", async () => {
  const tokenizer = await qwenTokenizer();
  const ids = tokenizer.encode("<|im_start|>assistant\nSure.<|im_end|>");
  assert.equal(stream(new IncrementalDecoder(tokenizer), ids).join(""), tokenizer.decode(ids));
  const plain = stream(new IncrementalDecoder(tokenizer, { skipSpecialTokens: true }), ids);
  assert.equal(plain.join(""), "assistant\nSure.");
});

Deno.test("invalid bytes come out as U+FFFD after a few tokens instead of being held forever", async () => {
  const tokenizer = await qwenTokenizer();
  // "¨" alone is the continuation byte 0xA8: invalid UTF-8 on its own.
  const stray = tokenizer.tokenToId("¨")!;
  const words = tokenizer.encode(" one two three four five six");
  const decoder = new IncrementalDecoder(tokenizer);
  const deltas = [decoder.push(stray), ...words.map((id) => decoder.push(id))];
  const emitted = deltas.join("");
  assert.ok(emitted.startsWith("\uFFFD one two"), JSON.stringify(emitted));
  assert.equal(emitted + decoder.flush(), "\uFFFD one two three four five six");
});

Deno.test("flush releases an incomplete character as U+FFFD and resets", async () => {
  const tokenizer = await qwenTokenizer();
  const ids = tokenizer.encode("ok 👨");
  const decoder = new IncrementalDecoder(tokenizer);
  const head = ids.slice(0, -1).map((id) => decoder.push(id)).join("");
  const partial = tokenizer.decode(ids.slice(0, -1));
  assert.ok(partial.endsWith("\uFFFD"), "the last token completes the emoji");
  assert.equal(head + decoder.flush(), partial);
  assert.equal(decoder.push(tokenizer.encode("x")[0]), "x", "fresh after flush");
});

Deno.test("each token decodes a window of a few ids, however long the stream", () => {
  let longest = 0;
  const counting: TokenDecoder = {
    decode(ids) {
      longest = Math.max(longest, ids.length);
      return ids.map((id) => String.fromCharCode(97 + (id % 26))).join("");
    },
  };
  const decoder = new IncrementalDecoder(counting);
  let text = "";
  for (let i = 0; i < 20_000; i++) text += decoder.push(i);
  assert.equal(text.length, 20_000);
  assert.ok(longest <= 3, `decoded ${longest} ids at once`);
});
