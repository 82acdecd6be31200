/**
 * `deno run -A bench/matmul_bench.ts [--rows 1,8] [--sweep] [--only NAME]`: GPU time of the decode
 * matmul (the cooperative schedule) on the projection shapes of Qwen2.5-0.5B (Q4_K_M's encodings)
 * and Qwen2.5-3B (F16), with the weights' effective read bandwidth. Each launch is set up as a
 * decode step has it: the RMSNorm folded into Q, K and V (stacked here in one weight) and
 * gate+up, the o and down projections adding into the residual. The engine's plan runs beside
 * other schedules: `--sweep` tries lanes per output, unroll and workgroup sizes and prints the
 * four fastest. Launches rotate through copies of the weight that
 * fill more than twice the GPU's L2, so, as in a decode step where every layer has its own
 * weights, no launch finds them cached. Needs timestamp-query. With `$OUT` set, writes
 * `matmul_bench.json` there.
 * @module
 */
import { parseArgs } from "node:util";
import {
  GgmlType,
  gpuRowBytes,
  matmulGroups,
  matmulKernel,
  matmulSchedule,
  type MatmulSpec,
  toGpuLayout,
  type Walk,
} from "../kernels/mod.ts";
import { acquireGpu } from "../engine/mod.ts";
import { randomFloats, randomTensor } from "./random_model.ts";
import { encodeLaunches, type Launch, launch, timeLaunches } from "./gpu_timing.ts";

interface Shape {
  name: string;
  type: GgmlType;
  upType?: GgmlType;
  k: number;
  n: number;
  /** The RMSNorm before it is folded in (Q, K and V; gate+up) or it adds into y (o; down). */
  norm?: boolean;
  accumulate?: boolean;
}

/** Each layer's projections (Q, K and V stacked as the fused launch has them) and the logits. */
const SHAPES: Shape[] = [
  { name: "0.5b qkv Q5_0", type: GgmlType.Q5_0, k: 896, n: 1152, norm: true },
  { name: "0.5b o Q5_0", type: GgmlType.Q5_0, k: 896, n: 896, accumulate: true },
  {
    name: "0.5b gate+up Q5_0",
    type: GgmlType.Q5_0,
    upType: GgmlType.Q5_0,
    k: 896,
    n: 4864,
    norm: true,
  },
  { name: "0.5b down Q6_K", type: GgmlType.Q6_K, k: 4864, n: 896, accumulate: true },
  { name: "0.5b logits Q8_0", type: GgmlType.Q8_0, k: 896, n: 151936 },
  { name: "3b qkv F16", type: GgmlType.F16, k: 2048, n: 2560, norm: true },
  { name: "3b o F16", type: GgmlType.F16, k: 2048, n: 2048, accumulate: true },
  {
    name: "3b gate+up F16",
    type: GgmlType.F16,
    upType: GgmlType.F16,
    k: 2048,
    n: 11008,
    norm: true,
  },
  { name: "3b down F16", type: GgmlType.F16, k: 11008, n: 2048, accumulate: true },
  { name: "3b logits F16", type: GgmlType.F16, k: 2048, n: 151936 },
];

const { values: args } = parseArgs({
  args: Deno.args,
  options: {
    rows: { type: "string", default: "1" },
    sweep: { type: "boolean", default: false },
    only: { type: "string" },
    unroll: { type: "string", default: "1,2" },
    lanes: { type: "string", default: "2,4,8,16,32,64,128,256" },
  },
});
const ROWS = args.rows.split(",").map(Number);
const SWEEP_LANES = args.lanes.split(",").map(Number);
const SWEEP_UNROLL = args.unroll.split(",").map(Number);
const SWEEP_WORKGROUPS = [64, 128, 256];
/** Bytes of weight copies a launch rotates through (the H200's L2 is 50 MB). */
const ROTATION_BYTES = 256 << 20;

