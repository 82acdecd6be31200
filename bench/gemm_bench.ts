/**
 * `deno run -A bench/gemm_bench.ts [--quick]`: GPU time of the cooperative matmul and the tiled
 * GEMM (each tile size) on the projection shapes of Qwen2.5-0.5B/3B, for several row counts,
 * from timestamp queries (needs a GPU with timestamp-query), plus the largest difference of each
 * GEMM result from the matmul's. Prints one table line per shape and row count.
 * @module
 */
import { gemmGroups, gemmKernel, GgmlType, matmulGroups, matmulKernel } from "../kernels/mod.ts";
import { acquireGpu } from "../engine/mod.ts";
import { randomTensor } from "./random_model.ts";

interface Shape {
  name: string;
  type: GgmlType;
  upType?: GgmlType;
  k: number;
  n: number;
}

const SHAPES: Shape[] = [
  { name: "0.5b q Q5_0", type: GgmlType.Q5_0, k: 896, n: 896 },
  { name: "0.5b kv Q5_0", type: GgmlType.Q5_0, k: 896, n: 128 },
  { name: "0.5b gate+up Q5_0", type: GgmlType.Q5_0, upType: GgmlType.Q5_0, k: 896, n: 4864 },
  { name: "0.5b down Q6_K", type: GgmlType.Q6_K, k: 4864, n: 896 },
  { name: "0.5b q F16", type: GgmlType.F16, k: 896, n: 896 },
  { name: "0.5b gate+up F16", type: GgmlType.F16, upType: GgmlType.F16, k: 896, n: 4864 },
  { name: "0.5b down F16", type: GgmlType.F16, k: 4864, n: 896 },
  { name: "3b q Q4_K", type: GgmlType.Q4_K, k: 2048, n: 2048 },
  { name: "3b gate+up Q4_K", type: GgmlType.Q4_K, upType: GgmlType.Q4_K, k: 2048, n: 11008 },
  { name: "3b down Q6_K", type: GgmlType.Q6_K, k: 11008, n: 2048 },
];
const QUICK = Deno.args.includes("--quick");
const ROWS = QUICK ? [16, 256, 512] : [16, 32, 64, 256, 512];
/** GEMM variants: rows per tile. */
const GEMMS: { label: string; tileRows: number }[] = [
  { label: "g32", tileRows: 32 },
  { label: "g64", tileRows: 64 },
  { label: "g128", tileRows: 128 },
];

const gpu = await acquireGpu();
const dev = gpu.device;
if (!gpu.info.hasTimestamps) throw new Error("gemm_bench needs timestamp-query");

function randomX(n: number): Float32Array {
  let s = 12345;
  return Float32Array.from({ length: n }, () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  });
}

interface Variant {
  label: string;
  pipeline: GPUComputePipeline;
  bind: GPUBindGroup;
  grid: [number, number];
  y: GPUBuffer;
}

function variants(s: Shape, rows: number, bufs: GPUBuffer[]): Variant[] {
  const spec = { type: s.type, upType: s.upType, k: s.k, n: s.n, bias: false, loraRank: 0 };
  const out: Variant[] = [];
  const add = (label: string, code: string, grid: [number, number]) => {
    const pipeline = gpu.pipeline(code, label);
    const y = gpu.storage(rows * s.n * 4, "y");
    const params = gpu.uniform(new Uint32Array([rows, s.n, 0, s.n, 0, 0, 0, 0]));
    const entries = [bufs[0], bufs[1], y, params].map((buffer, binding) => ({
      binding,
      resource: { buffer },
    }));
    if (s.upType !== undefined) entries.push({ binding: 9, resource: { buffer: bufs[2] } });
    const bind = dev.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
    out.push({ label, pipeline, bind, grid, y });
  };
  const rb = rows >= 8 ? 8 : rows >= 4 ? 4 : 1;
  const groups = matmulGroups(s.n, true, s.k, s.n);
  add(
    "matmul",
    matmulKernel({ ...spec, cooperative: true, rowBlock: rb }),
    groups <= 65535 ? [groups, 1] : [65535, Math.ceil(groups / 65535)],
  );
  for (const g of GEMMS) {
    add(g.label, gemmKernel({ ...spec, tileRows: g.tileRows }), gemmGroups(s.n, rows, g.tileRows));
  }
  return out;
}

/**
 * GPU microseconds per dispatch of each variant, `reps` dispatches in one timed pass each,
 * after `warm` untimed dispatches of the first (the H200's clocks drop whenever it idles and
 * take ~200 ms of continuous work to rise again).
 */
