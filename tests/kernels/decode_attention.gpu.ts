/**
 * The fused decode attention (q/k norm, RoPE, KV-cache write, split attention and the merge of its
 * chunks in one launch) against a CPU reference: each row's output, and the cache afterwards
 * holding the row's rotated key and its value at its position. Launched twice, since the chunks'
 * arrival counts must be left ready for the next launch.
 */
import assert from "node:assert/strict";
import {
  attentionChunks,
  attentionHeadRef,
  decodeAttentionKernel,
  type DecodeAttentionSpec,
} from "../../kernels/mod.ts";
import { testGpu } from "./gpu_test_device.ts";
import { Program } from "../../engine/model/program.ts";
import { uniformValues } from "./test_data.ts";

const gpu = await testGpu();
const HQ = 4, HKV = 2, HD = 32, CTX = 512, EPS = 1e-6;

/** One row per sequence slot: (slot, position); positions at and around chunk edges. */
const rowsInfo: [number, number][] = [[0, 300], [1, 5], [2, 127], [3, 128], [4, 0], [5, 511]];
const R = rowsInfo.length, SLOTS = rowsInfo.length;
const q = uniformValues(R * HQ * HD, 11);
const k = uniformValues(R * HKV * HD, 12);
const v = uniformValues(R * HKV * HD, 13);
const kCache = uniformValues(SLOTS * CTX * HKV * HD, 14);
const vCache = uniformValues(SLOTS * CTX * HKV * HD, 15);
const qNorm = uniformValues(HD, 16).map((x) => 1 + x / 2);
const kNorm = uniformValues(HD, 17).map((x) => 1 + x / 2);
const invFreq = Float32Array.from({ length: HD / 2 }, (_, i) => 1 / 10000 ** (2 * i / HD));

/** `x` (one head) RMS-normed by `w` when given, then rotated to `pos`. */
function rotate(x: Float32Array, pos: number, neox: boolean, w?: Float32Array): Float32Array {
  let h = x;
  if (w) {
    const inv = 1 / Math.sqrt(x.reduce((s, a) => s + a * a, 0) / HD + EPS);
    h = x.map((a, d) => a * inv * w[d]);
  }
  const out = new Float32Array(HD);
  for (let d = 0; d < HD; d++) {
    const i = neox ? d % (HD / 2) : Math.floor(d / 2);
    const [c, s] = [Math.cos(pos * invFreq[i]), Math.sin(pos * invFreq[i])];
    const partner = neox ? (d < HD / 2 ? d + HD / 2 : d - HD / 2) : d ^ 1;
    const sign = neox ? (d < HD / 2 ? -1 : 1) : (d % 2 === 0 ? -1 : 1);
    out[d] = h[d] * c + sign * h[partner] * s;
  }
  return out;
}

/** The attention outputs and the caches after the step. */
function reference(qkNorm: boolean, neox: boolean) {
  const kc = kCache.slice(), vc = vCache.slice(), out = new Float32Array(R * HQ * HD);
  const at = (slot: number, pos: number, kh: number) => ((slot * CTX + pos) * HKV + kh) * HD;
  rowsInfo.forEach(([slot, pos], r) => {
    for (let kh = 0; kh < HKV; kh++) {
      const base = (r * HKV + kh) * HD;
      kc.set(
        rotate(k.subarray(base, base + HD), pos, neox, qkNorm ? kNorm : undefined),
        at(slot, pos, kh),
      );
      vc.set(v.subarray(base, base + HD), at(slot, pos, kh));
    }
    for (let h = 0; h < HQ; h++) {
      const kh = Math.floor(h / (HQ / HKV));
      const qb = (r * HQ + h) * HD;
      const qr = rotate(q.subarray(qb, qb + HD), pos, neox, qkNorm ? qNorm : undefined);
      const head = (buf: Float32Array, i: number) =>
        buf.subarray(at(slot, i, kh), at(slot, i, kh) + HD);
      out.set(attentionHeadRef(qr, pos + 1, (i) => head(kc, i), (i) => head(vc, i)), qb);
    }
  });
  return { out, kc, vc };
}

