/**
 * The tiled GEMM against a CPU reference (decode with dequantizeRow, dot in f64): every tile
 * size, ragged rows, outputs and K, the epilogue (bias, accumulate, per-row LoRA with mixed
 * adapters, an output chunk at nBase into a strided y) and the gated FFN mode; the same for the
 * K split (slices of partial sums, then the reduce with the epilogue), which gives bit-identical
 * results run after run, and the split plan's bounds; and the fused Q, K and V GEMM.
 */
import assert from "node:assert/strict";
import {
  dequantizeRow,
  GEMM_SPLIT_WORKGROUPS,
  gemmGroups,
  gemmKernel,
  gemmPartialsFloats,
  gemmReduceGroups,
  gemmReduceKernel,
  gemmReduceNormKernel,
  gemmSplits,
  gemmTileRows,
  GgmlType,
  qkvGemmKernel,
  qkvGemmReduceKernel,
  quantize,
  rmsnormRef,
  splitGemmBindings,
  toGpuLayout,
} from "../../kernels/mod.ts";
import { submitProgram, testGpu } from "./gpu_test_device.ts";
import { Program } from "../../engine/model/program.ts";
import { uniformValues } from "./test_data.ts";

const gpu = await testGpu();

interface Case {
  type: GgmlType;
  k: number;
  rows: number;
  /** Outputs computed (the chunk), at `nBase` of `nTotal`. */
  nCount: number;
  tileRows: number;
  nBase?: number;
  nTotal?: number;
  /** Columns of y and where the projection's columns start. */
  ldy?: number;
  yOff?: number;
  accumulate?: boolean;
  bias?: boolean;
  /** Adapter slot per row (-1: none); LoRA applies when given. */
  adapters?: number[];
  /** Encoding of the up weight: the gated FFN mode. */
  upType?: GgmlType;
  /** K slices: the split GEMM and its reduce instead of the one-pass GEMM. */
  splits?: number;
  /** With `splits`: the reduce also writes the RMSNorm of each finished row (this epsilon). */
  normEps?: number;
}

const RANK = 4;
const SCALES = new Float32Array([0.5, -1.25, 2]);

/** Dot products of x (rows x k) with the chunk of W (nCount x k), in f64. */
function dots(x: Float32Array, w: Float32Array, rows: number, n: number, k: number): Float64Array {
  const out = new Float64Array(rows * n);
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < n; o++) {
      let s = 0;
      for (let i = 0; i < k; i++) s += x[r * k + i] * w[o * k + i];
      out[r * n + o] = s;
    }
  }
  return out;
}

function loraRef(c: Case, u: Float32Array, lb: Float32Array, r: number, col: number): number {
  const a = c.adapters?.[r] ?? -1;
  if (a < 0) return 0;
  let s = 0;
  for (let i = 0; i < RANK; i++) {
    s += lb[(a * (c.nTotal ?? c.nCount) + col) * RANK + i] * u[r * RANK + i];
  }
  return SCALES[a] * s;
}

/** Runs the case on the GPU; returns y and the reference y (and with `normEps`, xn's). */
async function run(
  c: Case,
): Promise<
  { got: Float32Array; want: Float32Array; normed?: { got: Float32Array; want: Float32Array } }
