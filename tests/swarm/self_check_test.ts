import assert from "node:assert/strict";
import { evaluateArithmetic, selfCheck } from "../../swarm/self_check.ts";

Deno.test("evaluateArithmetic follows precedence, parentheses and unary minus", () => {
  assert.equal(evaluateArithmetic("47 + 38"), 85);
  assert.equal(evaluateArithmetic("2 + 3 * 4"), 14);
  assert.equal(evaluateArithmetic("(2 + 3) * 4"), 20);
  assert.equal(evaluateArithmetic("2 ^ 3 ^ 2"), 512);
  assert.equal(evaluateArithmetic("10 - -2"), 12);
  assert.equal(evaluateArithmetic("7 ÷ 2"), 3.5);
});

Deno.test("evaluateArithmetic rejects malformed input instead of guessing", () => {
  assert.equal(evaluateArithmetic("2 +"), null);
  assert.equal(evaluateArithmetic("(2 + 3"), null);
  assert.equal(evaluateArithmetic("1 / 0"), null);
  assert.equal(evaluateArithmetic("2 x 3"), null);
});

Deno.test("selfCheck judges arithmetic answers and leaves other tasks alone", () => {
  assert.equal(selfCheck("What is 47 + 38?", "85"), "success");
  assert.equal(selfCheck("What is 47 + 38?", "The answer is 85."), "success");
  assert.equal(selfCheck("What is 47 + 38?", "84"), "failure");
  assert.equal(selfCheck("What is 47 + 38?", "eighty"), "failure");
  assert.equal(selfCheck("What is 1200 + 34?", "1,234"), "success");
  assert.equal(selfCheck("Reverse the list: 1 2 3", "3 2 1"), null);
  assert.equal(selfCheck("What is the capital of Peru?", "Lima"), null);
  assert.equal(selfCheck("What is 1 + 2 and 3 + 4?", "3"), null);
});

Deno.test("selfCheck fails an empty answer to any question", () => {
  assert.equal(selfCheck("Reverse the list: 1 2 3", "  "), "failure");
  assert.equal(selfCheck("Uppercase: abc", ""), "failure");
});