async function time(vs: Variant[], reps: number[], warm = 0): Promise<number[]> {
  const qs = dev.createQuerySet({ type: "timestamp", count: 2 * vs.length });
  const resolved = dev.createBuffer({
    size: 16 * vs.length,
    usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC,
  });
  const enc = dev.createCommandEncoder();
  if (warm > 0) {
    const pass = enc.beginComputePass();
    pass.setPipeline(vs[0].pipeline);
    pass.setBindGroup(0, vs[0].bind);
    for (let r = 0; r < warm; r++) pass.dispatchWorkgroups(vs[0].grid[0], vs[0].grid[1]);
    pass.end();
  }
  vs.forEach((v, i) => {
    const pass = enc.beginComputePass({
      timestampWrites: {
        querySet: qs,
        beginningOfPassWriteIndex: 2 * i,
        endOfPassWriteIndex: 2 * i + 1,
      },
    });
    pass.setPipeline(v.pipeline);
    pass.setBindGroup(0, v.bind);
    for (let r = 0; r < reps[i]; r++) pass.dispatchWorkgroups(v.grid[0], v.grid[1]);
    pass.end();
  });
  enc.resolveQuerySet(qs, 0, 2 * vs.length, resolved, 0);
  dev.queue.submit([enc.finish()]);
  const t = new BigUint64Array(await gpu.read(resolved, 16 * vs.length));
  qs.destroy();
  resolved.destroy();
  return vs.map((_, i) => Number(t[2 * i + 1] - t[2 * i]) / 1000 / reps[i]);
}

/** Largest difference of `v`'s result (one dispatch) from `ref`'s, relative to ref's largest. */
async function maxDiff(ref: Variant, v: Variant, bytes: number): Promise<number> {
  const enc = dev.createCommandEncoder();
  const pass = enc.beginComputePass();
  pass.setPipeline(v.pipeline);
  pass.setBindGroup(0, v.bind);
  pass.dispatchWorkgroups(v.grid[0], v.grid[1]);
  pass.end();
  dev.queue.submit([enc.finish()]);
  const x = new Float32Array(await gpu.read(ref.y, bytes));
  const y = new Float32Array(await gpu.read(v.y, bytes));
  let d = 0, m = 0;
  for (let i = 0; i < x.length; i++) {
    d = Math.max(d, Math.abs(x[i] - y[i]));
    m = Math.max(m, Math.abs(x[i]));
  }
  return Number.isFinite(d) ? d / Math.max(m, 1e-30) : Infinity;
}

const results: Record<string, unknown>[] = [];
console.log(`${gpu.info.description}; us per dispatch (GFLOP/s of the best), rel. diff vs matmul`);
console.log(
  [
    "shape".padEnd(18),
    "rows",
    ...["matmul", ...GEMMS.map((g) => g.label)].map((l) => l.padStart(9)),
    "best GF/s".padStart(10),
    "diff".padStart(8),
  ].join(" "),
);
const WARM_US = 250_000;
for (const s of SHAPES) {
  const upload = (t: Uint8Array) => gpu.storage(t.byteLength, "w", t);
  const w = upload(randomTensor(s.type, s.n, s.k, 1));
  const w2 = s.upType !== undefined ? upload(randomTensor(s.upType, s.n, s.k, 2)) : w;
  const x = randomX(Math.max(...ROWS) * s.k);
  const xb = gpu.storage(x.byteLength, "x", x);
  for (const rows of ROWS) {
    const vs = variants(s, rows, [xb, w, w2]);
    const first = await time(vs, vs.map(() => 1));
    const reps = first.map((t) => Math.min(50, Math.max(3, Math.ceil(3000 / t))));
    const us = await time(vs, reps, Math.ceil(WARM_US / first[0]));
    const flops = 2 * rows * s.k * s.n * (s.upType !== undefined ? 2 : 1);
    const best = Math.min(...us);
    let diff = 0;
    for (const v of vs.slice(1)) diff = Math.max(diff, await maxDiff(vs[0], v, rows * s.n * 4));
    console.log(
      [
        s.name.padEnd(18),
        String(rows).padStart(4),
        ...us.map((u) => u.toFixed(1).padStart(9)),
        (flops / best / 1e3).toFixed(0).padStart(10),
        diff.toExponential(1).padStart(8),
      ].join(" "),
    );
    results.push({
      shape: s.name,
      rows,
      us: Object.fromEntries(vs.map((v, i) => [v.label, us[i]])),
      diff,
    });
    for (const v of vs) v.y.destroy();
  }
  w.destroy();
  if (w2 !== w) w2.destroy();
  xb.destroy();
}
const out = Deno.env.get("OUT");
if (out) await Deno.writeTextFile(`${out}/gemm_bench.json`, JSON.stringify(results, null, 1));
gpu.destroy();
