/**
 * GPU time of dispatch sequences from timestamp queries, for the kernel benchmarks
 * (`gemm_bench.ts`, `matmul_bench.ts`): each variant's dispatches repeat in one timed compute
 * pass, so the time per repetition includes the barrier between dependent launches, as in a
 * decode step's chain.
 * @module
 */
import type { Gpu } from "../engine/mod.ts";

/** One dispatch of a variant. */
export interface Launch {
  pipeline: GPUComputePipeline;
  bind: GPUBindGroup;
  grid: [number, number, number];
}

/** A pipeline from `code` with `bound` buffers (binding, buffer, byte offset, byte size). */
export function launch(
  gpu: Gpu,
  code: string,
  label: string,
  grid: number[],
  bound: [number, GPUBuffer, number?, number?][],
): Launch {
  const pipeline = gpu.pipeline(code, label);
  const entries = bound.map(([binding, buffer, offset, size]) => ({
    binding,
    resource: { buffer, offset, size },
  }));
  const bind = gpu.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
  return { pipeline, bind, grid: [grid[0], grid[1] ?? 1, grid[2] ?? 1] };
}

/** Records `launches` into `pass`. */
export function encodeLaunches(pass: GPUComputePassEncoder, launches: readonly Launch[]): void {
  for (const l of launches) {
    pass.setPipeline(l.pipeline);
    pass.setBindGroup(0, l.bind);
    pass.dispatchWorkgroups(...l.grid);
  }
}

/**
 * GPU microseconds per repetition of each variant's launches, `reps[i]` repetitions in one timed
 * pass each, after `warm` untimed repetitions of the first (the H200's clocks drop whenever it
 * idles and take ~200 ms of continuous work to rise again).
 */
export async function timeLaunches(
  gpu: Gpu,
  variants: readonly (readonly Launch[])[],
  reps: readonly number[],
  warm = 0,
): Promise<number[]> {
  const dev = gpu.device, count = variants.length;
  const qs = dev.createQuerySet({ type: "timestamp", count: 2 * count });
  const resolved = dev.createBuffer({
    size: 16 * count,
    usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC,
  });
  const enc = dev.createCommandEncoder();
  if (warm > 0) {
    const pass = enc.beginComputePass();
    for (let r = 0; r < warm; r++) encodeLaunches(pass, variants[0]);
    pass.end();
  }
  variants.forEach((v, i) => {
    const pass = enc.beginComputePass({
      timestampWrites: {
        querySet: qs,
        beginningOfPassWriteIndex: 2 * i,
        endOfPassWriteIndex: 2 * i + 1,
      },
    });
    for (let r = 0; r < reps[i]; r++) encodeLaunches(pass, v);
    pass.end();
  });
  enc.resolveQuerySet(qs, 0, 2 * count, resolved, 0);
  dev.queue.submit([enc.finish()]);
  const t = new BigUint64Array(await gpu.read(resolved, 16 * count));
  qs.destroy();
  resolved.destroy();
  return variants.map((_, i) => Number(t[2 * i + 1] - t[2 * i]) / 1000 / reps[i]);
}
