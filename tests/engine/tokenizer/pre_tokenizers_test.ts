/**
 * The GGUF pre-tokenizer table: Qwen's and Llama 3's splits are the ones their tokenizer.json
 * files state, flags follow llama.cpp, unknown names are refused.
 * @module
 */
import assert from "node:assert/strict";
import { TokenizerError } from "../../../engine/tokenizer/mod.ts";
import {
  CHUNK_SAFE_SPLITS,
  preTokenizerFamily,
  QWEN2_SPLIT,
} from "../../../engine/tokenizer/pre_tokenizers.ts";
import { FIXTURE_DIR } from "../../fixture_paths.ts";

Deno.test("the qwen2 family splits exactly as Qwen's tokenizer.json does", async () => {
  const json = JSON.parse(await Deno.readTextFile(`${FIXTURE_DIR}/tokenizer.json`));
  const split = json.pre_tokenizer.pretokenizers[0];
  assert.equal(split.pattern.Regex, QWEN2_SPLIT);
  const qwen2 = preTokenizerFamily("qwen2");
  assert.deepEqual(qwen2.splits, [QWEN2_SPLIT]);
  assert.equal(qwen2.normalizer, json.normalizer.type);
  assert.equal(qwen2.addBos, false);
  assert.equal(qwen2.cleanSpaces, false);
});

Deno.test("llama.cpp's flags: Llama 3 adds BOS and ignores merges, GPT-2 cleans spaces", () => {
  const llama3 = preTokenizerFamily("llama-bpe");
  assert.ok(llama3.addBos && llama3.ignoreMerges);
  assert.match(llama3.splits[0], /\\p\{N\}\{1,3\}/);
  assert.ok(preTokenizerFamily("gpt-2").cleanSpaces);
  assert.equal(preTokenizerFamily("default").splits.length, 4);
});

Deno.test("every family's splits compile as Unicode regular expressions (after (?i:) folding)", () => {
  for (const splits of CHUNK_SAFE_SPLITS) {
    for (const split of splits) {
      const js = split.replace(/\(\?i:([^)]*)\)/g, "(?:$1)");
      assert.doesNotThrow(() => new RegExp(js, "gu"), split);
    }
  }
});

Deno.test("an unknown pre-tokenizer name throws TokenizerError", () => {
  assert.throws(() => preTokenizerFamily("nope"), TokenizerError);
});
