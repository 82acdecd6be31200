/**
 * Where a forward step's GPU time goes: each kernel timed with timestamp queries, summed by
 * kernel label, for a decode-like step (1 row) and a prefill chunk.
 * @module
 */
import { loadModel } from "../engine/mod.ts";

/** GPU time of one kernel label within a step. */
export interface KernelTime {
  label: string;
  launches: number;
  us: number;
}

/** Per-kernel GPU time of a 1-row step and a `prefillRows`-row step of `model`. */
export async function profileModel(
  model: string,
  prefillRows = 256,
): Promise<
  {
    device: string;
    step: { encodeUs: number; gpuUs: number };
    decode: KernelTime[];
    prefill: KernelTime[];
  }
> {
  const m = await loadModel(model);
  try {
    const ids = (n: number) => Array.from({ length: n }, (_, i) => 1000 + i);
    await m.profileStep(ids(1)); // compiles everything once
    return {
      device: m.gpu.info.description,
      step: await m.timeSteps(16),
      decode: summarize(await m.profileStep(ids(1))),
      prefill: summarize(await m.profileStep(ids(prefillRows))),
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
export function formatProfile(title: string, rows: KernelTime[]): string {
  const total = rows.reduce((s, r) => s + r.us, 0);
  const lines = [
    `${title}: ${total.toFixed(0)} us of GPU time in ${
      rows.reduce((s, r) => s + r.launches, 0)
    } launches`,
  ];
  for (const r of rows) {
    lines.push(
      `  ${r.label.padEnd(18)} ${String(r.launches).padStart(4)} x ${
        r.us.toFixed(1).padStart(9)
      } us ${(100 * r.us / total).toFixed(1).padStart(5)}%`,
    );
  }
  return lines.join("\n");
}
