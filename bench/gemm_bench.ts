/**
 * `deno run -A bench/gemm_bench.ts [--quick] [--sweep]`: GPU time of the cooperative matmul, the
 * tiled GEMM (each tile size) and the engine's plan (`gemmTileRows` and `gemmSplits`: the K
 * split and its reduce where it splits) on the projection shapes of Qwen2.5-0.5B/3B, for several
 * row counts, from timestamp queries (needs a GPU with timestamp-query), plus the largest
 * difference of each GEMM result from the matmul's. Prints one table line per shape and row
 * count. `--sweep` also times every tile size with 2 to 64 K slices and prints the fastest;
 * `--only=3b,q F16` keeps the shapes whose names contain one of the comma-separated parts;
 * `--rows=16,32` sets the row counts.
 * @module
 */
import {
  gemmGroups,
  gemmKernel,
  gemmPartialsFloats,
  gemmReduceGroups,
  gemmReduceKernel,
  gemmSplits,
  gemmTileRows,
  GgmlType,
  matmulGroups,
  matmulKernel,
  toGpuLayout,
} from "../kernels/mod.ts";
import { acquireGpu } from "../engine/mod.ts";
import { randomFloats, randomTensor } from "./random_model.ts";
import { encodeLaunches, type Launch, launch as makeLaunch, timeLaunches } from "./gpu_timing.ts";

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
  { name: "3b q F16", type: GgmlType.F16, k: 2048, n: 2048 },
  { name: "3b gate+up F16", type: GgmlType.F16, upType: GgmlType.F16, k: 2048, n: 11008 },
  { name: "3b down F16", type: GgmlType.F16, k: 11008, n: 2048 },
];
/** `--only a,b`: the shapes whose names contain one of these. */
const ONLY = Deno.args.find((a) => a.startsWith("--only="))?.slice(7).split(",");
const QUICK = Deno.args.includes("--quick");
const SWEEP = Deno.args.includes("--sweep");
const ROWS_ARG = Deno.args.find((a) => a.startsWith("--rows="))?.slice(7).split(",").map(Number);
const ROWS = ROWS_ARG ??
  (QUICK ? [16, 256, 512] : SWEEP ? [32, 64, 128, 256, 512] : [16, 32, 64, 256, 512]);
/** K slices tried by --sweep, where they give at most 2048 workgroups. */
const SWEEP_SPLITS = [2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64];
/** GEMM variants: rows per tile. */
const GEMMS: { label: string; tileRows: number }[] = [
  { label: "g16", tileRows: 16 },
  { label: "g32", tileRows: 32 },
  { label: "g64", tileRows: 64 },
  { label: "g128", tileRows: 128 },
];

const gpu = await acquireGpu();
const dev = gpu.device;
if (!gpu.info.hasTimestamps) throw new Error("gemm_bench needs timestamp-query");

interface Variant {
  label: string;
  launches: Launch[];
  y: GPUBuffer;
}

function variants(s: Shape, rows: number, bufs: GPUBuffer[], partials: GPUBuffer): Variant[] {
  const spec = { type: s.type, upType: s.upType, k: s.k, n: s.n, bias: false, loraRank: 0 };
  const out: Variant[] = [];
  const launch = (code: string, label: string, grid: number[], bound: [number, GPUBuffer][]) =>
    makeLaunch(gpu, code, label, grid, bound);
  const w2: [number, GPUBuffer][] = s.upType !== undefined ? [[9, bufs[2]]] : [];
  const add = (label: string, code: string, grid: number[]) => {
    const y = gpu.storage(rows * s.n * 4, "y");
    const params = gpu.uniform(new Uint32Array([rows, s.n, 0, s.n, 0, 0, 0, 0]));
    const bound: [number, GPUBuffer][] = [[0, bufs[0]], [1, bufs[1]], [2, y], [3, params], ...w2];
    out.push({ label, launches: [launch(code, label, grid, bound)], y });
  };
  const addSplit = (label: string, tileRows: number, splits: number) => {
    if (splits === 1) {
      return add(label, gemmKernel({ ...spec, tileRows }), gemmGroups(s.n, rows, tileRows));
    }
    const y = gpu.storage(rows * s.n * 4, "y");
    const params = gpu.uniform(new Uint32Array([rows, s.n, 0, s.n, 0, 0, splits, 0]));
    const gemm = launch(
      gemmKernel({ ...spec, tileRows, split: true }),
      label,
      gemmGroups(s.n, rows, tileRows, splits),
      [[0, bufs[0]], [1, bufs[1]], [2, partials], [3, params], ...w2],
    );
    const reduce = launch(gemmReduceKernel(spec), `${label} reduce`, gemmReduceGroups(s.n, rows), [
      [2, y],
      [3, params],
      [12, partials],
    ]);
    out.push({ label, launches: [gemm, reduce], y });
  };
  const rb = rows >= 8 ? 8 : rows >= 4 ? 4 : 1;
  const mm = { ...spec, cooperative: true, rowBlock: rb };
  const groups = matmulGroups(s.n, mm);
  add(
    "matmul",
    matmulKernel(mm),
    groups <= 65535 ? [groups, 1] : [65535, Math.ceil(groups / 65535)],
  );
  for (const g of GEMMS) {
    add(g.label, gemmKernel({ ...spec, tileRows: g.tileRows }), gemmGroups(s.n, rows, g.tileRows));
  }
  const gated = s.upType !== undefined;
  const tile = gemmTileRows(rows, s.n, s.k, gated);
  addSplit("plan", tile, gemmSplits(s.n, rows, s.k, tile, gated));
  if (SWEEP) {
    for (const tileRows of [32, 64, 128]) {
      const [gx, gy] = gemmGroups(s.n, rows, tileRows);
      for (const splits of SWEEP_SPLITS) {
        if (splits * gx * gy > 2048 || splits > Math.ceil(s.k / 32)) continue;
        addSplit(`t${tileRows}/s${splits}`, tileRows, splits);
      }
    }
  }
  return out;
}