async function run(spec: DecodeAttentionSpec) {
  const info = new Uint32Array(R * 4);
  rowsInfo.forEach(([slot, pos], r) => info.set([slot, pos, 0, 0], r * 4));
  const chunks = attentionChunks(spec);
  const s = (data: Float32Array | Uint32Array, label: string) =>
    gpu.storage(data.byteLength, label, data);
  const [kc, vc, rowInfo] = [s(kCache, "k cache"), s(vCache, "v cache"), s(info, "rows")];
  const part = gpu.storage(R * HQ * chunks * (HD + 2) * 4, "partials");
  const outs = [gpu.storage(R * HQ * HD * 4, "out 1"), gpu.storage(R * HQ * HD * 4, "out 2")];
  const arrived = gpu.storage(R * HQ * 4, "arrivals");
  const params = { params: new Uint32Array([R, 0, 0, 0]) };
  const norms = spec.qkNorm ? [s(qNorm, "q norm"), s(kNorm, "k norm")] : [null, null];
  const inputs = [s(q, "q"), s(k, "k"), s(v, "v"), kc, vc, rowInfo, s(invFreq, "freqs"), params];
  const p = new Program(gpu);
  // Rewriting the cache with the same rotated key and value leaves the second launch's inputs
  // as the first's.
  for (const out of outs) {
    p.add(decodeAttentionKernel(spec), "attention", [R, HQ, chunks], [
      ...inputs,
      ...norms,
      part,
      out,
      arrived,
    ]);
  }
  const enc = gpu.device.createCommandEncoder();
  const pass = enc.beginComputePass();
  p.encode(pass);
  pass.end();
  gpu.device.queue.submit([enc.finish()]);
  const read = async (b: GPUBuffer, n: number) => new Float32Array(await gpu.read(b, n * 4));
  return {
    outs: [await read(outs[0], R * HQ * HD), await read(outs[1], R * HQ * HD)],
    arrived: new Uint32Array(await gpu.read(arrived, R * HQ * 4)),
    kc: await read(kc, kCache.length),
    vc: await read(vc, vCache.length),
  };
}

for (
  // Key chunks of 128 take 2 invocations per key's score at 256 invocations, chunks of 64 take
  // 4, and chunks of 256 at 64 invocations take each invocation over several keys.
  const [workgroup, qkNorm, neox, splitKeys] of [
    [64, true, true, 128],
    [256, true, true, 128],
    [64, false, false, 128],
    [256, false, true, 128],
    [256, true, false, 64],
    [64, true, true, 256],
  ] as const
) {
  Deno.test(`decode attention (${workgroup} invocations, ${splitKeys}-key chunks${qkNorm ? ", q/k norm" : ""}, ${neox ? "NeoX" : "pairwise"} rotation) equals the CPU reference and writes the cache`, async () => {
    const want = reference(qkNorm, neox);
    const got = await run({
      heads: HQ,
      kvHeads: HKV,
      headDim: HD,
      contextLength: CTX,
      qkNorm,
      eps: EPS,
      neox,
      workgroup,
      splitKeys,
    });
    got.outs.forEach((out, launch) => {
      for (let i = 0; i < want.out.length; i++) {
        assert.ok(
          Math.abs(out[i] - want.out[i]) <= 1e-4,
          `launch ${launch + 1}, out ${i}: ${out[i]} vs ${want.out[i]}`,
        );
      }
    });
    assert.deepEqual([...got.arrived], new Array(R * HQ).fill(0), "arrival counts left zero");
    for (const c of ["kc", "vc"] as const) {
      for (let i = 0; i < want[c].length; i++) {
        assert.ok(
          Math.abs(got[c][i] - want[c][i]) <= 1e-4,
          `${c} ${i}: ${got[c][i]} vs ${want[c][i]}`,
        );
      }
    }
  });
}

Deno.test("decode attention refuses a head of more than half its workgroup", () => {
  assert.throws(
    () =>
      decodeAttentionKernel({
        heads: 2,
        kvHeads: 1,
        headDim: 128,
        contextLength: 256,
        qkNorm: false,
        eps: EPS,
        neox: true,
        workgroup: 64,
        splitKeys: 128,
      }),
    /head size 128 .* workgroup \(64, a power of 2\)/,
  );
});