const gpu = await acquireGpu();
const dev = gpu.device;
if (!gpu.info.hasTimestamps) throw new Error("matmul_bench needs timestamp-query");

/** `copies` back-to-back copies of a weight's GPU rows, each `stride` bytes apart. */
function uploadCopies(type: GgmlType, s: Shape, seed: number, copies: number, stride: number) {
  const rows = toGpuLayout(type, s.k, s.n, randomTensor(type, s.n, s.k, seed));
  const buf = gpu.storage(stride * copies, "w");
  const data = new Uint8Array(rows);
  for (let c = 0; c < copies; c++) dev.queue.writeBuffer(buf, c * stride, data);
  return buf;
}

interface Schedule {
  label: string;
  walk?: Walk;
  lanes?: number;
  unroll?: number;
  workgroup?: number;
}

/** The kernel spec of shape `s` at `rows` rows, as the engine sets it up, with schedule `sc`. */
function specFor(s: Shape, rows: number, sc: Omit<Schedule, "label">): MatmulSpec {
  return {
    type: s.type,
    upType: s.upType,
    k: s.k,
    n: s.n,
    bias: false,
    loraRank: 0,
    cooperative: true,
    rowBlock: rows >= 8 ? 8 : rows >= 4 ? 4 : rows >= 2 ? 2 : 1,
    walk: sc.walk,
    lanes: sc.lanes,
    unroll: sc.unroll,
    workgroup: sc.workgroup,
    normEps: s.norm ? 1e-6 : undefined,
  };
}

/** The engine's plan first (labelled with what it chose), then, with `--sweep`, the others. */
function schedules(s: Shape, rows: number): Schedule[] {
  const plan = matmulSchedule(specFor(s, rows, {}));
  const name = (walk: Walk, lanes: number, unroll: number, workgroup: number) =>
    `${walk}${lanes}x${unroll}/${workgroup}`;
  const out: Schedule[] = [{
    label: `plan ${name(plan.walk, plan.lanes, plan.unroll, plan.workgroup)}`,
  }];
  if (!args.sweep) return out;
  // Every walk the shape allows: the plan's, and the 32-value chunks where K allows them.
  const walks = new Set<Walk>([plan.walk, ...(s.k % 32 === 0 ? ["chunk" as const] : [])]);
  for (const walk of walks) {
    const values = walk === "chunk" ? 32 : walk === "wide" ? 8 : 4;
    for (const lanes of SWEEP_LANES) {
      if (lanes * values > 2 * s.k) continue;
      // The chunk walk has no unroll.
      for (const unroll of walk === "chunk" ? [1] : SWEEP_UNROLL) {
        for (const workgroup of SWEEP_WORKGROUPS.filter((w) => w >= lanes)) {
          out.push({ label: name(walk, lanes, unroll, workgroup), walk, lanes, unroll, workgroup });
        }
      }
    }
  }
  return out;
}

