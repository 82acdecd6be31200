/**
 * The CPU backend's hot loops as WebAssembly SIMD functions, emitted at runtime:
 * `gemmQ8_0` (int8 weights x int8-quantized activations, per-32 scales, as llama.cpp's
 * q8_0 x q8_0 vec_dot does) and `gemmF32` (f32 weights x f32 activations). Both compute
 * `out[t * outStride + r] = dot(row r, token t)` for a block of rows and all tokens, so a
 * caller can split the rows of one matrix between threads. Plain-TS references sit beside them.
 * @module
 */
import { bump, code, Frame, hsum, op, Val, type WasmFunction } from "./wasm_emitter.ts";
import { gemmQ8_0 } from "./wasm_gemm_q8_0.ts";

export { Q8_BLOCK } from "./wasm_gemm_q8_0.ts";

const { localGet: get, localSet: set, localTee: tee } = op;

/**
 * Loops `rows` x `tokens`: `inner` leaves the dot product of the current row (pointers `wRow`,
 * `sRow`) and token (pointers `xTok`, `xsTok`) on the stack; it is stored to the output.
 */
function rowsByTokens(
  f: Frame,
  p: Record<string, number>,
  strides: { w: number; s: number; x: number; xs: number },
  inner: (l: Record<string, number>) => number[],
): number[] {
  const l = {
    r: p.rows,
    t: f.local(Val.I32),
    xTok: f.local(Val.I32),
    xsTok: f.local(Val.I32),
    outp: f.local(Val.I32),
  };
  const rowStride = (n: number) => code(op.i32Const(n), get(p.blocksOrCols), op.i32Mul);
  return code(
    op.block,
    get(p.rows),
    op.i32Eqz,
    op.brIf(0),
    get(p.tokens),
    op.i32Eqz,
    op.brIf(0),
    op.loop,
    get(p.x),
    set(l.xTok),
    get(p.xs),
    set(l.xsTok),
    get(p.out),
    set(l.outp),
    get(p.tokens),
    set(l.t),
    op.loop,
    get(l.outp),
    inner(l),
    op.f32Store(),
    get(l.xTok),
    rowStride(strides.x),
    op.i32Add,
    set(l.xTok),
    get(l.xsTok),
    rowStride(strides.xs),
    op.i32Add,
    set(l.xsTok),
    get(l.outp),
    get(p.outStride),
    op.i32Const(4),
    op.i32Mul,
    op.i32Add,
    set(l.outp),
    get(l.t),
    op.i32Const(1),
    op.i32Sub,
    tee(l.t),
    op.brIf(0),
    op.end,
    get(p.w),
    rowStride(strides.w),
    op.i32Add,
    set(p.w),
    get(p.s),
    rowStride(strides.s),
    op.i32Add,
    set(p.s),
    bump(p.out, 4),
    get(l.r),
    op.i32Const(1),
    op.i32Sub,
    tee(l.r),
    op.brIf(0),
    op.end,
    op.end,
  );
}

/**
 * `gemmF32(w, unused, x, unused, out, rows, cols, tokens, outStride)`: `w` f32 `[rows][cols]`,
 * `x` f32 `[tokens][cols]`, `cols` a multiple of 4. The unused slots keep one signature for
 * both kernels, so callers and worker threads dispatch them alike.
 */
function gemmF32(): WasmFunction {
  const f = new Frame();
  const p = {
    w: f.param(Val.I32),
    s: f.param(Val.I32),
    x: f.param(Val.I32),
    xs: f.param(Val.I32),
    out: f.param(Val.I32),
    rows: f.param(Val.I32),
    blocksOrCols: f.param(Val.I32),
    tokens: f.param(Val.I32),
    outStride: f.param(Val.I32),
  };
  const c = f.local(Val.I32), acc = f.local(Val.V128);
  const wp = f.local(Val.I32), xp = f.local(Val.I32);
  const body = rowsByTokens(f, p, { w: 4, s: 0, x: 4, xs: 0 }, (l) =>
    code(
      op.v128Zero,
      set(acc),
      get(p.w),
      set(wp),
      get(l.xTok),
      set(xp),
      get(p.blocksOrCols),
      op.i32Const(2),
      op.i32ShrU, // cols / 4 vectors
      set(c),
      op.loop,
      get(wp),
      op.v128Load(),
      get(xp),
      op.v128Load(),
      op.f32x4Mul,
      get(acc),
      op.f32x4Add,
      set(acc),
      bump(wp, 16),
      bump(xp, 16),
      get(c),
      op.i32Const(1),
      op.i32Sub,
      tee(c),
      op.brIf(0),
      op.end,
      hsum(acc),
    ));
  return { name: "gemmF32", params: f.params, results: [], locals: f.locals, body };
}

/** Every kernel of the module. */
export function cpuKernelFunctions(): WasmFunction[] {
  return [gemmQ8_0(), gemmF32()];
}
