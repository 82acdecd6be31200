/**
 * The matmul kernel against a CPU reference (decode with dequantizeRow, dot in f64), for both
 * schedules, short and long rows (16 and 64 lanes), several encodings and the gated FFN mode,
 * and each walk of the cooperative schedule: vec4s, 32-value chunks and 16-byte words of F16/BF16.
 */
import assert from "node:assert/strict";
import {
  dequantizeRow,
  GgmlType,
  loraDownKernel,
  matmulGroups,
  matmulKernel,
  matmulLanes,
  matmulSchedule,
  type MatmulSpec,
  qkvMatmulGroups,
  qkvMatmulKernel,
  type QkvMatmulSpec,
  quantize,
  type ScheduleOverrides,
  toGpuLayout,
} from "../../kernels/mod.ts";
import { submitProgram, testGpu } from "./gpu_test_device.ts";
import { Program } from "../../engine/model/program.ts";
import { uniformValues } from "./test_data.ts";

const gpu = await testGpu();

/** `rows` weight rows of `k` values (file layout) on the GPU in its layout, as the engine has them. */
function upload(type: GgmlType, k: number, rows: number, bytes: Uint8Array, label: string) {
  const gpuRows = toGpuLayout(type, k, rows, bytes);
  return gpu.storage(gpuRows.byteLength, label, gpuRows);
}

async function run(
  type: GgmlType,
  k: number,
  n: number,
  rows: number,
  cooperative: boolean,
  gated: boolean,
  normEps?: number,
  schedule: ScheduleOverrides = {},
): Promise<{ got: Float32Array; want: Float32Array }> {
  const wq = quantize(type, uniformValues(n * k, 1));
  const uq = quantize(type, uniformValues(n * k, 2));
  const raw = uniformValues(rows * k, 3);
  const normW = uniformValues(k, 4);
  // With a folded norm the reference input is RMSNorm(raw) * normW; the kernel reads raw.
  const x = normEps === undefined ? raw : rmsNormRows(raw, normW, k, normEps);
  const wf = dequantizeRow(type, wq, n * k), uf = dequantizeRow(type, uq, n * k);
  const want = new Float32Array(rows * n);
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < n; o++) {
      let g = 0, u = 0;
      for (let i = 0; i < k; i++) {
        g += x[r * k + i] * wf[o * k + i];
        u += x[r * k + i] * uf[o * k + i];
      }
      want[r * n + o] = gated ? g / (1 + Math.exp(-g)) * u : g;
    }
  }
  const y = gpu.storage(rows * n * 4, "y");
  const p = new Program(gpu);
  const spec: MatmulSpec = {
    ...schedule,
    type,
    upType: gated ? type : undefined,
    k,
    n,
    bias: false,
    loraRank: 0,
    cooperative,
    rowBlock: rows >= 8 ? 8 : rows >= 4 ? 4 : 1, // as the engine picks it
    normEps,
  };
  const code = matmulKernel(spec);
  const bindings: (GPUBuffer | { params: Uint32Array } | null)[] = [
    gpu.storage(raw.byteLength, "x", raw),
    upload(type, k, n, wq, "w"),
    y,
    { params: new Uint32Array([rows, n, 0, n, 0, 0, 0, 0]) },
  ];
  if (gated) bindings[9] = upload(type, k, n, uq, "u");
  if (normEps !== undefined) bindings[15] = gpu.storage(normW.byteLength, "norm", normW);
  p.add(code, "mm", matmulGroups(n, spec), [...bindings].map((b) => b ?? null));
  submitProgram(gpu, p);
  return { got: new Float32Array(await gpu.read(y, rows * n * 4)), want };
}

for (const cooperative of [false, true]) {
  for (
    const [type, k] of [
      [GgmlType.F16, 256],
      [GgmlType.F16, 100],
      [GgmlType.Q8_0, 512],
      [GgmlType.Q4_K, 512],
      [GgmlType.Q5_0, 256],
      [GgmlType.Q6_K, 256],
    ]
  ) {
    for (const gated of [false, true]) {
      const what = `${cooperative ? "cooperative" : "per-thread"} ${GgmlType[type]} K=${k}` +
        (gated ? " gated" : "");
      Deno.test(`matmul ${what} equals the CPU reference`, async () => {
        const { got, want } = await run(type, k, 12, 5, cooperative, gated);
        for (let i = 0; i < want.length; i++) {
          const tol = 1e-3 * (1 + Math.abs(want[i]));
          assert.ok(Math.abs(got[i] - want[i]) <= tol, `${i}: ${got[i]} vs ${want[i]}`);
        }
      });
    }
  }
}

