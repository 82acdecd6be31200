/**
 * A recorded sequence of kernel launches (pipeline + bind group + grid) that can be replayed
 * into any compute pass. Building one costs bind-group creation; replaying costs only the
 * encoder calls, so a decode step of a given batch shape is built once and replayed per step.
 * @module
 */
import type { Gpu } from "../gpu/mod.ts";

interface Launch {
  label: string;
  pipeline: GPUComputePipeline;
  bindGroup: GPUBindGroup;
  x: number;
  y: number;
  z: number;
}

/** Largest workgroup count per grid dimension that WebGPU guarantees. */
const MAX_GRID = 65535;

/** Builder and replayer of kernel launches. */
export class Program {
  #launches: Launch[] = [];
  #gpu: Gpu;
  /** Uniform buffers owned by this program, destroyed with it. */
  #uniforms: GPUBuffer[] = [];

  constructor(gpu: Gpu) {
    this.#gpu = gpu;
  }

  /** Number of launches recorded. */
  get size(): number {
    return this.#launches.length;
  }

  /**
   * Records one launch of `code` over `groups` workgroups (spread over x and y when above the
   * grid limit) with buffers bound in order (null skips an index); `params` become a uniform at binding `paramsAt`.
   */
  add(
    code: string,
    label: string,
    groups: number | [number, number] | [number, number, number],
    buffers: (GPUBuffer | { params: Uint32Array } | null)[],
  ): void {
    const pipeline = this.#gpu.pipeline(code, label);
    const entries: GPUBindGroupEntry[] = [];
    buffers.forEach((b, i) => {
      if (b === null) return; // a binding this kernel variant does not declare
      if (b instanceof GPUBuffer) {
        entries.push({ binding: i, resource: { buffer: b } });
        return;
      }
      const u = this.#gpu.uniform(b.params, `${label} params`);
      this.#uniforms.push(u);
      entries.push({ binding: i, resource: { buffer: u } });
    });
    const bindGroup = this.#gpu.device.createBindGroup({
      label,
      layout: pipeline.getBindGroupLayout(0),
      entries,
    });
    let x: number, y: number, z = 1;
    if (Array.isArray(groups)) [x, y, z = 1] = groups;
    else if (groups <= MAX_GRID) [x, y] = [groups, 1];
    else [x, y] = [MAX_GRID, Math.ceil(groups / MAX_GRID)];
    this.#launches.push({ label, pipeline, bindGroup, x, y, z });
  }

  /** Distinct kernel labels, in first-launch order. */
  get labels(): string[] {
    return [...new Set(this.#launches.map((l) => l.label))];
  }

  /**
   * Replays launches `from` to `to` (default: all) into `pass`, leaving out launches labelled in
   * `skip` (profiling).
   */
  encode(
    pass: GPUComputePassEncoder,
    skip?: ReadonlySet<string>,
    from = 0,
    to = this.#launches.length,
  ): void {
    // An index loop: this runs for every decode step, and a slice would copy the launch list.
    const end = Math.min(to, this.#launches.length);
    for (let i = from; i < end; i++) {
      const l = this.#launches[i];
      if (skip?.has(l.label)) continue;
      pass.setPipeline(l.pipeline);
      pass.setBindGroup(0, l.bindGroup);
      pass.dispatchWorkgroups(l.x, l.y, l.z);
    }
  }

  /**
   * Replays every launch in a pass of its own with timestamps around it (needs the
   * timestamp-query feature); resolves to each launch's label and GPU microseconds.
   */
  async profile(): Promise<{ label: string; us: number }[]> {
    const dev = this.#gpu.device, n = this.#launches.length;
    const querySet = dev.createQuerySet({ type: "timestamp", count: 2 * n });
    const resolved = dev.createBuffer({
      size: 16 * n,
      usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC,
    });
    const enc = dev.createCommandEncoder();
    this.#launches.forEach((l, i) => {
      const pass = enc.beginComputePass({
        timestampWrites: {
          querySet,
          beginningOfPassWriteIndex: 2 * i,
          endOfPassWriteIndex: 2 * i + 1,
        },
      });
      pass.setPipeline(l.pipeline);
      pass.setBindGroup(0, l.bindGroup);
      pass.dispatchWorkgroups(l.x, l.y, l.z);
      pass.end();
    });
    enc.resolveQuerySet(querySet, 0, 2 * n, resolved, 0);
    dev.queue.submit([enc.finish()]);
    const times = new BigUint64Array(await this.#gpu.read(resolved, 16 * n));
    querySet.destroy();
    resolved.destroy();
    return this.#launches.map((l, i) => ({
      label: l.label,
      us: Number(times[2 * i + 1] - times[2 * i]) / 1000,
    }));
  }

  /** Frees the program's uniform buffers. */
  destroy(): void {
    for (const u of this.#uniforms) u.destroy();
    this.#uniforms = [];
    this.#launches = [];
  }
}
