/**
 * The CPU backend's hot loops as WebAssembly SIMD functions, emitted at runtime:
 * `gemmQ8_0` (int8 weights x int8-quantized activations, per-32 scales, as llama.cpp's
 * q8_0 x q8_0 vec_dot does) and `gemmF32` (f32 weights x f32 activations). Both compute
 * `out[t * outStride + r] = dot(row r, token t)` for a block of rows and all tokens, so a
 * caller can split the rows of one matrix between threads. Plain-TS references sit beside them.
 * @module
 */
import { code, op, Val, type WasmFunction } from "./wasm_emitter.ts";

/** Elements per quantization block (Q8_0 weights and activations). */
export const Q8_BLOCK = 32;

/** Names the params and locals of a function being written, in declaration order. */
class Frame {
  params: Val[] = [];
  locals: Val[] = [];
  #names = new Map<string, number>();
  param(n: string, t: Val): number {
    this.#names.set(n, this.params.length);
    this.params.push(t);
    return this.params.length - 1;
  }
  local(n: string, t: Val): number {
    const i = this.params.length + this.locals.length;
    this.#names.set(n, i);
    this.locals.push(t);
    return i;
  }
}

const { localGet: get, localSet: set, localTee: tee } = op;

/** `local += n` for an i32 local. */
function bump(local: number, n: number): number[] {
  return code(get(local), op.i32Const(n), op.i32Add, set(local));
}

/** Pushes the horizontal sum of a f32x4 local. */
function hsum(v: number): number[] {
  return code(
    get(v),
    op.f32x4ExtractLane(0),
    get(v),
    op.f32x4ExtractLane(1),
    op.f32Add,
    get(v),
    op.f32x4ExtractLane(2),
    get(v),
    op.f32x4ExtractLane(3),
    op.f32Add,
    op.f32Add,
  );
}

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
    t: f.local("t", Val.I32),
    xTok: f.local("xTok", Val.I32),
    xsTok: f.local("xsTok", Val.I32),
    outp: f.local("outp", Val.I32),
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
 * `gemmQ8_0(w, ws, xq, xs, out, rows, blocks, tokens, outStride)`: `w` int8 `[rows][blocks*32]`,
 * `ws` f32 `[rows][blocks]` weight scales, `xq` int16 `[tokens][blocks*32]` quantized
 * activations (int8 values widened so each load feeds one pmaddwd), `xs` f32 `[tokens][blocks]`.
 */
function gemmQ8_0(): WasmFunction {
  const f = new Frame();
  const p = {
    w: f.param("w", Val.I32),
    s: f.param("ws", Val.I32),
    x: f.param("xq", Val.I32),
    xs: f.param("xs", Val.I32),
    out: f.param("out", Val.I32),
    rows: f.param("rows", Val.I32),
    blocksOrCols: f.param("blocks", Val.I32),
    tokens: f.param("tokens", Val.I32),
    outStride: f.param("outStride", Val.I32),
  };
  const b = f.local("b", Val.I32), acc = f.local("acc", Val.V128);
  const wp = f.local("wp", Val.I32), sp = f.local("sp", Val.I32);
  const ap = f.local("ap", Val.I32), asp = f.local("asp", Val.I32);
  const dot = (k: number) =>
    code(get(wp), op.v128Load8x8S(8 * k), get(ap), op.v128Load(16 * k), op.i32x4DotI16x8S);
  const body = rowsByTokens(f, p, { w: Q8_BLOCK, s: 4, x: 2 * Q8_BLOCK, xs: 4 }, (l) =>
    code(
      op.v128Zero,
      set(acc),
      get(p.w),
      set(wp),
      get(p.s),
      set(sp),
      get(l.xTok),
      set(ap),
      get(l.xsTok),
      set(asp),
      get(p.blocksOrCols),
      set(b),
      op.loop,
      dot(0),
      dot(1),
      op.i32x4Add,
      dot(2),
      op.i32x4Add,
      dot(3),
      op.i32x4Add,
      op.f32x4ConvertI32x4S,
      get(sp),
      op.f32Load(),
      get(asp),
      op.f32Load(),
      op.f32Mul,
      op.f32x4Splat,
      op.f32x4Mul,
      get(acc),
      op.f32x4Add,
      set(acc),
      bump(wp, Q8_BLOCK),
      bump(ap, 2 * Q8_BLOCK),
      bump(sp, 4),
      bump(asp, 4),
      get(b),
      op.i32Const(1),
      op.i32Sub,
      tee(b),
      op.brIf(0),
      op.end,
      hsum(acc),
    ));
  return { name: "gemmQ8_0", params: f.params, results: [], locals: f.locals, body };
}

/**
 * `gemmF32(w, unused, x, unused, out, rows, cols, tokens, outStride)`: `w` f32 `[rows][cols]`,
 * `x` f32 `[tokens][cols]`, `cols` a multiple of 4. The unused slots keep one signature for
 * both kernels, so callers and worker threads dispatch them alike.
 */
function gemmF32(): WasmFunction {
  const f = new Frame();
  const p = {
    w: f.param("w", Val.I32),
    s: f.param("unusedScales", Val.I32),
    x: f.param("x", Val.I32),
    xs: f.param("unusedXs", Val.I32),
    out: f.param("out", Val.I32),
    rows: f.param("rows", Val.I32),
    blocksOrCols: f.param("cols", Val.I32),
    tokens: f.param("tokens", Val.I32),
    outStride: f.param("outStride", Val.I32),
  };
  const c = f.local("c", Val.I32), acc = f.local("acc", Val.V128);
  const wp = f.local("wp", Val.I32), xp = f.local("xp", Val.I32);
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
