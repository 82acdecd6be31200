/**
 * Tokenizer from the fixture's tokenizer.json: golden prompt ids and chat prompts, round trips,
 * stop ids, odd and huge input, and the errors it throws.
 * @module
 */
import assert from "node:assert/strict";
import { Tokenizer as HfTokenizer } from "npm:@huggingface/tokenizers@0.2.0";
import { ChatTemplateError, Tokenizer, TokenizerError } from "../../../engine/tokenizer/mod.ts";
import { FIXTURE_DIR } from "../../fixture_paths.ts";
import { goldenCases, HARD_STRINGS, qwenTokenizer } from "./fixture_tokenizers.ts";

const IM_START = 151644, IM_END = 151645, ENDOFTEXT = 151643, THINK = 151667;

async function fixtureJson(name: string) {
  return JSON.parse(await Deno.readTextFile(`${FIXTURE_DIR}/${name}`));
}

Deno.test("encode reproduces every golden prompt_ids from its rendered text", async () => {
  const tokenizer = await qwenTokenizer();
  for (const golden of await goldenCases()) {
    assert.deepEqual(tokenizer.encode(golden.rendered), golden.prompt_ids, golden.input);
  }
});

Deno.test("renderChat renders every golden chat prompt byte for byte", async () => {
  const tokenizer = await qwenTokenizer();
  const chats = (await goldenCases()).filter((golden) => golden.chat);
  assert.ok(chats.length >= 7);
  for (const golden of chats) {
    const rendered = tokenizer.renderChat([{ role: "user", content: golden.input }]);
    assert.equal(rendered, golden.rendered);
    assert.deepEqual(tokenizer.encode(rendered), golden.prompt_ids);
  }
});

Deno.test("decode(encode(text)) gives back the text", async () => {
  const tokenizer = await qwenTokenizer();
  const texts = [...(await goldenCases()).map((golden) => golden.rendered), ...HARD_STRINGS];
  for (const text of texts) {
    // NFC is the one change encoding makes (Qwen's normalizer).
    assert.equal(tokenizer.decode(tokenizer.encode(text)), text.normalize("NFC"));
  }
});

Deno.test("the fixture's tokenizer knows its size, BOS, stop ids and special tokens", async () => {
  const tokenizer = await qwenTokenizer();
  assert.equal(tokenizer.vocabSize, 151669);
  assert.equal(tokenizer.bosId, ENDOFTEXT);
  assert.deepEqual(tokenizer.stopIds, [ENDOFTEXT, IM_END]);
  assert.equal(tokenizer.tokenToId("<|im_start|>"), IM_START);
  assert.equal(tokenizer.idToToken(IM_END), "<|im_end|>");
  assert.equal(tokenizer.idToToken(tokenizer.vocabSize), undefined);
  assert.equal(tokenizer.idToToken(-1), undefined);
  assert.ok(tokenizer.isSpecial(IM_END) && tokenizer.isSpecial(IM_START));
  assert.ok(!tokenizer.isSpecial(THINK), "<think> is an added token but not a special one");
  assert.ok(!tokenizer.isSpecial(tokenizer.encode("Hello")[0]));
  assert.match(tokenizer.chatTemplate ?? "", /<\|im_start\|>/);
});

Deno.test("decode skips special tokens on request and leaves out ids it does not know", async () => {
  const tokenizer = await qwenTokenizer();
  const ids = [IM_START, ...tokenizer.encode("hi"), IM_END];
  assert.equal(tokenizer.decode(ids), "<|im_start|>hi<|im_end|>");
  assert.equal(tokenizer.decode(ids, { skipSpecialTokens: true }), "hi");
  assert.equal(tokenizer.decode([...ids, 999_999, -3, 1.5]), "<|im_start|>hi<|im_end|>");
  assert.equal(tokenizer.decode([]), "");
  assert.equal(tokenizer.decode([999_999]), "");
});

Deno.test("encode never throws on lone surrogates, NUL or control characters", async () => {
  const tokenizer = await qwenTokenizer();
  const odd = "a\ud800b\udc00c\u0000d\u001b[31me\u202e\ufeff";
  const ids = tokenizer.encode(odd);
  assert.ok(ids.length > 0);
  assert.equal(tokenizer.decode(ids), "a\ufffdb\ufffdc\u0000d\u001b[31me\u202e\ufeff");
  assert.deepEqual(tokenizer.encode(""), []);
});

