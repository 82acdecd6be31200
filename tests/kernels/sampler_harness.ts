/**
 * Runs the two sampler kernels on crafted logits: one row per slot, each with its own
 * parameters, for several steps in one pass (each step advances the slot's draw counter, as
 * chained decode steps do), and returns every step's record.
 * @module
 */
import {
  greedyChunkKernel,
  greedyPickKernel,
  MAX_TOP_LOGPROBS,
  SAMPLE_RECORD_WORDS,
  SAMPLE_RING,
  sampleChunkKernel,
  samplePickKernel,
  type SamplerPlan,
  sampleScratchWords,
  SEQ_PARAM_WORDS,
  SEQ_STATE_WORDS,
} from "../../kernels/mod.ts";
import type { SampleRefParams } from "../../kernels/sample_ref.ts";
import type { Gpu } from "../../engine/gpu/mod.ts";
import { Program } from "../../engine/model/program.ts";

/** One row: its logits, parameters, seed, and optional counts, mask and logprob count. */
export interface SamplerRow {
  logits: Float32Array;
  params: SampleRefParams;
  seed?: number;
  counts?: Uint32Array;
  mask?: Uint32Array;
  nTop?: number;
  /** Draw counter the row starts at (default 0). */
  start?: number;
}

/** What one step wrote for one row. */
export interface SampledRecord {
  token: number;
  logprob: number;
  top: { id: number; logprob: number }[];
}

function paramsWords(r: SamplerRow): Uint32Array {
  const buf = new ArrayBuffer(SEQ_PARAM_WORDS * 4);
  const f = new Float32Array(buf), u = new Uint32Array(buf), s = r.params;
  f[0] = s.temperature ?? 0;
  u[1] = s.topK ?? 0;
  f[2] = s.topP ?? 1;
  f[3] = s.minP ?? 0;
  u[4] = r.seed ?? 0;
  u[5] = r.nTop ?? 0;
  u[6] = r.mask ? 1 : 0;
  const rep = s.repetition ?? 1, pres = s.presence ?? 0, freq = s.frequency ?? 0;
  u[7] = rep !== 1 || pres !== 0 || freq !== 0 ? 1 : 0;
  f[8] = rep;
  f[9] = pres;
  f[10] = freq;
  return u;
}

/**
 * Samples `steps` times (at most SAMPLE_RING) for every row; returns records[step][row] and
 * the rows' logits as the kernels left them (penalized in place). `greedy`: the greedy kernels
 * (sample_greedy.ts) instead of the general pair.
 */
export async function runSampler(
  gpu: Gpu,
  plan: SamplerPlan,
  rows: SamplerRow[],
  steps = 1,
  greedy = false,
): Promise<{ records: SampledRecord[][]; logits: Float32Array; counts: Uint32Array }> {
  const V = plan.vocab, R = rows.length, MW = Math.ceil(V / 32);
  if (steps > SAMPLE_RING) throw new RangeError(`at most ${SAMPLE_RING} steps`);
  const logits = new Float32Array(R * V), params = new Uint32Array(R * SEQ_PARAM_WORDS);
  const state = new Uint32Array(R * SEQ_STATE_WORDS), counts = new Uint32Array(R * V);
  const masks = new Uint32Array(R * MW);
  rows.forEach((r, i) => {
    logits.set(r.logits, i * V);
    params.set(paramsWords(r), i * SEQ_PARAM_WORDS);
    state[i * SEQ_STATE_WORDS + 2] = r.start ?? 0;
    if (r.counts) counts.set(r.counts, i * V);
    if (r.mask) masks.set(r.mask, i * MW);
  });
  const buf = (data: ArrayBufferView, label: string) => gpu.storage(data.byteLength, label, data);
  const bLogits = buf(logits, "logits"), bState = buf(state, "state");
  const bRing = gpu.storage(R * SAMPLE_RING * SAMPLE_RECORD_WORDS * 4, "ring");
  const bSlots = buf(Uint32Array.from(rows.keys()), "slots");
  const bParams = buf(params, "params"), bMasks = buf(masks, "masks");
  const bCounts = buf(counts, "counts");
  const scratch = gpu.storage(R * sampleScratchWords(plan) * 4, "scratch");
  const uniform = { params: new Uint32Array([R, 0, 0, 0]) };
  const p = new Program(gpu);
  gpu.device.pushErrorScope("validation");
  const chunk = [bLogits, bSlots, bParams, scratch, uniform, bMasks];
  if (greedy) {
    p.add(greedyChunkKernel(plan), "greedy chunks", [plan.chunks, R], chunk);
    p.add(greedyPickKernel(plan), "greedy pick", R, [
      bSlots,
      bState,
      bRing,
      uniform,
      bCounts,
      scratch,
    ]);
  } else {
    p.add(sampleChunkKernel(plan), "sample chunks", [plan.chunks, R], [...chunk, bCounts]);
    p.add(samplePickKernel(plan), "sample pick", R, [
      bLogits,
      bSlots,
      bParams,
      bState,
      bRing,
      uniform,
      bMasks,
      bCounts,
      scratch,
    ]);
  }
  const enc = gpu.device.createCommandEncoder();
  const pass = enc.beginComputePass();
  for (let s = 0; s < steps; s++) p.encode(pass);
  pass.end();
  gpu.device.queue.submit([enc.finish()]);
  const err = await gpu.device.popErrorScope();
  if (err) throw new Error(`sampler kernels failed validation: ${err.message}`);
  const ring = await gpu.read(bRing, R * SAMPLE_RING * SAMPLE_RECORD_WORDS * 4);
  const after = new Float32Array(await gpu.read(bLogits, R * V * 4));
  const countsAfter = new Uint32Array(await gpu.read(bCounts, R * V * 4));
  const u = new Uint32Array(ring), f = new Float32Array(ring);
  const records: SampledRecord[][] = [];
  for (let s = 0; s < steps; s++) {
    records.push(rows.map((r, i) => {
      const at = (i * SAMPLE_RING + (((r.start ?? 0) + s) % SAMPLE_RING)) * SAMPLE_RECORD_WORDS;
      const top = [];
      for (let j = 0; j < Math.min(r.nTop ?? 0, MAX_TOP_LOGPROBS); j++) {
        top.push({ id: u[at + 2 + 2 * j], logprob: f[at + 3 + 2 * j] });
      }
      return { token: u[at], logprob: f[at + 1], top };
    }));
  }
  p.destroy();
  for (const b of [bLogits, bState, bRing, bSlots, bParams, bMasks, bCounts, scratch]) {
    b.destroy();
  }
  return { records, logits: after, counts: countsAfter };
}