const results: Record<string, unknown>[] = [];
console.log(`${gpu.info.description}; us per launch (GB/s of weights read)`);
for (const s of SHAPES) {
  if (args.only && !s.name.includes(args.only)) continue;
  const types = s.upType === undefined ? [s.type] : [s.type, s.upType];
  const bytes = types.reduce((b, t) => b + s.n * gpuRowBytes(t, s.k), 0);
  const stride = Math.ceil(bytes / types.length / 256) * 256;
  const copies = Math.max(1, Math.ceil(ROTATION_BYTES / bytes));
  const w = uploadCopies(s.type, s, 1, copies, stride);
  const w2 = s.upType !== undefined ? uploadCopies(s.upType, s, 2, copies, stride) : undefined;
  for (const rows of ROWS) {
    const x = randomFloats(rows * s.k);
    const xb = gpu.storage(x.byteLength, "x", x);
    const params = gpu.uniform(new Uint32Array([rows, s.n, 0, s.n, 0, +!!s.accumulate, 0, 0]));
    const normW = gpu.storage(s.k * 4, "norm", randomFloats(s.k));
    const scheds = schedules(s, rows);
    const ys: GPUBuffer[] = [];
    const variants: Launch[][] = scheds.map((sc) => {
      const spec = specFor(s, rows, sc);
      const groups = matmulGroups(s.n, spec);
      const grid = groups <= 65535 ? [groups, 1] : [65535, Math.ceil(groups / 65535)];
      const y = gpu.storage(rows * s.n * 4, "y");
      ys.push(y);
      const code = matmulKernel(spec);
      return Array.from({ length: copies }, (_, c) =>
        launch(gpu, code, sc.label, grid, [
          [0, xb],
          [1, w, c * stride, stride],
          [2, y],
          [3, params],
          ...(w2 ? [[9, w2, c * stride, stride] as [number, GPUBuffer, number, number]] : []),
          ...(s.norm ? [[15, normW] as [number, GPUBuffer]] : []),
        ]));
    });
    const first = await timeLaunches(gpu, variants, variants.map(() => 1));
    const reps = first.map((t) => Math.min(50, Math.max(2, Math.ceil(4000 / t))));
    // Twice, keeping each variant's faster time: the first variants of a pass sometimes ran
    // 2-4x slower on the H200 even after the warm-up.
    const warm = Math.ceil(250_000 / first[0]);
    const a = await timeLaunches(gpu, variants, reps, warm);
    const b = await timeLaunches(gpu, variants, reps, warm);
    const us = a.map((t, i) => Math.min(t, b[i]) / copies);
    // Once more from zero (the timed launches accumulated into y), then compare with the plan.
    const enc = dev.createCommandEncoder();
    for (const y of ys) enc.clearBuffer(y);
    const pass = enc.beginComputePass();
    encodeLaunches(pass, variants.map((v) => v[0]));
    pass.end();
    dev.queue.submit([enc.finish()]);
    const plan = new Float32Array(await gpu.read(ys[0], rows * s.n * 4));
    let diff = 0, peak = 0;
    for (const v of plan) peak = Math.max(peak, Math.abs(v));
    // A failed upload or an invalid pipeline leaves zeros (WebGPU reports neither here).
    if (!(peak > 0)) throw new Error(`${s.name}: the plan's matmul wrote no output`);
    for (const y of ys.slice(1)) {
      const got = new Float32Array(await gpu.read(y, rows * s.n * 4));
      for (let i = 0; i < got.length; i++) {
        diff = Math.max(diff, Math.abs(got[i] - plan[i]) / Math.max(peak, 1e-30));
      }
    }
    const gbs = (t: number) => (bytes / t / 1e3).toFixed(0);
    const ranked = scheds.map((sc, i) => ({ label: sc.label, us: us[i] }))
      .sort((a, b) => a.us - b.us);
    console.log(
      [
        s.name.padEnd(18),
        `${rows} row${rows > 1 ? "s" : ""}`.padEnd(7),
        `${scheds[0].label} ${us[0].toFixed(1)} us (${gbs(us[0])} GB/s)`.padEnd(38),
        args.sweep
          ? `fastest ${ranked.slice(0, 4).map((r) => `${r.label} ${r.us.toFixed(1)}`).join(", ")}` +
            ` (${gbs(ranked[0].us)} GB/s; diff ${diff.toExponential(1)})`
          : "",
      ].join(" "),
    );
    results.push({
      shape: s.name,
      rows,
      bytes,
      plan: scheds[0].label,
      us: Object.fromEntries(scheds.map((sc, i) => [sc.label, us[i]])),
      diff,
    });
    for (const y of ys) y.destroy();
    xb.destroy();
    params.destroy();
    normW.destroy();
  }
  w.destroy();
  w2?.destroy();
}
const out = Deno.env.get("OUT");
if (out) await Deno.writeTextFile(`${out}/matmul_bench.json`, JSON.stringify(results, null, 1));
gpu.destroy();