Deno.test("a text longer than one chunk encodes to the ids of encoding it whole", async () => {
  const tokenizer = await qwenTokenizer();
  const reference = new HfTokenizer(
    await fixtureJson("tokenizer.json"),
    await fixtureJson("tokenizer_config.json"),
  );
  const source = await Deno.readTextFile(`${FIXTURE_DIR}/train.py`);
  const text = [source, ...HARD_STRINGS, source, HARD_STRINGS.join(" "), source, source, source]
    .join("\n");
  assert.ok(text.length > 3 * 16384, "several chunks");
  const whole = reference.encode(text, { add_special_tokens: false }).ids;
  assert.deepEqual(tokenizer.encode(text), whole);
});

Deno.test("a 10 MB single line encodes without throwing and decodes back to itself", async () => {
  const tokenizer = await qwenTokenizer();
  const record = '{"id":12345,"name":"synapse","tags":["a","b"],"score":0.75,"note":"ünï 中文"},';
  const line = record.repeat(Math.ceil(10_000_000 / record.length));
  const started = performance.now();
  const ids = tokenizer.encode(line);
  const seconds = (performance.now() - started) / 1000;
  console.log(`10 MB line: ${ids.length} tokens in ${seconds.toFixed(2)} s`);
  assert.equal(tokenizer.decode(ids), line);
});

Deno.test("a giant word with nowhere to cut (1M CJK characters) encodes and decodes back", async () => {
  const tokenizer = await qwenTokenizer();
  const word = "中文".repeat(500_000);
  const ids = tokenizer.encode(word);
  // "中文" is one token; a forced cut may split a pair, nothing more.
  assert.ok(ids.length >= 500_000 && ids.length < 500_100, `${ids.length} tokens`);
  assert.equal(tokenizer.decode(ids), word);
});

Deno.test("fromFiles names the folder when tokenizer.json is missing", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await assert.rejects(
      () => Tokenizer.fromFiles(dir),
      (error: Error) => error instanceof TokenizerError && error.message.includes(dir),
    );
    await Deno.writeTextFile(`${dir}/tokenizer.json`, "{ not json");
    await assert.rejects(() => Tokenizer.fromFiles(dir), /tokenizer\.json is not valid JSON/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("fromJson throws TokenizerError for a tokenizer.json it cannot load", () => {
  assert.throws(() => Tokenizer.fromJson({ model: { type: "Nope" } }, {}), TokenizerError);
});

Deno.test("renderChat without a chat template throws ChatTemplateError pointing at --raw", async () => {
  const config = await fixtureJson("tokenizer_config.json");
  delete config.chat_template;
  const tokenizer = Tokenizer.fromJson(await fixtureJson("tokenizer.json"), config);
  assert.equal(tokenizer.chatTemplate, undefined);
  assert.throws(
    () => tokenizer.renderChat([{ role: "user", content: "hi" }]),
    (error: Error) =>
      error instanceof ChatTemplateError && /no chat template/.test(error.message) &&
      error.message.includes("--raw"),
  );
});

Deno.test("renderChat honours addGenerationPrompt, enableThinking and tools", async () => {
  const tokenizer = await qwenTokenizer();
  const messages = [{ role: "user" as const, content: "hi" }];
  assert.equal(
    tokenizer.renderChat(messages, { addGenerationPrompt: false }),
    "<|im_start|>user\nhi<|im_end|>\n",
  );
  assert.ok(
    tokenizer.renderChat(messages, { enableThinking: true }).endsWith("<|im_start|>assistant\n"),
  );
  const tool = { type: "function", function: { name: "get_time", parameters: {} } };
  const withTools = tokenizer.renderChat(messages, { tools: [tool] });
  assert.ok(withTools.startsWith("<|im_start|>system\n# Tools"));
  assert.ok(withTools.includes('"name": "get_time"'));
});

Deno.test("renderChat uses the tool_use template of a named list when tools are given", async () => {
  const config = {
    ...(await fixtureJson("tokenizer_config.json")),
    chat_template: [
      { name: "default", template: "plain:{{ messages[0].content }}" },
      { name: "tool_use", template: "tools:{{ tools | length }}" },
    ],
  };
  const tokenizer = Tokenizer.fromJson(await fixtureJson("tokenizer.json"), config);
  const messages = [{ role: "user" as const, content: "hi" }];
  assert.equal(tokenizer.chatTemplate, "plain:{{ messages[0].content }}");
  assert.equal(tokenizer.renderChat(messages), "plain:hi");
  assert.equal(tokenizer.renderChat(messages, { tools: [{}, {}] }), "tools:2");
});
