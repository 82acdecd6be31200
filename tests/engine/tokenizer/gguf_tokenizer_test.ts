/**
 * The tokenizer built from GGUF metadata (tiny-Q8_0.gguf) against the one built from
 * tokenizer.json: same ids, same chat prompts, same stop ids; and the errors for what it refuses.
 * @module
 */
import assert from "node:assert/strict";
import type { ChatMessage } from "../../../engine/types.ts";
import { Tokenizer, TokenizerError } from "../../../engine/tokenizer/mod.ts";
import {
  ggufMetadata,
  goldenCases,
  HARD_STRINGS,
  qwenGgufTokenizer,
  qwenTokenizer,
} from "./fixture_tokenizers.ts";

const ENDOFTEXT = 151643;

async function metadataWith(changes: Record<string, unknown>): Promise<Map<string, unknown>> {
  const metadata = new Map(await ggufMetadata());
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) metadata.delete(key);
    else metadata.set(key, value);
  }
  return metadata;
}

Deno.test("the GGUF tokenizer gives the tokenizer.json ids for golden prompts and hard strings", async () => {
  const [gguf, json] = [await qwenGgufTokenizer(), await qwenTokenizer()];
  for (const golden of await goldenCases()) {
    assert.deepEqual(gguf.encode(golden.rendered), golden.prompt_ids, golden.input);
  }
  for (const text of HARD_STRINGS) {
    const ids = gguf.encode(text);
    assert.deepEqual(ids, json.encode(text), JSON.stringify(text));
    assert.equal(gguf.decode(ids), json.decode(ids));
  }
});

Deno.test("the GGUF tokenizer renders the same chat prompts as tokenizer.json", async () => {
  const [gguf, json] = [await qwenGgufTokenizer(), await qwenTokenizer()];
  assert.equal(gguf.chatTemplate, json.chatTemplate);
  for (const golden of (await goldenCases()).filter((g) => g.chat)) {
    const messages: ChatMessage[] = [{ role: "user", content: golden.input }];
    assert.equal(gguf.renderChat(messages), golden.rendered);
  }
  const conversation: ChatMessage[] = [
    { role: "system", content: "Be brief." },
    { role: "user", content: "Time?" },
    {
      role: "assistant",
      content: "<think>call the tool</think>",
      tool_calls: [{ function: { name: "now", arguments: { tz: "UTC" } } }],
    },
    { role: "tool", content: "12:00" },
    { role: "assistant", content: "Noon." },
    { role: "user", content: "Thanks" },
  ];
  const tools = [{ type: "function", function: { name: "now", parameters: {} } }];
  const rendered = gguf.renderChat(conversation, { tools });
  assert.equal(rendered, json.renderChat(conversation, { tools }));
  assert.ok(rendered.includes("<tool_response>\n12:00\n</tool_response>"));
});

Deno.test("the GGUF tokenizer has the same stop ids, BOS and special tokens", async () => {
  const [gguf, json] = [await qwenGgufTokenizer(), await qwenTokenizer()];
  assert.deepEqual(gguf.stopIds, json.stopIds);
  assert.equal(gguf.bosId, json.bosId);
  assert.equal(gguf.vocabSize, 151936, "GGUF pads the vocabulary to the embedding rows");
  for (const token of ["<|im_start|>", "<|im_end|>", "<think>", "<tool_call>", "Hello"]) {
    const id = json.tokenToId(token)!;
    assert.equal(gguf.tokenToId(token), id, token);
    assert.equal(gguf.isSpecial(id), json.isSpecial(id), token);
  }
  const ids = gguf.encode("<|im_start|>user\nhi<|im_end|>");
  assert.equal(gguf.decode(ids, { skipSpecialTokens: true }), "user\nhi");
});

Deno.test("add_bos_token puts the BOS id first, only when special tokens are asked for", async () => {
  const tokenizer = Tokenizer.fromGgufMetadata(
    await metadataWith({ "tokenizer.ggml.add_bos_token": true }),
  );
  const plain = tokenizer.encode("hi");
  assert.deepEqual(tokenizer.encode("hi", { addSpecialTokens: true }), [ENDOFTEXT, ...plain]);
  const long = "word ".repeat(10_000);
  const ids = tokenizer.encode(long, { addSpecialTokens: true });
  assert.equal(ids[0], ENDOFTEXT);
  assert.equal(ids.filter((id) => id === ENDOFTEXT).length, 1, "one BOS for a chunked text");
  assert.deepEqual(ids.slice(1), tokenizer.encode(long));
});

Deno.test("llama-bpe models add BOS by default; an explicit add_bos_token wins", async () => {
  const byDefault = Tokenizer.fromGgufMetadata(
    await metadataWith({
      "tokenizer.ggml.pre": "llama-bpe",
      "tokenizer.ggml.add_bos_token": undefined,
    }),
  );
  assert.equal(byDefault.encode("hi", { addSpecialTokens: true })[0], ENDOFTEXT);
  const qwen = await qwenGgufTokenizer();
  assert.notEqual(qwen.encode("hi", { addSpecialTokens: true })[0], ENDOFTEXT);
});

Deno.test("a SentencePiece GGUF vocabulary throws TokenizerError saying it is not supported yet", async () => {
  const metadata = await metadataWith({ "tokenizer.ggml.model": "llama" });
  assert.throws(
    () => Tokenizer.fromGgufMetadata(metadata),
    (error: Error) =>
      error instanceof TokenizerError && /SentencePiece.*not supported/.test(error.message),
  );
});

Deno.test("an unknown tokenizer.ggml.pre throws TokenizerError listing the known ones", async () => {
  const metadata = await metadataWith({ "tokenizer.ggml.pre": "mystery-bpe" });
  assert.throws(
    () => Tokenizer.fromGgufMetadata(metadata),
    (error: Error) =>
      error instanceof TokenizerError && error.message.includes('"mystery-bpe"') &&
      error.message.includes("qwen2"),
  );
});

Deno.test("missing or inconsistent tokenizer metadata throws TokenizerError naming the key", async () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ "tokenizer.ggml.tokens": undefined }, /tokenizer\.ggml\.tokens must be an array of strings/],
    [{ "tokenizer.ggml.merges": [1, 2] }, /tokenizer\.ggml\.merges must be an array of strings/],
    [{ "tokenizer.ggml.token_type": new Int32Array(3) }, /token_type must hold 151936 numbers/],
    [{ "tokenizer.ggml.eos_token_id": 999_999 }, /eos_token_id must be a token id below 151936/],
    [
      {
        "tokenizer.ggml.tokens": ["a", "b", "a"],
        "tokenizer.ggml.token_type": undefined,
        "tokenizer.ggml.bos_token_id": undefined,
        "tokenizer.ggml.padding_token_id": undefined,
      },
      /"a" twice/,
    ],
  ];
  for (const [changes, message] of cases) {
    const metadata = await metadataWith({ "tokenizer.ggml.eos_token_id": 1, ...changes });
    assert.throws(
      () => Tokenizer.fromGgufMetadata(metadata),
      (error: Error) => error instanceof TokenizerError && message.test(error.message),
      message.source,
    );
  }
});