> {
  const { type, k, rows, nCount } = c;
  const nBase = c.nBase ?? 0, nTotal = c.nTotal ?? nCount;
  const ldy = c.ldy ?? nTotal, yOff = c.yOff ?? 0, dual = c.upType !== undefined;
  const lora = c.adapters !== undefined;
  const wq = quantize(type, uniformValues(nCount * k, 1));
  const uq = dual ? quantize(c.upType!, uniformValues(nCount * k, 2)) : new Uint8Array(4);
  const x = uniformValues(rows * k, 3);
  const bias = uniformValues(nTotal, 4);
  const u = uniformValues(rows * RANK, 5), u2 = uniformValues(rows * RANK, 6);
  const lb = uniformValues(SCALES.length * nTotal * RANK, 7),
    lb2 = uniformValues(SCALES.length * nTotal * RANK, 8);
  const y0 = uniformValues(rows * ldy, 9);
  const g = dots(x, dequantizeRow(type, wq, nCount * k), rows, nCount, k);
  const v = dual ? dots(x, dequantizeRow(c.upType!, uq, nCount * k), rows, nCount, k) : g;
  const want = Float32Array.from(y0);
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < nCount; o++) {
      const col = nBase + o, at = r * ldy + yOff + col;
      if (dual) {
        const gate = g[r * nCount + o] + loraRef(c, u, lb, r, col);
        want[at] = gate / (1 + Math.exp(-gate)) * (v[r * nCount + o] + loraRef(c, u2, lb2, r, col));
      } else {
        const s = g[r * nCount + o] + (c.bias ? bias[col] : 0) + loraRef(c, u, lb, r, col);
        want[at] = (c.accumulate ? y0[at] : 0) + s;
      }
    }
  }
  const spec = { type, upType: c.upType, k, n: nTotal, bias: !!c.bias, loraRank: lora ? RANK : 0 };
  const y = gpu.storage(y0.byteLength, "y", y0);
  const s = (a: ArrayBufferView, label: string) => gpu.storage(a.byteLength, label, a);
  const adapters = Int32Array.from(c.adapters ?? new Array(rows).fill(-1));
  const params = new Uint32Array([
    rows,
    nCount,
    nBase,
    ldy,
    yOff,
    +!!c.accumulate,
    c.splits ?? 1,
    0,
  ]);
  const epilogue = [
    c.bias ? s(bias, "bias") : null,
    ...(lora
      ? [s(u, "u"), s(lb, "lb"), s(adapters, "adapters"), s(SCALES, "scales")]
      : [null, null, null, null]),
  ];
  const gpuRows = (t: GgmlType, q: Uint8Array) => toGpuLayout(t, k, nCount, q);
  const w2 = dual ? s(gpuRows(c.upType!, uq), "w2") : null;
  const lora2 = dual && lora ? [s(u2, "u2"), s(lb2, "lb2")] : [null, null];
  const p = new Program(gpu);
  // The one-pass GEMM's bindings; the split derives its two launches' from them as the engine does.
  const bindings = [s(x, "x"), s(gpuRows(type, wq), "w"), y, { params }, ...epilogue, w2, ...lora2];
  if (c.splits === undefined) {
    const code = gemmKernel({ ...spec, tileRows: c.tileRows });
    p.add(code, "gemm", gemmGroups(nCount, rows, c.tileRows), bindings);
  } else {
    const partials = gpu.storage(c.splits * (dual ? 2 : 1) * rows * nCount * 4, "partials");
    const { gemm, reduce } = splitGemmBindings(bindings, partials);
    const code = gemmKernel({ ...spec, tileRows: c.tileRows, split: true });
    p.add(code, "gemm split", gemmGroups(nCount, rows, c.tileRows, c.splits), gemm);
    if (c.normEps === undefined) {
      p.add(gemmReduceKernel(spec), "gemm reduce", gemmReduceGroups(nCount, rows), reduce);
    } else {
      const normW = uniformValues(nCount, 10);
      const xn = gpu.storage(rows * nCount * 4, "xn");
      const code = gemmReduceNormKernel(spec, c.normEps);
      p.add(code, "gemm reduce norm", [1, rows], [...reduce, s(normW, "norm"), xn]);
      const wantXn = new Float32Array(rows * nCount);
      for (let r = 0; r < rows; r++) {
        const row = want.subarray(r * ldy, r * ldy + nCount);
        wantXn.set(rmsnormRef(row, normW, c.normEps), r * nCount);
      }
      submitProgram(gpu, p);
      return {
        got: new Float32Array(await gpu.read(y, y0.byteLength)),
        want,
        normed: { got: new Float32Array(await gpu.read(xn, wantXn.byteLength)), want: wantXn },
      };
    }
  }
  submitProgram(gpu, p);
  return { got: new Float32Array(await gpu.read(y, y0.byteLength)), want };
}

function assertClose(got: Float32Array, want: Float32Array): void {
  for (let i = 0; i < want.length; i++) {
    const tol = 1e-3 * (1 + Math.abs(want[i]));
    assert.ok(Math.abs(got[i] - want[i]) <= tol, `${i}: ${got[i]} vs ${want[i]}`);
  }
}

