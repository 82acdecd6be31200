/**
 * The flags of `synapse run`: defaults, variables as fallbacks, and bad values refused by name
 * before any model is loaded.
 */
import assert from "node:assert/strict";
import { parseCommandArgs, UsageError } from "../../cli/options.ts";
import { joinNegativeValues, RUN_SPEC, runOptions } from "../../cli/run_options.ts";
import { tempCli } from "./cli_env.ts";

function parse(argv: string[], vars: Record<string, string> = {}) {
  return runOptions(parseCommandArgs(RUN_SPEC, joinNegativeValues(argv), vars));
}

Deno.test("run defaults to the chat template, greedy sampling and 256 tokens", () => {
  const options = parse(["default", "hi"]);
  assert.equal(options.model, "default");
  assert.equal(options.prompt, "hi");
  assert.equal(options.chat, true);
  assert.equal(options.adapter, null);
  assert.equal(options.maxTokens, 256);
  assert.equal(options.sampling.temperature, 0);
  assert.equal(options.json, false);
  assert.equal(parse(["default"]).prompt, null);
});

Deno.test("run takes sampling flags, and their SYNAPSE_* variables when a flag is absent", () => {
  const flags = parse([
    "m.gguf",
    "p",
    "--raw",
    "--temperature",
    "0.7",
    "--top-k",
    "40",
    "--top-p",
    ".9",
    "--seed",
    "42",
    "--max-tokens",
    "5",
    "--adapter",
    "a/math",
    "--json",
  ]);
  assert.equal(flags.chat, false);
  assert.deepEqual(flags.sampling, { temperature: 0.7, topK: 40, topP: 0.9, seed: 42 });
  assert.equal(flags.maxTokens, 5);
  assert.equal(flags.adapter, "a/math");
  assert.equal(flags.json, true);
  const vars = parse(["m.gguf", "p", "--seed", "7"], {
    SYNAPSE_SEED: "1",
    SYNAPSE_TEMPERATURE: "1.5",
    SYNAPSE_RAW: "1",
  });
  assert.equal(vars.sampling.seed, 7);
  assert.equal(vars.sampling.temperature, 1.5);
  assert.equal(vars.chat, false);
});

Deno.test("run refuses each bad number with a message naming the flag and the value", () => {
  const cases: [string[], RegExp][] = [
    [["--max-tokens", "-3"], /--max-tokens .*"-3"/],
    [["--max-tokens", "0"], /--max-tokens .*"0"/],
    [["--max-tokens", "2.5"], /--max-tokens .*"2.5"/],
    [["--temperature", "-0.1"], /--temperature .*"-0.1"/],
    [["--temperature", "warm"], /--temperature .*"warm"/],
    [["--top-k", "-1"], /--top-k .*"-1"/],
    [["--top-p", "0"], /--top-p .*"0"/],
    [["--top-p", "1.5"], /--top-p .*"1.5"/],
    [["--seed", "4294967296"], /--seed .*"4294967296"/],
    [["--seed", "0x10"], /--seed .*"0x10"/],
  ];
  for (const [flags, message] of cases) {
    assert.throws(() => parse(["default", "hi", ...flags]), (error: Error) => {
      assert.ok(error instanceof UsageError, flags.join(" "));
      assert.match(error.message, message);
      return true;
    });
  }
  assert.throws(
    () => parse(["default", "hi"], { SYNAPSE_MAX_TOKENS: "many" }),
    /SYNAPSE_MAX_TOKENS/,
  );
});

Deno.test("run refuses --raw together with --chat", () => {
  assert.throws(() => parse(["default", "hi", "--raw", "--chat"]), /--raw and --chat/);
});

Deno.test("a negative number after a number flag is its value, but not after `--`", () => {
  assert.deepEqual(joinNegativeValues(["m", "--seed", "-1", "p"]), ["m", "--seed=-1", "p"]);
  assert.deepEqual(joinNegativeValues(["m", "--", "--seed", "-1"]), ["m", "--", "--seed", "-1"]);
  assert.deepEqual(joinNegativeValues(["m", "--raw", "-1"]), ["m", "--raw", "-1"]);
});

Deno.test("run --help shows usage, every flag with its variable, and exits 0", async () => {
  const cli = await tempCli();
  try {
    const help = await cli.run(["run", "--help"]);
    assert.equal(help.code, 0);
    assert.match(help.out, /Usage: synapse run MODEL \[PROMPT\]/);
    for (const sw of RUN_SPEC.switches ?? []) {
      assert.match(help.out, new RegExp(`--${sw.name}\\b.*\\(${sw.env}\\)`), sw.name);
    }
    const missing = await cli.run(["run"]);
    assert.notEqual(missing.code, 0);
    assert.match(missing.err, /usage: synapse run MODEL/);
  } finally {
    await cli.cleanup();
  }
});
