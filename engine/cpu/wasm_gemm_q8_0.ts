/**
 * `gemmQ8_0(w, ws, xq, xs, out, rows, blocks, tokens, outStride)`, the CPU backend's hot loop:
 * int8 weights `[rows][blocks*32]` with f32 scales `[rows][blocks]`, times int8 activations
 * stored widened to int16 `[tokens][blocks*32]` (so each 16-byte load feeds one pmaddwd) with
 * f32 scales `[tokens][blocks]`: `out[t * outStride + r]`, as llama.cpp's q8_0 x q8_0 vec_dot.
 * Decode is bound by instructions, not memory (the 20 MB logits matrix sits in L3), so rows go
 * four at a time: each activation load and each loop step serve all four.
 * @module
 */
import { bump, code, countDown, Frame, hsum, op, Val, type WasmFunction } from "./wasm_emitter.ts";

/** Elements per quantization block (Q8_0 weights and activations). */
export const Q8_BLOCK = 32;

const { localGet: get, localSet: set } = op;

/** Pointers one row pass walks: weights, weight scales, activations, activation scales. */
interface RowPass {
  rowsInPass: number;
  /** First row's weight and scale pointers (the second row's follow a row later). */
  w: number;
  ws: number;
  /** The current token's activations and scales. */
  x: number;
  xs: number;
  blocks: number;
  /** Bytes of one weight row, and of one row's scales. */
  rowBytes: number;
  scaleRowBytes: number;
  out: number;
}

/** Dot products of `rowsInPass` consecutive rows with one token, stored from `out` on. */
function rowPass(f: Frame, p: RowPass): number[] {
  const n = p.rowsInPass;
  const rows = [...Array(n).keys()];
  const acc = rows.map(() => f.local(Val.V128)), sum = rows.map(() => f.local(Val.V128));
  const wp = rows.map(() => f.local(Val.I32)), sp = rows.map(() => f.local(Val.I32));
  const a = f.local(Val.V128), ap = f.local(Val.I32), asp = f.local(Val.I32);
  const xScale = f.local(Val.F32), b = f.local(Val.I32);
  const rowOffset = (stride: number, i: number) =>
    i ? [get(stride), op.i32Const(i), op.i32Mul, op.i32Add] : [];
  const setup = code(
    ...rows.map((i) =>
      code(
        op.v128Zero,
        set(acc[i]),
        get(p.w),
        ...rowOffset(p.rowBytes, i),
        set(wp[i]),
        get(p.ws),
        ...rowOffset(p.scaleRowBytes, i),
        set(sp[i]),
      )
    ),
    get(p.x),
    set(ap),
    get(p.xs),
    set(asp),
    get(p.blocks),
    set(b),
  );
  // One block: four 8-lane dot products per row, then acc += f32(sum) * (w scale * x scale).
  const block = code(
    ...[0, 1, 2, 3].map((k) =>
      code(
        get(ap),
        op.v128Load(16 * k),
        set(a),
        ...rows.map((i) =>
          code(
            get(wp[i]),
            op.v128Load8x8S(8 * k),
            get(a),
            op.i32x4DotI16x8S,
            ...(k ? [get(sum[i]), op.i32x4Add] : []),
            set(sum[i]),
          )
        ),
      )
    ),
    get(asp),
    op.f32Load(),
    set(xScale),
    ...rows.map((i) =>
      code(
        get(sum[i]),
        op.f32x4ConvertI32x4S,
        get(sp[i]),
        op.f32Load(),
        get(xScale),
        op.f32Mul,
        op.f32x4Splat,
        op.f32x4Mul,
        get(acc[i]),
        op.f32x4Add,
        set(acc[i]),
        bump(wp[i], Q8_BLOCK),
        bump(sp[i], 4),
      )
    ),
    bump(ap, 2 * Q8_BLOCK),
    bump(asp, 4),
  );
  return code(
    setup,
    op.loop,
    block,
    countDown(b),
    op.end,
    ...rows.map((i) => code(get(p.out), hsum(acc[i]), op.f32Store(4 * i))),
  );
}

/**
 * Rows per pass of the main loop. One thread on the fixture's logits (151,936 x 128): 1 row
 * 1.35 ms, 2 rows 0.94, 4 rows 0.79, 8 rows 1.03 (V8 keeps 16 vector registers; 8 rows spill).
 */
const ROWS_PER_PASS = 4;

/** The kernel (see the module doc for its arguments). */
export function gemmQ8_0(): WasmFunction {
  const f = new Frame();
  const w = f.param(Val.I32), ws = f.param(Val.I32), xq = f.param(Val.I32);
  const xs = f.param(Val.I32), out = f.param(Val.I32), rows = f.param(Val.I32);
  const blocks = f.param(Val.I32), tokens = f.param(Val.I32), outStride = f.param(Val.I32);
  const t = f.local(Val.I32), r = f.local(Val.I32);
  const wRow = f.local(Val.I32), sRow = f.local(Val.I32), outp = f.local(Val.I32);
  const x = f.local(Val.I32), xsTok = f.local(Val.I32);
  const rowBytes = f.local(Val.I32), scaleRowBytes = f.local(Val.I32);
  const pass = (rowsInPass: number) =>
    rowPass(f, {
      rowsInPass,
      w: wRow,
      ws: sRow,
      x,
      xs: xsTok,
      blocks,
      rowBytes,
      scaleRowBytes,
      out: outp,
    });
  // While at least n rows remain: one pass over n rows, then advance every row pointer by n.
  const rowLoop = (n: number, body: number[]) =>
    code(
      op.block,
      op.loop,
      get(r),
      op.i32Const(n),
      op.i32LtS,
      op.brIf(1),
      body,
      bump(outp, 4 * n),
      get(wRow),
      get(rowBytes),
      op.i32Const(n),
      op.i32Mul,
      op.i32Add,
      set(wRow),
      get(sRow),
      get(scaleRowBytes),
      op.i32Const(n),
      op.i32Mul,
      op.i32Add,
      set(sRow),
      get(r),
      op.i32Const(n),
      op.i32Sub,
      set(r),
      op.br(0),
      op.end,
      op.end,
    );
  const body = code(
    op.block,
    get(rows),
    op.i32Eqz,
    get(tokens),
    op.i32Eqz,
    op.i32Or,
    op.brIf(0),
    get(blocks),
    op.i32Const(Q8_BLOCK),
    op.i32Mul,
    set(rowBytes),
    get(blocks),
    op.i32Const(4),
    op.i32Mul,
    set(scaleRowBytes),
    get(xq),
    set(x),
    get(xs),
    set(xsTok),
    get(tokens),
    set(t),
    op.loop, // tokens
    get(w),
    set(wRow),
    get(ws),
    set(sRow),
    get(out),
    set(outp),
    get(rows),
    set(r),
    rowLoop(ROWS_PER_PASS, pass(ROWS_PER_PASS)),
    rowLoop(1, pass(1)), // the rows left over
    get(x),
    get(rowBytes),
    op.i32Const(2),
    op.i32Mul,
    op.i32Add,
    set(x),
    get(xsTok),
    get(scaleRowBytes),
    op.i32Add,
    set(xsTok),
    get(out),
    get(outStride),
    op.i32Const(4),
    op.i32Mul,
    op.i32Add,
    set(out),
    countDown(t),
    op.end,
    op.end,
  );
  return { name: "gemmQ8_0", params: f.params, results: [], locals: f.locals, body };
}