// One tile size per encoding: every distinct kernel costs llvmpipe seconds to compile.
const TYPES: [GgmlType, number, number][] = [
  [GgmlType.F32, 100, 32], // K not a multiple of the 32-wide step
  [GgmlType.F16, 68, 64],
  [GgmlType.Q8_0, 96, 16], // a batch of decode rows
  [GgmlType.Q5_0, 64, 64],
  [GgmlType.Q4_K, 512, 128],
  [GgmlType.Q6_K, 256, 32],
];

for (const [type, k, tileRows] of TYPES) {
  for (const rows of [1, 17, 70]) {
    Deno.test(`gemm ${GgmlType[type]} K=${k}, ${rows} rows x 70 outputs (tile ${tileRows}) equals the CPU reference`, async () => {
      const { got, want } = await run({ type, k, rows, nCount: 70, tileRows });
      assertClose(got, want);
    });
  }
}

for (const tileRows of [32, 128]) {
  Deno.test(`gemm epilogue (tile ${tileRows}): bias, accumulate and per-row LoRA on a chunk at nBase of a strided y`, async () => {
    const adapters = Array.from({ length: 70 }, (_, r) => r % 4 - 1); // -1 (none), 0, 1, 2
    const { got, want } = await run({
      type: GgmlType.Q4_K,
      k: 256,
      rows: 70,
      nCount: 70,
      nBase: 30,
      nTotal: 100,
      ldy: 130,
      yOff: 20,
      tileRows,
      accumulate: true,
      bias: true,
      adapters,
    });
    assertClose(got, want);
  });
}

Deno.test("gemm with a K step cut short (K=100) adds to y", async () => {
  const { got, want } = await run({
    type: GgmlType.F32,
    k: 100,
    rows: 17,
    nCount: 70,
    tileRows: 32,
    accumulate: true,
  });
  assertClose(got, want);
});

for (
  const [type, upType, k, rows, tileRows, lora] of [
    [GgmlType.F16, GgmlType.F16, 100, 17, 16, false],
    // Plain weights load in cache lines; this tile is the one left unpadded (see layoutOf).
    [GgmlType.F16, GgmlType.F16, 100, 70, 128, false],
    [GgmlType.Q5_0, GgmlType.Q5_0, 64, 70, 64, true],
    [GgmlType.Q4_K, GgmlType.Q6_K, 256, 70, 128, true],
  ] as const
) {
  {
    const what = `${GgmlType[type]}/${GgmlType[upType]} K=${k}, ${rows} rows, tile ${tileRows}` +
      (lora ? ", mixed LoRA adapters" : "");
    Deno.test(`gemm gated (${what}) equals silu(gate) * up of the CPU reference`, async () => {
      const adapters = lora ? Array.from({ length: rows }, (_, r) => (r * 7) % 4 - 1) : undefined;
      const { got, want } = await run({
        type,
        upType,
        k,
        rows,
        nCount: 70,
        tileRows,
        adapters,
      });
      assertClose(got, want);
    });
  }
}

// The K split: one weight encoding and tile for the plain cases, so they share a kernel.
for (const [rows, splits] of [[17, 2], [70, 3]]) {
  Deno.test(`gemm split into ${splits} K slices (Q4_K K=512, ${rows} rows, tile 32) equals the CPU reference`, async () => {
    const { got, want } = await run({
      type: GgmlType.Q4_K,
      k: 512,
      rows,
      nCount: 70,
      nTotal: 100,
      tileRows: 32,
      splits,
    });
    assertClose(got, want);
  });
}

// F16 weights take the 16-row tile's K groups (see gemm.ts, K_GROUPS); Q4_K ones do not.
for (const type of [GgmlType.Q4_K, GgmlType.F16]) {
  Deno.test(`gemm split into 4 K slices with 16-row tiles (${GgmlType[type]} K=512, 16 rows, as a decode batch) equals the CPU reference`, async () => {
    const { got, want } = await run({
      type,
      k: 512,
      rows: 16,
      nCount: 70,
      nTotal: 100,
      tileRows: 16,
      splits: 4,
    });
    assertClose(got, want);
  });
}

