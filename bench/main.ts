/**
 * `deno task bench` / `synapse bench`: engine speed (and, with --memory, the memory store at
 * scale), as a stable table or, with --json, one JSON object per line (the last line is the
 * engine result). `--random qwen2.5-0.5b:Q4_K_M` benchmarks a random-init model of that shape.
 * @module
 */
import { parseArgs } from "node:util";
import { type Backend, BACKENDS, type LoadOptions, type SamplingParams } from "../engine/mod.ts";
import { type EngineBenchResult, runEngineBench } from "./engine_bench.ts";
import { type RandomQuant, SHAPES, writeRandomModel } from "./random_model.ts";

const HELP = `synapse bench: measure prefill, decode and time to first token

Usage: synapse bench [--model FILE|DIR|default] [options]

Options:
  --model M            GGUF file, HF folder, or "default" (default: default)
  --backend B          auto|gpu|cpu (default auto: the GPU unless WebGPU's adapter is
                       missing or a software one such as llvmpipe); the JSON says which ran
  --threads N          CPU backend: threads for the logits projection (default: the cores)
  --random SHAPE:QUANT random-init model instead: SHAPE qwen2.5-0.5b|qwen2.5-3b,
                       QUANT F16|Q8_0|Q4_K_M (written to a temporary file)
  --layers N           with --random: override the layer count (per-layer cost studies)
  --prompt-tokens N    prompt length for prefill (default 512)
  --gen-tokens N       tokens to decode (default 128)
  --batch N            concurrent streams (default 1)
  --adapters N         distinct random LoRA adapters across the streams (default 0)
  --temperature T      decode with sampling at temperature T (default 0: greedy)
  --top-p P            nucleus filter for the sampled decode (default off)
  --top-k K            top-k filter for the sampled decode (default off)
  --profile            per-kernel GPU time of decode steps (1 and 16 streams), a 32-row prompt
                       and a 256-row chunk (timestamp queries), instead of the throughput run
  --gemm-min-rows N    steps of N+ rows take the tiled GEMM (engine default 9; to compare)
  --steps-per-submit N decode steps per GPU submit while streaming (default: as many as fit
                       in ~100 ms, 4 to 64)
  --memory             also run the memory-store benchmark (100k facts)
  --json               print JSON lines instead of a table
  -h, --help           this help
`;