/** `x * w / sqrt(mean(x^2) + eps)` per row of `k` (the RMSNorm the kernel folds in). */
function rmsNormRows(x: Float32Array, w: Float32Array, k: number, eps: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let r = 0; r < x.length / k; r++) {
    let ss = 0;
    for (let i = 0; i < k; i++) ss += x[r * k + i] ** 2;
    const scale = 1 / Math.sqrt(ss / k + eps);
    for (let i = 0; i < k; i++) out[r * k + i] = x[r * k + i] * scale * w[i];
  }
  return out;
}

for (const cooperative of [false, true]) {
  for (const gated of [false, true]) {
    const what = `${cooperative ? "cooperative" : "per-thread"}${gated ? " gated" : ""}`;
    Deno.test(`matmul ${what} with the RMSNorm folded in equals norm then matmul`, async () => {
      const { got, want } = await run(GgmlType.Q8_0, 256, 12, 3, cooperative, gated, 1e-6);
      for (let i = 0; i < want.length; i++) {
        const tol = 1e-3 * (1 + Math.abs(want[i]));
        assert.ok(Math.abs(got[i] - want[i]) <= tol, `${i}: ${got[i]} vs ${want[i]}`);
      }
    });
  }
}

// The cooperative schedule gives each output 16 to 256 lanes by the output count; the cases
// above (12 outputs) take 64 or 128 lanes, these 32 and 16, so 8 and 16 outputs share a
// workgroup of 256 and the last workgroup has outputs past the end.
for (const n of [4100, 20008]) {
  Deno.test(`matmul cooperative Q8_0 K=128 with ${n} outputs equals the CPU reference`, async () => {
    const { got, want } = await run(GgmlType.Q8_0, 128, n, 2, true, false);
    for (let i = 0; i < want.length; i++) {
      const tol = 1e-3 * (1 + Math.abs(want[i]));
      assert.ok(Math.abs(got[i] - want[i]) <= tol, `${i}: ${got[i]} vs ${want[i]}`);
    }
  });
}

Deno.test("matmul lanes: many outputs walk chunks with 2 lanes; others vec4s with 16-256", () => {
  assert.equal(matmulLanes(896, 151936), 2); // the vocabulary projection, in chunks
  assert.equal(matmulLanes(896, 151936, [GgmlType.Q6_K]), 2);
  assert.equal(matmulLanes(64, 40000), 2);
  assert.equal(matmulLanes(896, 128), 128); // 256 lanes would leave 32 of them no vec4
  assert.equal(matmulLanes(128, 4096), 32); // a 128-long row has 32 vec4s
  assert.equal(matmulLanes(4864, 896), 256);
  assert.equal(matmulLanes(896, 4864), 32);
  assert.equal(matmulLanes(896, 20000), 16); // 32 lanes would pass 2^18 invocations
  assert.equal(matmulLanes(100, 128), 16); // 25 vec4s
});

Deno.test("matmul lanes: F16 and BF16 rows walk 16-byte words, so half the lanes cover a row", () => {
  assert.equal(matmulLanes(128, 4096, [GgmlType.F16]), 16); // 16 words of 8 values
  assert.equal(matmulLanes(2048, 2048, [GgmlType.F16]), 64); // 2^17 invocations
  assert.equal(matmulLanes(2048, 11008, [GgmlType.F16, GgmlType.BF16]), 16); // 16 words a lane
  assert.equal(matmulLanes(11008, 2048, [GgmlType.F16]), 128); // 10.75 words a lane
  assert.equal(matmulLanes(2048, 151936, [GgmlType.F16]), 16); // not chunked
  assert.equal(matmulLanes(100, 128, [GgmlType.F16]), 16); // 100 is not whole words: vec4s
  assert.equal(matmulLanes(2048, 11008, [GgmlType.F16, GgmlType.Q8_0]), 16); // vec4s
});