Deno.test("gemm split: bias, accumulate and per-row LoRA on a chunk at nBase of a strided y", async () => {
  const adapters = Array.from({ length: 70 }, (_, r) => r % 4 - 1);
  const { got, want } = await run({
    type: GgmlType.Q4_K,
    k: 512,
    rows: 70,
    nCount: 70,
    nBase: 30,
    nTotal: 100,
    ldy: 130,
    yOff: 20,
    tileRows: 32,
    accumulate: true,
    bias: true,
    adapters,
    splits: 3,
  });
  assertClose(got, want);
});

Deno.test("gemm split whose reduce also norms the rows: y gets the residual sum, xn its RMSNorm (300 outputs, bias, mixed LoRA adapters)", async () => {
  const { got, want, normed } = await run({
    type: GgmlType.Q4_K,
    k: 512,
    rows: 17,
    nCount: 300, // over one invocation's share of a 256-wide workgroup
    tileRows: 32,
    splits: 3,
    accumulate: true,
    bias: true,
    adapters: Array.from({ length: 17 }, (_, r) => r % 4 - 1),
    normEps: 1e-6,
  });
  assertClose(got, want);
  assertClose(normed!.got, normed!.want);
});

Deno.test("gemm split with a K step cut short (F32 K=100) equals the CPU reference", async () => {
  const { got, want } = await run({
    type: GgmlType.F32,
    k: 100,
    rows: 17,
    nCount: 70,
    tileRows: 32,
    splits: 2,
  });
  assertClose(got, want);
});

Deno.test("gemm split gated (Q4_K/Q6_K K=256, 70 rows, mixed LoRA adapters) equals silu(gate) * up of the CPU reference", async () => {
  const adapters = Array.from({ length: 70 }, (_, r) => (r * 7) % 4 - 1);
  const { got, want } = await run({
    type: GgmlType.Q4_K,
    upType: GgmlType.Q6_K,
    k: 256,
    rows: 70,
    nCount: 70,
    tileRows: 32,
    adapters,
    splits: 4,
  });
  assertClose(got, want);
});

Deno.test("gemm split gives bit-identical results run after run", async () => {
  const c = {
    type: GgmlType.Q4_K,
    k: 512,
    rows: 70,
    nCount: 70,
    nTotal: 100,
    tileRows: 32,
    splits: 3,
  };
  const first = new Uint32Array((await run(c)).got.buffer);
  for (let i = 0; i < 3; i++) {
    assert.deepEqual(new Uint32Array((await run(c)).got.buffer), first);
  }
});

Deno.test("gemmSplits: slices of whole 32-steps, none empty, within the target workgroups and the partials buffer", () => {
  assert.equal(gemmSplits(4864, 512, 896, 64, true), 1, "enough tiles: no split");
  assert.equal(gemmSplits(896, 32, 64, 32), 1, "short K: no split");
  assert.equal(
    gemmSplits(896, 32, 4864, 32),
    17,
    "the FFN down projection at 32 rows: 17 x 9 steps",
  );
  for (const rows of [1, 17, 32, 100, 256, 512]) {
    for (const [n, k] of [[128, 896], [896, 896], [896, 4864], [2048, 11008], [4864, 896]]) {
      for (const [tm, gated] of [[32, false], [64, true], [128, false], [128, true]] as const) {
        const splits = gemmSplits(n, rows, k, tm, gated), steps = Math.ceil(k / 32);
        const [gx, gy] = gemmGroups(n, rows, tm);
        const what = `${rows} x ${n} x ${k}, tile ${tm}${gated ? ", gated" : ""}`;
        assert.ok(splits >= 1 && (splits - 1) * Math.ceil(steps / splits) < steps, what);
        if (splits > 1) {
          assert.ok(splits * gx * gy <= GEMM_SPLIT_WORKGROUPS * (gated ? 2 : 1), what);
          assert.ok(splits * rows * n * (gated ? 2 : 1) <= gemmPartialsFloats(512, gated), what);
        }
      }
    }
  }
});

