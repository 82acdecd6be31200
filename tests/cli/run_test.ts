/**
 * `synapse run` as a user runs it: a real `deno run -A main.ts run ...` process against the
 * embedded default model, the fixture's adapters and llama.cpp's reference continuations.
 */
import assert from "node:assert/strict";
import { Tokenizer } from "../../engine/mod.ts";
import { ModelStore } from "../../store/mod.ts";
import { FIXTURE_DIR, REPO_ROOT } from "../fixture_paths.ts";
import { goldenCases } from "../golden_cases.ts";

const IM_END = 151645;

interface RunLine {
  prompt_ids: number[];
  ids: number[];
  text: string;
  runs_on: string;
}

const golden = await goldenCases();
const llamaCppQ8Fibonacci: string = (await Deno.readTextFile(
  `${FIXTURE_DIR}/gguf/llamacpp_greedy.jsonl`,
)).trim().split("\n").map((l) => JSON.parse(l)).find((g) =>
  g.model === "tiny-Q8_0" && g.prompt === "def fibonacci(n):"
).greedy_text;

/** Runs `synapse run ARGS` in a fresh SYNAPSE_HOME; `stdin` is piped in when given. */
async function synapseRun(
  args: string[],
  options: { stdin?: string; home?: string } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const home = options.home ?? await Deno.makeTempDir({ prefix: "synapse-run-" });
  try {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", `${REPO_ROOT}main.ts`, "run", ...args],
      cwd: REPO_ROOT,
      env: { SYNAPSE_HOME: home, NO_COLOR: "1" },
      stdin: options.stdin === undefined ? "null" : "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    if (options.stdin !== undefined) {
      const writer = child.stdin.getWriter();
      await writer.write(new TextEncoder().encode(options.stdin));
      await writer.close();
    }
    const out = await child.output();
    const decoder = new TextDecoder();
    return {
      code: out.code,
      stdout: decoder.decode(out.stdout),
      stderr: decoder.decode(out.stderr),
    };
  } finally {
    if (!options.home) await Deno.remove(home, { recursive: true });
  }
}

/** The last line of `--json` output, parsed; fails with the process's stderr otherwise. */
function lastJsonLine(result: { code: number; stdout: string; stderr: string }): RunLine {
  assert.equal(result.code, 0, result.stderr);
  const lines = result.stdout.trimEnd().split("\n");
  const line = JSON.parse(lines[lines.length - 1]);
  assert.deepEqual(Object.keys(line), ["prompt_ids", "ids", "text", "runs_on"]);
  return line;
}

Deno.test("run --json renders the chat template as the golden prompt and decodes its ids", async () => {
  const line = lastJsonLine(
    await synapseRun(["default", "What is 12 + 30?", "--json", "--max-tokens", "8"]),
  );
  const chat = golden.find((g) => g.adapter === null && g.chat && g.input === "What is 12 + 30?");
  assert.ok(chat, "golden.json has the base chat case");
  assert.deepEqual(line.prompt_ids, chat.prompt_ids);
  assert.ok(line.ids.length >= 1 && line.ids.length <= 8, `${line.ids.length} ids`);
  assert.ok(line.ids.every((id) => Number.isInteger(id) && id >= 0 && id < 151936));
  const tokenizer = await Tokenizer.fromFiles(FIXTURE_DIR);
  assert.equal(line.text, tokenizer.decode(line.ids, { skipSpecialTokens: true }));
});

Deno.test("run --backend gpu and --backend cpu give the golden greedy ids and say what ran", async () => {
  const chat = golden.find((g) => g.adapter === null && g.chat && g.input === "What is 12 + 30?");
  assert.ok(chat);
  const args = ["default", "What is 12 + 30?", "--json", "--max-tokens", "6"];
  const gpu = lastJsonLine(await synapseRun([...args, "--backend", "gpu"]));
  const cpu = lastJsonLine(await synapseRun([...args, "--backend", "cpu"]));
  assert.match(gpu.runs_on, / \(WebGPU\)$/);
  assert.match(cpu.runs_on, /^CPU \(WebAssembly SIMD, \d+ threads?\)$/);
  assert.deepEqual(gpu.ids, cpu.ids);
  assert.deepEqual(gpu.ids, chat.greedy_ids.slice(0, gpu.ids.length));
});

Deno.test("run --backend refuses a backend it does not know, naming the choices", async () => {
  const out = await synapseRun(["default", "hi", "--backend", "tpu"]);
  assert.notEqual(out.code, 0);
  assert.match(out.stderr, /--backend must be one of auto, gpu, cpu, found "tpu"/);
});