Deno.test("matmul schedule: one-row launches take one step at a time, row blocks two", () => {
  const spec = (type: GgmlType, k: number, n: number, rowBlock: number): MatmulSpec => ({
    type,
    k,
    n,
    bias: false,
    loraRank: 0,
    cooperative: true,
    rowBlock,
  });
  assert.deepEqual(matmulSchedule(spec(GgmlType.F16, 11008, 2048, 1)), {
    walk: "wide",
    lanes: 128,
    unroll: 1,
    workgroup: 256,
  });
  assert.deepEqual(matmulSchedule(spec(GgmlType.Q6_K, 4864, 896, 8)), {
    walk: "quad",
    lanes: 256,
    unroll: 2,
    workgroup: 256,
  });
  assert.equal(matmulSchedule(spec(GgmlType.Q8_0, 896, 151936, 1)).walk, "chunk");
  // A bench's overrides win, and a workgroup that cannot hold whole outputs is refused.
  const over = { ...spec(GgmlType.F16, 2048, 2048, 1), lanes: 8, unroll: 3, workgroup: 128 };
  assert.deepEqual(matmulSchedule(over), { walk: "wide", lanes: 8, unroll: 3, workgroup: 128 });
  assert.throws(() => matmulSchedule({ ...over, workgroup: 100 }), /not a multiple of 8 lanes/);
  // A walk override (the bench sweeps walks): chunks for a short quantized launch, and the reason
  // where the shape or the encoding cannot take the walk.
  const q5 = spec(GgmlType.Q5_0, 896, 896, 1);
  assert.equal(matmulSchedule(q5).walk, "quad");
  assert.deepEqual(matmulSchedule({ ...q5, walk: "chunk", lanes: 32 }), {
    walk: "chunk",
    lanes: 32,
    unroll: 1,
    workgroup: 256,
  });
  // Chunked launches keep 2 lanes and 32 outputs to a workgroup.
  assert.equal(matmulSchedule(spec(GgmlType.Q8_0, 896, 151936, 1)).workgroup, 64);
  // One-row launches of 16 or 32 lanes take 256 invocations; row blocks of them keep 64.
  assert.equal(matmulSchedule(spec(GgmlType.Q8_0, 128, 4100, 1)).lanes, 32);
  assert.equal(matmulSchedule(spec(GgmlType.Q8_0, 128, 4100, 1)).workgroup, 256);
  assert.equal(matmulSchedule(spec(GgmlType.Q8_0, 128, 4100, 8)).workgroup, 64);
  assert.throws(
    () => matmulSchedule({ ...spec(GgmlType.F16, 904, 64, 1), walk: "chunk" }),
    /chunk walk needs K a multiple of 32 \(K=904\)/,
  );
  assert.throws(() => matmulSchedule({ ...q5, walk: "wide" }), /wide walk needs F16 or BF16/);
});

Deno.test("matmul walking 32-value chunks by override (Q5_0 K=256, 40 outputs, 3 rows, gated, RMSNorm folded, 8 lanes) equals the CPU reference", async () => {
  const { got, want } = await run(GgmlType.Q5_0, 256, 40, 3, true, true, 1e-6, {
    walk: "chunk",
    lanes: 8,
  });
  for (let i = 0; i < want.length; i++) {
    const tol = 1e-3 * (1 + Math.abs(want[i]));
    if (!(Math.abs(got[i] - want[i]) <= tol)) assert.fail(`${i}: ${got[i]} vs ${want[i]}`);
  }
});

