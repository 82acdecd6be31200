/**
 * Engine speed, measured the way llama-bench reports it: prefill tokens/s on an N-token prompt,
 * decode tokens/s over M generated tokens (end-of-turn ignored), time to first token, and peak
 * GPU bytes, for batch 1 or B concurrent streams, optionally each on its own LoRA adapter, on
 * whichever backend the loader chose (or `load.backend` asked for).
 * @module
 */
import {
  GpuModel,
  type LoadedModel,
  loadModel,
  type LoadOptions,
  type SamplingParams,
} from "../engine/mod.ts";
import { GgmlType, writeGguf } from "./bench_deps.ts";

/** What to measure. */
export interface EngineBenchOptions {
  /** GGUF file, HF folder, or "default". */
  model: string;
  promptTokens?: number;
  genTokens?: number;
  /** Concurrent streams. */
  batch?: number;
  /** Distinct random LoRA adapters spread over the streams (0: base model). */
  adapters?: number;
  /** Sampling of the decode streams (default greedy), each stream with its own seed. */
  sampling?: SamplingParams;
  /** Prompts timed for TTFT (32 tokens each). */
  ttftRuns?: number;
  /** Engine tuning passed to the loader (e.g. `gemmMinRows` to compare schedules). */
  load?: LoadOptions;
  log?: (line: string) => void;
}

/** One measurement. */
export interface EngineBenchResult {
  model: string;
  /** The backend that ran: "gpu" (WebGPU) or "cpu" (WebAssembly SIMD). */
  backend: "gpu" | "cpu";
  device: string;
  quantization: string;
  parameters: number;
  batch: number;
  adapters: number;
  /** Sampling of the decode (null: greedy). */
  sampling: SamplingParams | null;
  prompt_tokens: number;
  gen_tokens: number;
  prefill_tok_s: number;
  decode_tok_s: number;
  ttft_ms: number;
  /**
   * Time to first token of a chat's next turn: a `prompt_tokens` prompt whose head (all but the
   * last 32 tokens) a finished request left in the cache, so only 32 tokens are prefilled.
   */
  ttft_reused_ms: number;
  peak_gpu_bytes: number;
}