Deno.test("run --adapter applies the math LoRA: 47 + 38 is answered 85 and ends on <|im_end|>", async () => {
  const line = lastJsonLine(
    await synapseRun([
      "default",
      "What is 47 + 38?",
      "--adapter",
      `${FIXTURE_DIR}/adapters/math`,
      "--json",
      "--max-tokens",
      "8",
    ]),
  );
  assert.equal(line.text, "85");
  assert.equal(line.ids[line.ids.length - 1], IM_END);
});

Deno.test("run --raw continues text as llama.cpp's greedy Q8_0 run does (first 20 characters)", async () => {
  const line = lastJsonLine(
    await synapseRun(["default", "def fibonacci(n):", "--raw", "--json", "--max-tokens", "12"]),
  );
  assert.deepEqual(
    line.prompt_ids,
    golden.find((g) => g.input === "def fibonacci(n):")?.prompt_ids,
  );
  assert.equal(line.text.slice(0, 20), llamaCppQ8Fibonacci.slice(0, 20));
});

Deno.test("run without --json streams the same text it reports with --json, then a newline", async () => {
  const args = ["default", "def fibonacci(n):", "--raw", "--max-tokens", "12"];
  const streamed = await synapseRun(args);
  assert.equal(streamed.code, 0, streamed.stderr);
  const line = lastJsonLine(await synapseRun([...args, "--json"]));
  assert.equal(streamed.stdout, line.text.endsWith("\n") ? line.text : `${line.text}\n`);
  assert.ok(!streamed.stdout.includes("<|im_end|>"));
});

Deno.test("run reads the prompt from stdin when none is given (one trailing newline dropped)", async () => {
  const adapter = `${FIXTURE_DIR}/gguf/lora-math-f16.gguf`;
  const fromStdin = lastJsonLine(
    await synapseRun(["default", "--adapter", adapter, "--json", "--max-tokens", "4"], {
      stdin: "What is 47 + 38?\n",
    }),
  );
  // The golden prompt of "What is 12 + 30?" with the digits swapped (Qwen's "0".."9" are 15..24);
  // no newline token before <|im_end|>.
  const math = golden.find((g) => g.adapter === "math" && g.input === "What is 12 + 30?")!;
  const expected = [
    ...math.prompt_ids.slice(0, 6),
    19,
    22,
    488,
    220,
    18,
    23,
    ...math.prompt_ids.slice(12),
  ];
  assert.deepEqual(fromStdin.prompt_ids, expected);
  assert.equal(fromStdin.text, "85");
});

Deno.test("run finds a pulled model by its name in SYNAPSE_HOME's store", async () => {
  const home = await Deno.makeTempDir({ prefix: "synapse-run-store-" });
  try {
    const store = new ModelStore(`${home}/models`);
    const staging = store.stagingDir("tiny:q8");
    await Deno.mkdir(staging, { recursive: true });
    const file = "tiny-Q8_0.gguf";
    await Deno.copyFile(`${FIXTURE_DIR}/gguf/${file}`, `${staging}/${file}`);
    const size = (await Deno.stat(`${staging}/${file}`)).size;
    await store.install(staging, {
      schema: 1,
      name: "tiny:q8",
      format: "gguf",
      entry: file,
      // The sha256 the fixture's README gives for this file.
      files: [{
        path: file,
        size,
        sha256: "3f4710cd3247385962fdfb8bf85859861fc7ed3621e4b4663fbd78631cb8a1d1",
      }],
      storedAt: new Date().toISOString(),
    });
    const line = lastJsonLine(
      await synapseRun(["tiny:q8", "def fibonacci(n):", "--raw", "--json", "--max-tokens", "12"], {
        home,
      }),
    );
    assert.equal(line.text.slice(0, 20), llamaCppQ8Fibonacci.slice(0, 20));
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("run refuses a negative --max-tokens with one line naming the flag and a non-zero exit", async () => {
  const result = await synapseRun(["default", "hi", "--max-tokens", "-3"]);
  assert.notEqual(result.code, 0);
  assert.equal(result.stdout, "");
  assert.equal(result.stderr.trim().split("\n").length, 1, result.stderr);
  assert.match(result.stderr, /--max-tokens\b.*"-3"/);
});

Deno.test("run names a model path that does not exist, with a non-zero exit", async () => {
  const missing = `${REPO_ROOT}no-such-dir/missing-model.gguf`;
  const result = await synapseRun([missing, "hi"]);
  assert.notEqual(result.code, 0);
  assert.equal(result.stderr.trim().split("\n").length, 1, result.stderr);
  assert.ok(result.stderr.includes(missing), result.stderr);
});