// F16 and BF16 rows of a multiple of 8 values walk 16-byte words (`raw8`): whole strides and a
// ragged last stride, gated, with the norm folded in, 9 rows (a block of 8 and one more), and
// schedules the engine's plan does not pick (bench sweeps set lanes and unroll).
for (
  const [type, k, rows, gated, norm, schedule] of [
    [GgmlType.F16, 512, 1, false, false, {}],
    [GgmlType.BF16, 512, 2, true, false, {}],
    [GgmlType.F16, 200, 9, true, true, {}],
    [GgmlType.BF16, 256, 3, false, true, { lanes: 8, unroll: 4 }],
    [GgmlType.F16, 1024, 4, true, false, { lanes: 128, unroll: 1 }],
    [GgmlType.F16, 768, 1, false, false, { lanes: 32, unroll: 3 }],
  ] as const
) {
  const what = `${GgmlType[type]} K=${k}, ${rows} rows${gated ? ", gated" : ""}` +
    `${norm ? ", RMSNorm folded" : ""}${schedule.lanes ? `, ${schedule.lanes} lanes` : ""}` +
    `${schedule.unroll ? ` x${schedule.unroll}` : ""}`;
  Deno.test(`matmul in 16-byte words (${what}) equals the CPU reference`, async () => {
    const n = 40;
    const { got, want } = await run(type, k, n, rows, true, gated, norm ? 1e-6 : undefined, {
      ...schedule,
    });
    for (let i = 0; i < want.length; i++) {
      const tol = 1e-3 * (1 + Math.abs(want[i]));
      if (!(Math.abs(got[i] - want[i]) <= tol)) assert.fail(`${i}: ${got[i]} vs ${want[i]}`);
    }
  });
}

// 32,768 outputs: the chunked cooperative loop (load32), as the vocabulary projection runs.
for (
  const [type, k, rows, gated, norm] of [
    [GgmlType.Q8_0, 128, 3, false, false],
    [GgmlType.Q5_0, 128, 3, false, false],
    [GgmlType.Q6_K, 256, 3, false, false],
    [GgmlType.Q4_K, 256, 3, false, false],
    // A block of 8 rows over 2 lanes: each lane stores four of the block's rows.
    [GgmlType.Q8_0, 128, 9, true, true],
  ] as const
) {
  const what = `${GgmlType[type]} K=${k}, ${rows} rows${gated ? ", gated" : ""}` +
    (norm ? ", RMSNorm folded" : "");
  Deno.test(`matmul in chunks over 32,768 outputs (${what}) equals the CPU reference`, async () => {
    assert.equal(matmulLanes(k, 32768, [type]), 2);
    const { got, want } = await run(type, k, 32768, rows, true, gated, norm ? 1e-6 : undefined);
    for (let i = 0; i < want.length; i++) {
      const tol = 1e-3 * (1 + Math.abs(want[i]));
      if (!(Math.abs(got[i] - want[i]) <= tol)) assert.fail(`${i}: ${got[i]} vs ${want[i]}`);
    }
  });
}

const QKV_CASES: [boolean, boolean, [GgmlType, GgmlType, GgmlType]][] = [
  [false, false, [GgmlType.Q8_0, GgmlType.Q4_K, GgmlType.F16]],
  [true, false, [GgmlType.Q8_0, GgmlType.Q4_K, GgmlType.F16]],
  [true, true, [GgmlType.Q8_0, GgmlType.Q4_K, GgmlType.F16]],
  // 16-bit weights only: the wide walk, each weight through its own decoder.
  [true, false, [GgmlType.F16, GgmlType.BF16, GgmlType.F16]],
  [true, true, [GgmlType.BF16, GgmlType.F16, GgmlType.BF16]],
];
for (const [cooperative, norm, types] of QKV_CASES) {
  const what = `${cooperative ? "cooperative" : "per-thread"}${norm ? ", RMSNorm folded in" : ""}` +
    `, ${types.map((t) => GgmlType[t]).join("/")} with bias`;
  Deno.test(`qkv matmul (${what}) equals three matmuls`, async () => {
    const k = 256, rows = 3, outs: [number, number, number] = [64, 32, 32];
    const raw = uniformValues(rows * k, 7), normW = uniformValues(k, 8), eps = 1e-5;
    const x = norm ? rmsNormRows(raw, normW, k, eps) : raw;
    const ws = outs.map((n, i) => quantize(types[i], uniformValues(n * k, 20 + i)));
    const biases = outs.map((n, i) => uniformValues(n, 30 + i));
    const ys = outs.map((n, i) => gpu.storage(rows * n * 4, `y${i}`));
    const total = outs[0] + outs[1] + outs[2];
    const p = new Program(gpu);
    const spec: QkvMatmulSpec = {
      types,
      outputs: outs,
      k,
      bias: true,
      cooperative,
      rowBlock: 2,
      normEps: norm ? eps : undefined,
    };
    p.add(
      qkvMatmulKernel(spec),
      "qkv",
      qkvMatmulGroups(spec),
      [
        gpu.storage(raw.byteLength, "x", raw),
        upload(types[0], k, outs[0], ws[0], "wq"),
        ys[0],
        { params: new Uint32Array([rows, total, 0, 0, 0, 0, 0, 0]) },
        gpu.storage(outs[0] * 4, "bq", biases[0]),
        null,
        null,
        null,
        null,
        upload(types[1], k, outs[1], ws[1], "wk"),
        upload(types[2], k, outs[2], ws[2], "wv"),
        ys[1],
        ys[2],
        gpu.storage(outs[1] * 4, "bk", biases[1]),
        gpu.storage(outs[2] * 4, "bv", biases[2]),
        norm ? gpu.storage(normW.byteLength, "norm", normW) : null,
      ],
    );
    submitProgram(gpu, p);
    for (let i = 0; i < 3; i++) {
      const got = new Float32Array(await gpu.read(ys[i], rows * outs[i] * 4));
      const wf = dequantizeRow(types[i], ws[i], outs[i] * k);
      for (let r = 0; r < rows; r++) {
        for (let o = 0; o < outs[i]; o++) {
          let want = biases[i][o];
          for (let j = 0; j < k; j++) want += x[r * k + j] * wf[o * k + j];
          const g = got[r * outs[i] + o];
          assert.ok(
            Math.abs(g - want) <= 1e-3 * (1 + Math.abs(want)),
            `${i} ${r} ${o}: ${g} vs ${want}`,
          );
        }
      }
    }
  });
}

