/**
 * Attention kernels against a CPU reference: the single-pass kernel (64 and 256 invocations)
 * and the split-key kernel with its merge (flash decoding) over rows whose keys span several
 * chunks, with grouped-query heads.
 */
import assert from "node:assert/strict";
import {
  attentionChunks,
  attentionCombineKernel,
  attentionHeadRef,
  attentionKernel,
} from "../../kernels/mod.ts";
import { testGpu } from "./gpu_test_device.ts";
import { Program } from "../../engine/model/program.ts";
import { uniformValues } from "./test_data.ts";

const gpu = await testGpu();
const HQ = 4, HKV = 2, HD = 32, CTX = 512, SLOTS = 2;

/** Rows: (slot, position); attention over keys 0..position of the slot. */
const rowsInfo: [number, number][] = [[0, 300], [1, 5], [0, 127], [1, 128], [0, 511]];
const R = rowsInfo.length;
const q = uniformValues(R * HQ * HD, 1);
const kc = uniformValues(SLOTS * CTX * HKV * HD, 2);
const vc = uniformValues(SLOTS * CTX * HKV * HD, 3);

function reference(): Float32Array {
  const out = new Float32Array(R * HQ * HD);
  rowsInfo.forEach(([slot, pos], r) => {
    for (let h = 0; h < HQ; h++) {
      const kh = Math.floor(h / (HQ / HKV));
      const head = (buf: Float32Array, i: number) => {
        const at = ((slot * CTX + i) * HKV + kh) * HD;
        return buf.subarray(at, at + HD);
      };
      const qb = (r * HQ + h) * HD;
      out.set(
        attentionHeadRef(q.subarray(qb, qb + HD), pos + 1, (i) => head(kc, i), (i) => head(vc, i)),
        qb,
      );
    }
  });
  return out;
}

async function run(workgroup: number, splitKeys?: number): Promise<Float32Array> {
  const spec = { heads: HQ, kvHeads: HKV, headDim: HD, contextLength: CTX, workgroup, splitKeys };
  const info = new Uint32Array(R * 4);
  rowsInfo.forEach(([slot, pos], r) => info.set([slot, pos, 0, 0], r * 4));
  const bufs = [
    gpu.storage(q.byteLength, "q", q),
    gpu.storage(kc.byteLength, "k", kc),
    gpu.storage(vc.byteLength, "v", vc),
    gpu.storage(R * HQ * HD * 4, "out"),
    gpu.storage(info.byteLength, "rows", info),
  ];
  const params = { params: new Uint32Array([R, 0, 0, 0]) };
  const p = new Program(gpu);
  if (splitKeys) {
    const chunks = attentionChunks(spec);
    const part = gpu.storage(R * HQ * chunks * (HD + 2) * 4, "partials");
    const splitBufs = [bufs[0], bufs[1], bufs[2], null, bufs[4], params, part];
    p.add(attentionKernel(spec), "attention", [R, HQ, chunks], splitBufs);
    p.add(attentionCombineKernel(spec), "merge", [R, HQ], [part, bufs[3], bufs[4], params]);
  } else {
    p.add(attentionKernel(spec), "attention", [R, HQ], [...bufs, params]);
  }
  const enc = gpu.device.createCommandEncoder();
  const pass = enc.beginComputePass();
  p.encode(pass);
  pass.end();
  gpu.device.queue.submit([enc.finish()]);
  return new Float32Array(await gpu.read(bufs[3], R * HQ * HD * 4));
}

const want = reference();
// Keys split by 32: position 511 spans 16 chunks, so the merge folds two groups of its loads.
for (const [workgroup, split] of [[64, 0], [256, 0], [64, 128], [256, 128], [256, 64], [64, 32]]) {
  Deno.test(`attention (${workgroup} invocations, ${split ? `keys split by ${split}` : "one pass"}) equals the CPU reference`, async () => {
    const got = await run(workgroup, split || undefined);
    for (let i = 0; i < want.length; i++) {
      assert.ok(Math.abs(got[i] - want[i]) <= 1e-4, `${i}: ${got[i]} vs ${want[i]}`);
    }
  });
}