// Q, K and V as one GEMM: mixed encodings, biases, each output in its own buffer; one pass or
// K split with the QKV reduce. Outputs of 96, 128 and 64: a tile never straddles two weights in
// the engine, but the kernel must not depend on it, so K's outputs start mid-tile here (96).
for (
  const [tileRows, rows, splits] of [[16, 16, 1], [16, 16, 3], [32, 17, 2]] as const
) {
  Deno.test(`qkv gemm (tile ${tileRows}, ${rows} rows, ${splits} K slice${splits > 1 ? "s" : ""}, Q5_0/Q4_K/Q8_0 with bias) equals three CPU projections`, async () => {
    const k = 256, outs: [number, number, number] = [96, 128, 64];
    const types: [GgmlType, GgmlType, GgmlType] = [GgmlType.Q5_0, GgmlType.Q4_K, GgmlType.Q8_0];
    const total = outs[0] + outs[1] + outs[2];
    const x = uniformValues(rows * k, 40);
    const ws = outs.map((n, i) => quantize(types[i], uniformValues(n * k, 41 + i)));
    const biases = outs.map((n, i) => uniformValues(n, 44 + i));
    const ys = outs.map((n, i) => gpu.storage(rows * n * 4, `y${i}`));
    const s = (a: ArrayBufferView, label: string) => gpu.storage(a.byteLength, label, a);
    const w = ws.map((q, i) => s(toGpuLayout(types[i], k, outs[i], q), `w${i}`));
    const b = biases.map((v, i) => s(v, `b${i}`));
    const params = { params: new Uint32Array([rows, total, 0, 0, 0, 0, splits, 0]) };
    const spec = { types, outputs: outs, k, bias: true, tileRows };
    const p = new Program(gpu);
    if (splits === 1) {
      p.add(qkvGemmKernel(spec), "qkv", gemmGroups(total, rows, tileRows), [
        s(x, "x"),
        w[0],
        ys[0],
        params,
        b[0],
        null,
        null,
        null,
        null,
        w[1],
        w[2],
        ys[1],
        ys[2],
        b[1],
        b[2],
      ]);
    } else {
      const partials = gpu.storage(splits * rows * total * 4, "partials");
      p.add(
        qkvGemmKernel({ ...spec, split: true }),
        "qkv split",
        gemmGroups(total, rows, tileRows, splits),
        [s(x, "x"), w[0], partials, params, null, null, null, null, null, w[1], w[2]],
      );
      p.add(qkvGemmReduceKernel(spec), "qkv reduce", gemmReduceGroups(total, rows), [
        null,
        null,
        ys[0],
        params,
        b[0],
        partials,
        null,
        null,
        null,
        null,
        null,
        ys[1],
        ys[2],
        b[1],
        b[2],
      ]);
    }
    submitProgram(gpu, p);
    for (let i = 0; i < 3; i++) {
      const got = new Float32Array(await gpu.read(ys[i], rows * outs[i] * 4));
      const d = dots(x, dequantizeRow(types[i], ws[i], outs[i] * k), rows, outs[i], k);
      const want = Float32Array.from(d, (v, j) => v + biases[i][j % outs[i]]);
      assertClose(got, want);
    }
  });
}

Deno.test("gemmTileRows: the largest tile the rows fill, smaller for few outputs with a short K", () => {
  assert.equal(gemmTileRows(16, 896, 4864), 16, "16 decode rows fill a 16-row tile");
  assert.equal(gemmTileRows(16, 4864, 896, true), 16);
  assert.equal(gemmTileRows(32, 896, 4864), 32);
  assert.equal(gemmTileRows(100, 896, 4864), 64);
  assert.equal(gemmTileRows(512, 896, 4864), 128);
  assert.equal(gemmTileRows(512, 128, 896), 64, "K/V: 128-row tiles leave too few workgroups");
  assert.equal(gemmTileRows(128, 128, 896), 32);
  assert.equal(gemmTileRows(512, 4864, 896, true), 64, "enough tiles unsplit, short K");
  assert.equal(gemmTileRows(512, 11008, 2048, true), 128, "enough tiles unsplit, long K");
});