// The LoRA down projections of one input in one launch (q, k and v; gate and up), with the
// input's RMSNorm folded in: each module's u equals A . RMSNorm(x) of its own A, and rows
// without an adapter get zeros.
for (const [modules, norm] of [[3, true], [2, false], [1, true]] as const) {
  Deno.test(`lora down: ${modules} modules in one launch${norm ? ", RMSNorm folded" : ""} equal the CPU reference`, async () => {
    const k = 96, rank = 8, slots = 2, rows = 3, eps = 1e-6;
    const rowAdapter = new Int32Array([1, -1, 0]);
    const raw = uniformValues(rows * k, 40), normW = uniformValues(k, 41);
    const x = norm ? rmsNormRows(raw, normW, k, eps) : raw;
    const as = Array.from({ length: modules }, (_, i) => uniformValues(slots * rank * k, 50 + i));
    const us = as.map((_, i) => gpu.storage(rows * rank * 4, `u${i}`));
    const p = new Program(gpu);
    p.add(
      loraDownKernel(k, rank, true, { modules, normEps: norm ? eps : undefined }),
      "lora down",
      [rows, rank, modules],
      [
        gpu.storage(raw.byteLength, "x", raw),
        gpu.storage(as[0].byteLength, "a0", as[0]),
        us[0],
        gpu.storage(rowAdapter.byteLength, "slots", rowAdapter),
        { params: new Uint32Array([rows, 0, 0, 0]) },
        ...[1, 2].flatMap((i) =>
          i < modules ? [gpu.storage(as[i].byteLength, `a${i}`, as[i]), us[i]] : [null, null]
        ),
        norm ? gpu.storage(normW.byteLength, "norm", normW) : null,
      ],
    );
    submitProgram(gpu, p);
    for (let m = 0; m < modules; m++) {
      const got = new Float32Array(await gpu.read(us[m], rows * rank * 4));
      for (let r = 0; r < rows; r++) {
        for (let j = 0; j < rank; j++) {
          let want = 0;
          const slot = rowAdapter[r];
          if (slot >= 0) {
            for (let i = 0; i < k; i++) want += as[m][(slot * rank + j) * k + i] * x[r * k + i];
          }
          const g = got[r * rank + j];
          assert.ok(
            Math.abs(g - want) <= 1e-4 * (1 + Math.abs(want)),
            `${m} ${r} ${j}: ${g} vs ${want}`,
          );
        }
      }
    }
  });
}

Deno.test("lora down: several modules or a folded norm need the cooperative schedule", () => {
  assert.throws(() => loraDownKernel(64, 8, false, { modules: 2 }), /cooperative schedule/);
  assert.throws(() => loraDownKernel(64, 8, false, { normEps: 1e-6 }), /cooperative schedule/);
  assert.throws(() => loraDownKernel(64, 8, true, { modules: 4 }), /4 modules in one launch/);
});