/** Runs the benchmark CLI; returns the exit code. */
export async function benchMain(
  argv: string[],
  print: (line: string) => void = console.log,
): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      model: { type: "string", default: "default" },
      backend: { type: "string", default: "auto" },
      threads: { type: "string" },
      random: { type: "string" },
      layers: { type: "string" },
      "prompt-tokens": { type: "string", default: "512" },
      "gen-tokens": { type: "string", default: "128" },
      batch: { type: "string", default: "1" },
      adapters: { type: "string", default: "0" },
      temperature: { type: "string" },
      "top-p": { type: "string" },
      "top-k": { type: "string" },
      "gemm-min-rows": { type: "string" },
      "steps-per-submit": { type: "string" },
      memory: { type: "boolean", default: false },
      profile: { type: "boolean", default: false },
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    print(HELP);
    return 0;
  }
  const int = (name: string, v: string, min: number) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer >= ${min}`);
    return n;
  };
  const log = values.json ? undefined : (l: string) => console.error(`bench: ${l}`);
  let model = values.model!;
  let temp: string | undefined;
  if (values.random) {
    const [shape, quant] = values.random.split(":");
    if (!SHAPES[shape] || !["F16", "Q8_0", "Q4_K_M"].includes(quant)) {
      throw new Error(`--random takes SHAPE:QUANT, e.g. qwen2.5-0.5b:Q4_K_M`);
    }
    temp = await Deno.makeTempFile({ suffix: ".gguf" });
    log?.(`writing random ${shape} ${quant} to ${temp}`);
    const { defaultModelBytes } = await import("../engine/default_model/mod.ts");
    const layers = values.layers ? int("layers", values.layers, 1) : SHAPES[shape].layers;
    const chosen = { ...SHAPES[shape], layers };
    await writeRandomModel(temp, chosen, quant as RandomQuant, await defaultModelBytes());
    model = temp;
  }
  if (!BACKENDS.includes(values.backend as Backend)) {
    throw new Error(`--backend takes ${BACKENDS.join("|")}, got ${values.backend}`);
  }
  const load: LoadOptions = { backend: values.backend as Backend };
  if (values.threads) load.threads = int("threads", values.threads, 1);
  if (values["gemm-min-rows"]) load.gemmMinRows = int("gemm-min-rows", values["gemm-min-rows"], 1);
  if (values["steps-per-submit"]) {
    load.stepsPerSubmit = int("steps-per-submit", values["steps-per-submit"], 1);
  }
  try {
    if (values.profile) {
      if (load.backend === "cpu") throw new Error("--profile times GPU kernels; it needs the GPU");
      const { formatProfile, profileModel } = await import("./profile.ts");
      const prof = await profileModel(model, load);
      if (values.json) print(JSON.stringify({ model: values.random ?? model, profile: prof }));
      else {
        print(`${values.random ?? model} on ${prof.device}`);
        for (const c of prof.chains) {
          const sampled = c.sampleRows === c.rows ? "every row" : `${c.sampleRows}`;
          const title =
            `${c.rows}-row step at position ${c.position}, ${sampled} sampled, in the chain ` +
            `(${c.launches} launches, ${c.encodeUs.toFixed(0)} us CPU encoding)`;
          print(formatProfile(title, c.kernels, c.gpuUs));
        }
        print(formatProfile("prefill chunk (256 rows), a pass per kernel", prof.prefill));
      }
      return 0;
    }
    const result = await runEngineBench({
      model,
      promptTokens: int("prompt-tokens", values["prompt-tokens"]!, 1),
      genTokens: int("gen-tokens", values["gen-tokens"]!, 2),
      batch: int("batch", values.batch!, 1),
      adapters: int("adapters", values.adapters!, 0),
      sampling: samplingOf(values),
      load,
      log,
    });
    if (values.random) result.model = values.random + (values.layers ? `/${values.layers}L` : "");
    if (values.memory) {
      const { runMemoryBench } = await import("./memory_bench.ts");
      const mem = await runMemoryBench({ sizes: [100_000], log });
      print(values.json ? JSON.stringify({ memory: mem }) : JSON.stringify(mem, null, 2));
    }
    print(values.json ? JSON.stringify(result) : table(result));
    return 0;
  } finally {
    if (temp) await Deno.remove(temp).catch(() => {});
  }
}

/** The decode sampling the options ask for (undefined: greedy). */
function samplingOf(
  v: { temperature?: string; "top-p"?: string; "top-k"?: string },
): SamplingParams | undefined {
  const num = (name: string, s: string, ok: (n: number) => boolean) => {
    const n = Number(s);
    if (!ok(n)) throw new Error(`--${name} is out of range: ${s}`);
    return n;
  };
  const s: SamplingParams = {};
  if (v.temperature !== undefined) {
    s.temperature = num("temperature", v.temperature, (n) => n >= 0 && n < 100);
  }
  if (v["top-p"] !== undefined) s.topP = num("top-p", v["top-p"], (n) => n > 0 && n <= 1);
  if (v["top-k"] !== undefined) s.topK = num("top-k", v["top-k"], Number.isSafeInteger);
  return Object.keys(s).length ? s : undefined;
}

function table(r: EngineBenchResult): string {
  const rows = [
    [
      "model",
      "quant",
      "backend",
      "device",
      "batch",
      "adapters",
      "pp t/s",
      "tg t/s",
      "ttft ms",
      "cached-head ttft ms",
      "GPU MiB",
    ],
    [
      r.model,
      r.quantization,
      r.backend,
      r.device,
      String(r.batch),
      String(r.adapters),
      r.prefill_tok_s.toFixed(0),
      r.decode_tok_s.toFixed(1),
      r.ttft_ms.toFixed(1),
      r.ttft_reused_ms.toFixed(1),
      (r.peak_gpu_bytes / 2 ** 20).toFixed(0),
    ],
  ];
  const w = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  return rows.map((row) => "| " + row.map((c, i) => c.padEnd(w[i])).join(" | ") + " |").join("\n");
}

if (import.meta.main) {
  try {
    Deno.exit(await benchMain(Deno.args));
  } catch (e) {
    console.error(`bench: ${(e as Error).message}`);
    Deno.exit(1);
  }
}
