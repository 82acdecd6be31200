import assert from "node:assert/strict";
import { SpecialistConfigError } from "../../swarm/errors.ts";
import {
  isSpecialistName,
  parseSpecialistConfig,
  parseSpecialistConfigs,
} from "../../swarm/specialist.ts";

Deno.test("parseSpecialistConfig reads config.yaml fields, snake_case included", () => {
  const s = parseSpecialistConfig({
    name: "math",
    description: "sums",
    cues: "sum, add ,+",
    system_prompt: "Answer with the number.",
    priority: 3,
    adapter: "adapters/math",
  });
  assert.deepEqual(s, {
    name: "math",
    description: "sums",
    cues: ["sum", "add", "+"],
    systemPrompt: "Answer with the number.",
    priority: 3,
    adapter: "adapters/math",
  });
});

Deno.test("a remote specialist takes an http(s) endpoint and model", () => {
  const s = parseSpecialistConfig({
    name: "big",
    endpoint: { url: "http://127.0.0.1:6901/v1", model: "synapse", api_key: "k" },
  });
  assert.deepEqual(s.endpoint, { url: "http://127.0.0.1:6901/v1", model: "synapse", apiKey: "k" });
});

Deno.test("bad specialist entries fail with messages naming the field", () => {
  const bad: [unknown, RegExp][] = [
    [{ name: "../etc" }, /name: expected/],
    [{ name: "x", priority: "high" }, /priority: expected a number/],
    [{ name: "x", cues: [1] }, /cues: expected a list of strings/],
    [
      { name: "x", adapter: "a", endpoint: { url: "http://h", model: "m" } },
      /either adapter or endpoint/,
    ],
    [
      { name: "x", endpoint: { url: "file:///etc/passwd", model: "m" } },
      /expected http: or https:/,
    ],
    [{ name: "x", endpoint: { url: "http://h" } }, /expected both url and model/],
    [[], /expected an object/],
  ];
  for (const [value, message] of bad) {
    assert.throws(() => parseSpecialistConfig(value), (e: Error) => {
      assert.ok(e instanceof SpecialistConfigError);
      assert.match(e.message, message);
      return true;
    });
  }
});

Deno.test("parseSpecialistConfigs rejects duplicate names", () => {
  assert.throws(
    () => parseSpecialistConfigs([{ name: "a" }, { name: "a" }]),
    /name "a" appears more than once/,
  );
  assert.equal(parseSpecialistConfigs([{ name: "a" }, { name: "b" }]).length, 2);
});

Deno.test("isSpecialistName allows plain names and refuses paths", () => {
  assert.ok(isSpecialistName("python_expert-v2.1"));
  for (const bad of ["", "a/b", "..", "a..b", ".hidden", "x".repeat(65)]) {
    assert.equal(isSpecialistName(bad), false, bad);
  }
});
