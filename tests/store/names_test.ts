import assert from "node:assert/strict";
import { InvalidModelNameError, isValidModelName, parseModelName } from "../../store/mod.ts";

Deno.test("parseModelName() splits name and tag, defaulting the tag to latest", () => {
  assert.deepEqual(parseModelName("qwen3:0.6b"), { model: "qwen3", tag: "0.6b" });
  assert.deepEqual(parseModelName("Qwen2.5"), { model: "qwen2.5", tag: "latest" });
  assert.deepEqual(parseModelName("tiny-qwen3:q8_0"), { model: "tiny-qwen3", tag: "q8_0" });
});

Deno.test("names that could reach the file system as paths are rejected", () => {
  const bad = [
    "../etc",
    "a/b",
    "a%2Fb",
    "/abs/path",
    "..",
    "a:..",
    "a..b",
    "a\\b",
    ":tag",
    "a:b:c",
    "",
    "x".repeat(10_000),
    ".hidden",
    "a\0b",
  ];
  for (const name of bad) {
    assert.throws(() => parseModelName(name), InvalidModelNameError, JSON.stringify(name));
    assert.equal(isValidModelName(name), false);
  }
});

Deno.test("an invalid-name error says what was expected and truncates long names", () => {
  assert.throws(
    () => parseModelName("y".repeat(10_000)),
    (e: Error) => e.message.length < 400 && /expected NAME or NAME:TAG/.test(e.message),
  );
});
