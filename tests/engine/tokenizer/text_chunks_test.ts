/**
 * Chunking long text for encoding: chunks rebuild the text, respect their bounds, keep added
 * tokens whole, and every safe cut is a word boundary of every supported pre-tokenizer family.
 * @module
 */
import assert from "node:assert/strict";
import { Tokenizer } from "../../../engine/tokenizer/mod.ts";
import {
  chunkForEncoding,
  isSafeCut,
  supportsChunking,
} from "../../../engine/tokenizer/text_chunks.ts";
import { FIXTURE_DIR } from "../../fixture_paths.ts";
import { ggufMetadata, HARD_STRINGS } from "./fixture_tokenizers.ts";

const FAMILIES = [
  "qwen2",
  "llama-bpe",
  "gpt-2",
  "default",
  "starcoder",
  "falcon",
  "chatglm-bpe",
  "tekken",
  "gpt-4o",
];

const CORPUS = [
  "def tokenize(text: str) -> list[int]:\n    return [ord(c) % 256 for c in text]  # x=a+b/c*d-e%f\n",
  '{"key":"value","n":[1,2,3.5e10],"ok":true} it\'s DON\'T you\'ll naïve café',
  "中文，测试。ÜBER straße 12345abc def678 0xFF a|b a^b a~b a`b a'b (p) [b] {c} <tag/>",
  ...HARD_STRINGS,
].join("\n");

/** Cuts away from added tokens (those are handled by chunkForEncoding, not isSafeCut). */
function safeCuts(text: string): number[] {
  const cuts = [];
  for (let i = 1; i < text.length; i++) {
    const near = text.slice(Math.max(0, i - 13), i + 13);
    if (isSafeCut(text, i) && !/<\||\|>|think>/.test(near)) cuts.push(i);
  }
  return cuts;
}

Deno.test("every safe cut is a word boundary for every supported pre-tokenizer family", async () => {
  const cuts = safeCuts(CORPUS);
  assert.ok(cuts.length > 100, `${cuts.length} cuts`);
  for (const pre of FAMILIES) {
    const metadata = new Map(await ggufMetadata()).set("tokenizer.ggml.pre", pre);
    const tokenizer = Tokenizer.fromGgufMetadata(metadata);
    const whole = tokenizer.encode(CORPUS);
    for (const cut of cuts) {
      const parts = [
        ...tokenizer.encode(CORPUS.slice(0, cut)),
        ...tokenizer.encode(CORPUS.slice(cut)),
      ];
      assert.deepEqual(
        parts,
        whole,
        `${pre}: cut before ${JSON.stringify(CORPUS.slice(cut, cut + 8))}`,
      );
    }
  }
});

Deno.test("isSafeCut refuses cuts inside words, numbers and contractions", () => {
  assert.ok(isSafeCut("ab cd", 2) && isSafeCut("ab,cd", 2) && isSafeCut("ab12", 2));
  assert.ok(isSafeCut("12ab", 2) && isSafeCut("x\n", 1));
  for (
    const [text, at] of [["abcd", 2], ["ab cd", 3], ["it's", 2], ["1234", 2], [" ,x", 1]] as const
  ) {
    assert.ok(!isSafeCut(text, at), `${text} at ${at}`);
  }
  assert.ok(!isSafeCut("😀 ", 2), "never next to a surrogate");
  assert.ok(!isSafeCut("ab", 0) && !isSafeCut("ab", 2));
});

Deno.test("chunks rebuild the text and stay within their bounds", () => {
  // Without the 300-letter word, which has no safe cut inside (a forced cut would be right).
  const text = CORPUS.replace("x".repeat(300), "x y ".repeat(20)).repeat(20);
  const chunks = chunkForEncoding(text, { minChars: 100, maxChars: 200, addedTokens: [] });
  assert.equal(chunks.join(""), text);
  assert.ok(chunks.length > 20);
  let at = 0;
  for (const chunk of chunks.slice(0, -1)) {
    assert.ok(chunk.length > 100 && chunk.length <= 200, `${chunk.length} chars`);
    at += chunk.length;
    assert.ok(isSafeCut(text, at), `cut at ${at} is not a safe one`);
  }
});

Deno.test("no chunk boundary lands inside or right beside an added token", () => {
  const tokens = ["<|im_start|>", "<|im_end|>"];
  const text = "ab<|im_start|>cd<|im_end|>".repeat(2000);
  const chunks = chunkForEncoding(text, { minChars: 10, maxChars: 40, addedTokens: tokens });
  assert.equal(chunks.join(""), text);
  let at = 0;
  for (const chunk of chunks.slice(0, -1)) {
    at += chunk.length;
    const around = text.slice(at - 13, at + 13);
    assert.ok(!tokens.some((t) => around.includes(t)), `cut near a token: ${around}`);
  }
});

Deno.test("a forced cut in a giant word never splits a surrogate pair or strips a mark", () => {
  for (const word of ["😀".repeat(5000), "e\u0301".repeat(5000), "👨‍👩‍👧".repeat(2000)]) {
    const chunks = chunkForEncoding(word, { minChars: 64, maxChars: 128, addedTokens: [] });
    assert.equal(chunks.join(""), word);
    assert.ok(chunks.length > 10);
    for (const chunk of chunks) {
      assert.ok(chunk.isWellFormed(), "no lone surrogate");
      assert.ok(!/^[\p{M}\u200d]/u.test(chunk), "does not start with a mark or joiner");
    }
  }
});

Deno.test("a wall of added tokens is left whole rather than cut through a token", () => {
  const text = "<|im_end|>".repeat(100);
  const chunks = chunkForEncoding(text, {
    minChars: 10,
    maxChars: 40,
    addedTokens: ["<|im_end|>"],
  });
  assert.deepEqual(chunks, [text]);
});

Deno.test("supportsChunking accepts byte-level tokenizers and refuses others", async () => {
  const qwen = JSON.parse(await Deno.readTextFile(`${FIXTURE_DIR}/tokenizer.json`));
  assert.ok(supportsChunking(qwen));
  const bare = {
    ...qwen,
    pre_tokenizer: { type: "ByteLevel", add_prefix_space: false, use_regex: true },
  };
  assert.ok(supportsChunking(bare), "ByteLevel with its own GPT-2 regex");
  const refused = [
    { ...qwen, pre_tokenizer: { type: "Metaspace", replacement: "▁", prepend_scheme: "first" } },
    { ...bare, pre_tokenizer: { ...bare.pre_tokenizer, add_prefix_space: true } },
    { ...qwen, normalizer: { type: "Lowercase" } },
    { ...qwen, model: { ...qwen.model, type: "Unigram" } },
    {
      ...qwen,
      pre_tokenizer: {
        type: "Sequence",
        pretokenizers: [
          { type: "Split", pattern: { Regex: "\\w+" }, behavior: "Isolated", invert: false },
          { type: "ByteLevel", add_prefix_space: false, use_regex: false },
        ],
      },
    },
  ];
  for (const json of refused) {
    assert.ok(!supportsChunking(json), JSON.stringify(json.pre_tokenizer));
  }
});
