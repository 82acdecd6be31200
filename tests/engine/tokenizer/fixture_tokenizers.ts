/**
 * The tiny-qwen3 fixture's tokenizers (from tokenizer.json and from the Q8_0 GGUF), its golden
 * cases, and strings that are hard to tokenize; each loaded once per test file.
 * @module
 */
import { openFileSource, readGguf } from "../../../engine/formats/mod.ts";
import { Tokenizer } from "../../../engine/tokenizer/mod.ts";
import { FIXTURE_DIR } from "../../fixture_paths.ts";

export { type GoldenCase, goldenCases } from "../../golden_cases.ts";

let jsonTokenizer: Promise<Tokenizer> | undefined;
let ggufMetadataPromise: Promise<Map<string, unknown>> | undefined;
let ggufTokenizer: Promise<Tokenizer> | undefined;

/** The tokenizer built from the fixture's tokenizer.json folder. */
export function qwenTokenizer(): Promise<Tokenizer> {
  return jsonTokenizer ??= Tokenizer.fromFiles(FIXTURE_DIR);
}

/** Metadata of gguf/tiny-Q8_0.gguf, as engine/formats reads it. */
export function ggufMetadata(): Promise<Map<string, unknown>> {
  return ggufMetadataPromise ??= (async () => {
    const source = await openFileSource(`${FIXTURE_DIR}/gguf/tiny-Q8_0.gguf`);
    try {
      return (await readGguf(source)).metadata;
    } finally {
      source.close();
    }
  })();
}

/** The tokenizer built from the GGUF file's own metadata. */
export function qwenGgufTokenizer(): Promise<Tokenizer> {
  return ggufTokenizer ??= ggufMetadata().then((m) => Tokenizer.fromGgufMetadata(m));
}

/** Strings where tokenizers commonly disagree. */
export const HARD_STRINGS: readonly string[] = [
  "def main():\r\n\tif x:\r\n\t\treturn 1\r\n\telse:\r\n\t\tpass\r\n",
  "中文测试，你好世界。日本語のテキスト、한국어 텍스트",
  "👨‍👩‍👧‍👦 family, 🏳️‍🌈 flag, 👍🏽 thumbs",
  "12345678 3.14159 1,000,000 0x1F 2024-07-26",
  "<|im_start|>user\nliteral special tokens<|im_end|>\n<think>x</think>",
  "   leading spaces and trailing   ",
  "\n\n\nnewlines\n\n  \n",
  "it's I'M we'll THEY'D don't",
  "cafe\u0301 e\u0301 (decomposed accents)",
  "tab\tand\u3000ideographic\u00a0nbsp",
  '{"key": "value", "list": [1, 2, 3], "nested": {"a": null}}',
  "x".repeat(300),
];
