/** The CPU backend's WASM kernels against their plain-TS references, and the emitter's encodings. */
import assert from "node:assert/strict";
import { KernelMemory } from "../../../engine/cpu/kernel_memory.ts";
import { RowSplitter } from "../../../engine/cpu/row_split.ts";
import { sleb, uleb } from "../../../engine/cpu/wasm_emitter.ts";
import { gemmF32Ref, gemmQ8_0Ref } from "../../../engine/cpu/wasm_kernels_ref.ts";
import type { CpuMatrix } from "../../../engine/cpu/matrix.ts";

function random(seed: number): () => number {
  let x = seed;
  return () => ((x = (x * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1;
}

function assertClose(a: Float32Array, b: Float32Array, tol: number, what: string): void {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) {
    const err = Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i]));
    assert.ok(err <= tol, `${what}[${i}]: ${a[i]} vs ${b[i]}`);
  }
}

/** A Q8_0 problem in kernel memory: weights, scales, activations and scales, output. */
function q8Problem(mem: KernelMemory, rows: number, blocks: number, tokens: number, seed: number) {
  const rnd = random(seed), cols = blocks * 32;
  const w = mem.alloc(rows * cols), ws = mem.allocF32(rows * blocks);
  const xq = mem.alloc(tokens * cols * 2), xs = mem.allocF32(tokens * blocks);
  const out = mem.allocF32(tokens * rows);
  const wv = mem.i8(w, rows * cols), xv = mem.i16(xq, tokens * cols);
  for (let i = 0; i < wv.length; i++) wv[i] = Math.round(rnd() * 127);
  for (let i = 0; i < xv.length; i++) xv[i] = Math.round(rnd() * 127);
  ws.view.forEach((_, i) => (ws.view[i] = Math.abs(rnd()) * 0.01));
  xs.view.forEach((_, i) => (xs.view[i] = Math.abs(rnd()) * 0.1));
  const matrix: CpuMatrix = { kind: "q8_0", rows, cols, ptr: w, scales: ws.ptr };
  return { w, ws, xq, xs, out, wv, xv, matrix };
}

Deno.test("gemmQ8_0 matches its reference for several rows, tokens and an output stride", () => {
  const mem = new KernelMemory();
  for (const [rows, blocks, tokens] of [[1, 1, 1], [7, 4, 1], [33, 16, 3]]) {
    const p = q8Problem(mem, rows, blocks, tokens, rows);
    mem.kernels.gemmQ8_0(p.w, p.ws.ptr, p.xq, p.xs.ptr, p.out.ptr, rows, blocks, tokens, rows);
    const want = new Float32Array(tokens * rows);
    gemmQ8_0Ref(p.wv, p.ws.view, p.xv, p.xs.view, want, rows, blocks, tokens, rows);
    assertClose(p.out.view, want, 1e-5, `q8 ${rows}x${blocks * 32}x${tokens}`);
  }
});

Deno.test("gemmQ8_0 reaches the int16 extremes without overflow", () => {
  const mem = new KernelMemory();
  const p = q8Problem(mem, 2, 8, 1, 1);
  p.wv.fill(-128);
  p.xv.fill(-128);
  p.ws.view.fill(1);
  p.xs.view.fill(1);
  mem.kernels.gemmQ8_0(p.w, p.ws.ptr, p.xq, p.xs.ptr, p.out.ptr, 2, 8, 1, 2);
  assert.deepEqual([...p.out.view], [128 * 128 * 256, 128 * 128 * 256]);
});

Deno.test("gemmF32 matches its reference, and zero rows or tokens write nothing", () => {
  const mem = new KernelMemory(), rnd = random(3);
  for (const [rows, cols, tokens] of [[1, 4, 1], [5, 12, 2], [64, 128, 4]]) {
    const w = mem.allocF32(rows * cols), x = mem.allocF32(tokens * cols);
    const out = mem.allocF32(tokens * rows);
    w.view.forEach((_, i) => (w.view[i] = rnd()));
    x.view.forEach((_, i) => (x.view[i] = rnd()));
    mem.kernels.gemmF32(w.ptr, 0, x.ptr, 0, out.ptr, rows, cols, tokens, rows);
    const want = new Float32Array(tokens * rows);
    gemmF32Ref(w.view, x.view, want, rows, cols, tokens, rows);
    assertClose(out.view, want, 1e-5, `f32 ${rows}x${cols}x${tokens}`);
    out.view.fill(7);
    mem.kernels.gemmF32(w.ptr, 0, x.ptr, 0, out.ptr, 0, cols, tokens, rows);
    mem.kernels.gemmF32(w.ptr, 0, x.ptr, 0, out.ptr, rows, cols, 0, rows);
    assert.ok(out.view.every((v) => v === 7));
  }
});

Deno.test("RowSplitter: rows split over worker threads give the single thread's output exactly", () => {
  const mem = new KernelMemory();
  const rows = 1000, blocks = 4, tokens = 2;
  const p = q8Problem(mem, rows, blocks, tokens, 9);
  const one = new RowSplitter(mem, 1), three = new RowSplitter(mem, 3);
  try {
    one.run("gemmQ8_0", p.matrix, p.xq, p.xs.ptr, p.out.ptr, tokens);
    const want = p.out.view.slice();
    p.out.view.fill(0);
    three.run("gemmQ8_0", p.matrix, p.xq, p.xs.ptr, p.out.ptr, tokens);
    assert.deepEqual(p.out.view, want);
  } finally {
    three.close();
  }
});

Deno.test("LEB128 encodings match the WebAssembly spec's examples", () => {
  assert.deepEqual(uleb(0), [0]);
  assert.deepEqual(uleb(624485), [0xe5, 0x8e, 0x26]);
  assert.deepEqual(sleb(-1), [0x7f]);
  assert.deepEqual(sleb(-123456), [0xc0, 0xbb, 0x78]);
  assert.deepEqual(sleb(64), [0xc0, 0x00]);
});