function randomIds(n: number, vocab: number, seed: number): number[] {
  let x = seed;
  return Array.from({ length: n }, () => {
    x = (x * 1103515245 + 12345) >>> 0;
    return 1000 + (x % Math.min(vocab - 1000, 100000));
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Runs the benchmark and returns its figures. */
export async function runEngineBench(o: EngineBenchOptions): Promise<EngineBenchResult> {
  const log = o.log ?? (() => {});
  const promptTokens = o.promptTokens ?? 512, genTokens = o.genTokens ?? 128;
  const batch = o.batch ?? 1, adapters = o.adapters ?? 0;
  log(`loading ${o.model}`);
  const m = await loadModel(o.model, { ...o.load, maxSequences: Math.max(8, batch) });
  try {
    const names = await loadRandomAdapters(m, adapters);
    const vocab = m.info.vocabSize;
    // Warm-up compiles every kernel variant used below.
    await m.generate({ promptIds: randomIds(32, vocab, 1), maxTokens: 4, ignoreEos: true }).result;
    log("prefill");
    // Keep the GPU busy ~300 ms first: the H200 prefills several times slower until its
    // clocks have risen, which made single prefill figures swing 3x between runs.
    for (const t0 = performance.now(); performance.now() - t0 < 300;) {
      await m.generate({ promptIds: randomIds(promptTokens, vocab, 2), maxTokens: 1 }).result;
    }
    const pre = [];
    for (let i = 0; i < 5; i++) {
      const r = await m.generate({
        promptIds: randomIds(promptTokens, vocab, 10 + i),
        maxTokens: 1,
      }).result;
      pre.push(r.ttftMs);
    }
    log("time to first token");
    const ttft = [];
    for (let i = 0; i < (o.ttftRuns ?? 9); i++) {
      const r = await m.generate({ promptIds: randomIds(32, vocab, 100 + i), maxTokens: 1 })
        .result;
      ttft.push(r.ttftMs);
    }
    log("time to first token, the prompt's head cached");
    const head = randomIds(Math.max(0, promptTokens - 32), vocab, 200);
    await m.generate({ promptIds: [...head, ...randomIds(32, vocab, 299)], maxTokens: 1 }).result;
    const reused = [];
    for (let i = 0; i < (o.ttftRuns ?? 9); i++) {
      const promptIds = [...head, ...randomIds(32, vocab, 300 + i)];
      const r = await m.generate({ promptIds, maxTokens: 1 }).result;
      if (r.cachedTokens < head.length) {
        throw new Error(`the prompt's head was not reused (${r.cachedTokens} cached tokens)`);
      }
      reused.push(r.ttftMs);
    }
    log(`decode x${batch}`);
    const decode = (maxTokens: number, seed: number) =>
      Promise.all(Array.from({ length: batch }, (_, i) =>
        m.generate({
          promptIds: randomIds(16, vocab, seed + i),
          maxTokens,
          ignoreEos: true,
          adapter: names.length ? names[i % names.length] : null,
          sampling: o.sampling && { ...o.sampling, seed: seed + i },
        }).result));
    // GPUs raise their clocks only after ~200 ms of steady work (the H200 runs a decode step
    // 4x slower before): a warm-up decode makes the figure the sustained rate, as llama-bench's
    // warm-up run does.
    await decode(64, 500);
    const started = performance.now();
    const results = await decode(genTokens, 1000);
    const firstDone = Math.max(...results.map((r) => r.ttftMs));
    const wall = performance.now() - started - firstDone;
    const decoded = results.reduce((s, r) => s + r.ids.length - 1, 0);
    return {
      model: o.model,
      backend: m instanceof GpuModel ? "gpu" : "cpu",
      device: m instanceof GpuModel ? m.gpu.info.description : m.runsOn,
      quantization: m.info.quantization,
      parameters: m.info.parameters,
      batch,
      adapters,
      sampling: o.sampling ?? null,
      prompt_tokens: promptTokens,
      gen_tokens: genTokens,
      prefill_tok_s: promptTokens / (median(pre) / 1000),
      decode_tok_s: decoded / (wall / 1000),
      ttft_ms: median(ttft),
      ttft_reused_ms: median(reused),
      peak_gpu_bytes: m instanceof GpuModel ? m.gpu.peakBytes : 0,
    };
  } finally {
    m.close();
  }
}

/** Loads `n` random rank-16 LoRA adapters (GGUF, all projections) and returns their names. */
async function loadRandomAdapters(m: LoadedModel, n: number): Promise<string[]> {
  const names: string[] = [];
  const c = m.config;
  const q = c.heads * c.headDim, kv = c.kvHeads * c.headDim, r = 16;
  const dims: [string, number, number][] = [
    ["attn_q", c.hiddenSize, q],
    ["attn_k", c.hiddenSize, kv],
    ["attn_v", c.hiddenSize, kv],
    ["attn_output", q, c.hiddenSize],
    ["ffn_gate", c.hiddenSize, c.ffnSize],
    ["ffn_up", c.hiddenSize, c.ffnSize],
    ["ffn_down", c.ffnSize, c.hiddenSize],
  ];
  for (let i = 0; i < n; i++) {
    const tensors = [];
    for (let l = 0; l < c.layers; l++) {
      for (const [mod, inF, outF] of dims) {
        const a = new Float32Array(r * inF).map(() => (Math.random() - 0.5) * 0.01);
        const b = new Float32Array(outF * r).map(() => (Math.random() - 0.5) * 0.01);
        const base = `blk.${l}.${mod}.weight`;
        tensors.push({
          name: `${base}.lora_a`,
          type: GgmlType.F32,
          shape: [r, inF],
          data: new Uint8Array(a.buffer),
        });
        tensors.push({
          name: `${base}.lora_b`,
          type: GgmlType.F32,
          shape: [outF, r],
          data: new Uint8Array(b.buffer),
        });
      }
    }
    const path = await Deno.makeTempFile({ suffix: ".gguf" });
    await Deno.writeFile(
      path,
      writeGguf({
        "general.type": "adapter",
        "adapter.type": "lora",
        "adapter.lora.alpha": { type: "f32", value: 32 },
      }, tensors),
    );
    await m.loadAdapter(`bench-${i}`, path);
    await Deno.remove(path);
    names.push(`bench-${i}`);
  }
  return names;
}
