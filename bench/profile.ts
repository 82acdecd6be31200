/**
 * Where a forward step's GPU time goes: for a decode step (1 row) and a 32-row prompt, each
 * kernel's cost within the back-to-back chain; for a 256-row prefill chunk, each kernel timed in
 * a pass of its own with timestamp queries.
 * @module
 */
import { type GpuModel, loadModel, type LoadOptions } from "../engine/mod.ts";

/** GPU time of one kernel label within a step. */
export interface KernelTime {
  label: string;
  launches: number;
  us: number;
}

/** A step shape's GPU time, whole and per kernel label within the chain. */
export interface ChainProfile {
  rows: number;
  /** Rows whose logits are computed and sampled: every row of a decode batch, one of a prompt. */
  sampleRows: number;
  position: number;
  encodeUs: number;
  gpuUs: number;
  launches: number;
  /** Step time minus step time with that label's launches left out (launches: 0, unknown). */
  kernels: KernelTime[];
}

/**
 * Where a step's GPU time goes, measured in the chain: each label's cost is the step time minus
 * the step time without its launches. Unlike a pass per kernel (~45 us of overhead each), this
 * keeps the back-to-back launches of a real step, where kernels are latency-bound.
 */
async function chainProfile(
  m: GpuModel,
  rows: number,
  sampleRows: number,
  position: number,
  steps: number,
  streams = false,
): Promise<ChainProfile> {
  const time = async (skip?: ReadonlySet<string>) => {
    const runs = [];
    for (let i = 0; i < 3; i++) {
      runs.push(await m.timeSteps(steps, position, { rows, sampleRows, skip, streams }));
    }
    return runs.reduce((a, b) => (b.gpuUs < a.gpuUs ? b : a));
  };
  const full = await time();
  const kernels: KernelTime[] = [];
  for (const label of full.labels) {
    const without = await time(new Set([label]));
    kernels.push({ label, launches: 0, us: full.gpuUs - without.gpuUs });
  }
  kernels.sort((a, b) => b.us - a.us);
  return { rows, sampleRows, position, ...full, kernels };
}

/** Sequences of the profiled batch decode step. */
const DECODE_STREAMS = 16;

/** Per-kernel GPU time of decode and prefill steps of `model`, measured in the chain. */
export async function profileModel(model: string, load: LoadOptions = {}): Promise<{
  device: string;
  chains: ChainProfile[];
  prefill: KernelTime[];
}> {
  const m = await loadModel(model, { ...load, backend: "gpu", maxSequences: DECODE_STREAMS });
  try {
    const ids = (n: number) => Array.from({ length: n }, (_, i) => 1000 + i);
    await m.profileStep(ids(1)); // compiles everything once
    // GPU clocks ramp up only after ~200 ms of steady work.
    const warm = performance.now();
    while (performance.now() - warm < 400) await m.timeSteps(16, 0);
    const chains = [
      await chainProfile(m, 1, 1, 128, 16), // one stream's decode step
      // 16 streams' decode step: 16 sequences, every row sampled.
      await chainProfile(m, DECODE_STREAMS, DECODE_STREAMS, 128, 8, true),
      await chainProfile(m, 32, 1, 0, 4), // a 32-token prompt: its last row sampled
    ];
    return {
      device: m.gpu.info.description,
      chains,
      prefill: summarize(await m.profileStep(ids(256))),
    };
  } finally {
    m.close();
  }
}

function summarize(times: { label: string; us: number }[]): KernelTime[] {
  const by = new Map<string, KernelTime>();
  for (const t of times) {
    const k = by.get(t.label) ?? { label: t.label, launches: 0, us: 0 };
    k.launches++;
    k.us += t.us;
    by.set(t.label, k);
  }
  return [...by.values()].sort((a, b) => b.us - a.us);
}

/** A table of kernel times with their share of the step. */
export function formatProfile(title: string, rows: KernelTime[], total?: number): string {
  total ??= rows.reduce((s, r) => s + r.us, 0);
  const launches = rows.reduce((s, r) => s + r.launches, 0);
  const lines = [
    `${title}: ${total.toFixed(0)} us of GPU time` + (launches ? ` in ${launches} launches` : ""),
  ];
  for (const r of rows) {
    lines.push(
      `  ${r.label.padEnd(18)} ${(r.launches ? String(r.launches) : "").padStart(4)}   ${
        r.us.toFixed(1).padStart(9)
      } us ${(100 * r.us / total).toFixed(1).padStart(5)}%`,
    );
  }
  return lines.join("\n");
}