/** GPU microseconds per dispatch of each variant (see `timeLaunches`). */
function time(vs: Variant[], reps: number[], warm = 0): Promise<number[]> {
  return timeLaunches(gpu, vs.map((v) => v.launches), reps, warm);
}

/** Largest difference of `v`'s result (one dispatch) from `ref`'s, relative to ref's largest. */
async function maxDiff(ref: Variant, v: Variant, bytes: number): Promise<number> {
  const enc = dev.createCommandEncoder();
  const pass = enc.beginComputePass();
  encodeLaunches(pass, v.launches);
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
const COLUMNS = ["matmul", ...GEMMS.map((g) => g.label), "plan"];
console.log(
  [
    "shape".padEnd(18),
    "rows",
    ...COLUMNS.map((l) => l.padStart(9)),
    "tile/K slices".padStart(13),
    "best GF/s".padStart(10),
    "diff".padStart(8),
    ...(SWEEP ? ["  fastest of the sweep"] : []),
  ].join(" "),
);
const WARM_US = 250_000;
// One partials buffer for every split variant: slices x tiles stay within 2048 in the sweep.
const partials = gpu.storage(
  (SWEEP ? 2048 * 128 * 64 * 2 : gemmPartialsFloats(Math.max(...ROWS), true)) * 4,
  "partials",
);
for (const s of SHAPES.filter((s) => !ONLY || ONLY.some((o) => s.name.includes(o)))) {
  const upload = (type: GgmlType, t: Uint8Array) => {
    const rows = toGpuLayout(type, s.k, s.n, t);
    return gpu.storage(rows.byteLength, "w", rows);
  };
  const w = upload(s.type, randomTensor(s.type, s.n, s.k, 1));
  const w2 = s.upType !== undefined ? upload(s.upType, randomTensor(s.upType, s.n, s.k, 2)) : w;
  const x = randomFloats(Math.max(...ROWS) * s.k);
  const xb = gpu.storage(x.byteLength, "x", x);
  for (const rows of ROWS) {
    const vs = variants(s, rows, [xb, w, w2], partials);
    const first = await time(vs, vs.map(() => 1));
    const reps = first.map((t) => Math.min(50, Math.max(3, Math.ceil(3000 / t))));
    const us = await time(vs, reps, Math.ceil(WARM_US / first[0]));
    const flops = 2 * rows * s.k * s.n * (s.upType !== undefined ? 2 : 1);
    const best = Math.min(...us);
    let diff = 0;
    for (const v of vs.slice(1, COLUMNS.length)) {
      diff = Math.max(diff, await maxDiff(vs[0], v, rows * s.n * 4));
    }
    const gated = s.upType !== undefined;
    const tile = gemmTileRows(rows, s.n, s.k, gated);
    const fastest = vs.map((v, i) => ({ label: v.label, us: us[i] })).sort((a, b) => a.us - b.us);
    console.log(
      [
        s.name.padEnd(18),
        String(rows).padStart(4),
        ...us.slice(0, COLUMNS.length).map((u) => u.toFixed(1).padStart(9)),
        `${tile}/${gemmSplits(s.n, rows, s.k, tile, gated)}`.padStart(13),
        (flops / best / 1e3).toFixed(0).padStart(10),
        diff.toExponential(1).padStart(8),
        ...(SWEEP
          ? ["  " + fastest.slice(0, 4).map((f) => `${f.label} ${f.us.toFixed(1)}`).join(", ")]
          : []),
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
partials.destroy();
const out = Deno.env.get("OUT");
if (out) await Deno.writeTextFile(`${out}/gemm_bench.json`, JSON.stringify(results, null, 1));
gpu.destroy();
