/**
 * A small WebAssembly binary emitter: enough of the format (types, one imported shared memory,
 * functions, exports) and of the instruction set (control flow, i32/f32 scalar, the SIMD ops the
 * CPU kernels use) to build the kernel module at runtime, so `deno compile` and `deno bundle`
 * stay self-contained and no toolchain is needed.
 * @module
 */

/** Value types (their binary codes). */
export const enum Val {
  I32 = 0x7f,
  F32 = 0x7d,
  V128 = 0x7b,
}

/** One function: signature, extra locals (after the params), and its body's bytes. */
export interface WasmFunction {
  name: string;
  params: Val[];
  results: Val[];
  locals: Val[];
  body: number[];
}

/** Unsigned LEB128. */
export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 (32-bit values). */
export function sleb(n: number): number[] {
  const out: number[] = [];
  n |= 0;
  while (true) {
    const byte = n & 0x7f;
    n >>= 7;
    const done = (n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

function name(s: string): number[] {
  const b = [...new TextEncoder().encode(s)];
  return [...uleb(b.length), ...b];
}

function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

/**
 * A module importing `env.memory` (shared, `minPages`..`maxPages` of 64 KiB) and exporting each
 * function under its name.
 */
export function emitModule(
  functions: readonly WasmFunction[],
  minPages: number,
  maxPages: number,
): Uint8Array<ArrayBuffer> {
  const types = functions.map((
    f,
  ) => [0x60, ...vec(f.params.map((p) => [p])), ...vec(f.results.map((r) => [r]))]);
  const memoryImport = [
    ...name("env"),
    ...name("memory"),
    0x02,
    0x03,
    ...uleb(minPages),
    ...uleb(maxPages),
  ];
  const codes = functions.map((f) => {
    const locals = vec(f.locals.map((l) => [1, l]));
    const body = [...locals, ...f.body, 0x0b];
    return [...uleb(body.length), ...body];
  });
  const bytes = [
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, vec(types)),
    ...section(2, vec([memoryImport])),
    ...section(3, vec(functions.map((_, i) => uleb(i)))),
    ...section(7, vec(functions.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]))),
    ...section(10, vec(codes)),
  ];
  return new Uint8Array(bytes);
}

const simd = (op: number) => [0xfd, ...uleb(op)];
/** memarg: alignment exponent and a constant byte offset added to the address. */
const mem = (align: number, offset: number) => [...uleb(align), ...uleb(offset)];
const f32Bytes = (x: number) => [...new Uint8Array(new Float32Array([x]).buffer)];

/** Instructions, as byte arrays to spread into a body. Names follow the text format. */
export const op = {
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  if: [0x04, 0x40],
  else: [0x05],
  end: [0x0b],
  br: (depth: number) => [0x0c, ...uleb(depth)],
  brIf: (depth: number) => [0x0d, ...uleb(depth)],
  return: [0x0f],
  localGet: (i: number) => [0x20, ...uleb(i)],
  localSet: (i: number) => [0x21, ...uleb(i)],
  localTee: (i: number) => [0x22, ...uleb(i)],
  i32Load: (offset = 0) => [0x28, ...mem(2, offset)],
  f32Load: (offset = 0) => [0x2a, ...mem(2, offset)],
  f32Store: (offset = 0) => [0x38, ...mem(2, offset)],
  i32Store: (offset = 0) => [0x36, ...mem(2, offset)],
  i32Const: (n: number) => [0x41, ...sleb(n)],
  f32Const: (x: number) => [0x43, ...f32Bytes(x)],
  i32Eqz: [0x45],
  i32LtS: [0x48],
  i32GtS: [0x4a],
  i32Add: [0x6a],
  i32Sub: [0x6b],
  i32Mul: [0x6c],
  i32Or: [0x72],
  i32Shl: [0x74],
  i32ShrU: [0x76],
  f32Add: [0x92],
  f32Sub: [0x93],
  f32Mul: [0x94],
  f32Div: [0x95],
  f32Max: [0x97],
  v128Load: (offset = 0) => [...simd(0x00), ...mem(4, offset)],
  /** 8 bytes, each sign-extended to a 16-bit lane. */
  v128Load8x8S: (offset = 0) => [...simd(0x01), ...mem(3, offset)],
  v128Store: (offset = 0) => [...simd(0x0b), ...mem(4, offset)],
  f32x4Splat: simd(0x13),
  f32x4ExtractLane: (lane: number) => [...simd(0x1f), lane],
  i32x4Add: simd(0xae),
  /** Pairwise products of 16-bit lanes summed into 32-bit lanes (pmaddwd). */
  i32x4DotI16x8S: simd(0xba),
  f32x4Add: simd(0xe4),
  f32x4Sub: simd(0xe5),
  f32x4Mul: simd(0xe6),
  f32x4Max: simd(0xe9),
  f32x4ConvertI32x4S: simd(0xfa),
  v128Zero: [...simd(0x0c), ...new Array(16).fill(0)],
} as const;

/** Concatenates instruction fragments. */
export function code(...parts: (readonly number[])[]): number[] {
  return parts.flat();
}

/** The params and locals of a function being written; each call returns the new index. */
export class Frame {
  params: Val[] = [];
  locals: Val[] = [];
  param(t: Val): number {
    this.params.push(t);
    return this.params.length - 1;
  }
  local(t: Val): number {
    this.locals.push(t);
    return this.params.length + this.locals.length - 1;
  }
}

/** `local -= 1`, then loop again (branch to the enclosing loop) while it is not zero. */
export function countDown(local: number): number[] {
  return code(
    op.localGet(local),
    op.i32Const(1),
    op.i32Sub,
    op.localTee(local),
    op.brIf(0),
  );
}

/** `local += n` for an i32 local. */
export function bump(local: number, n: number): number[] {
  return code(op.localGet(local), op.i32Const(n), op.i32Add, op.localSet(local));
}

/** Pushes the horizontal sum of a f32x4 local. */
export function hsum(v: number): number[] {
  return code(
    op.localGet(v),
    op.f32x4ExtractLane(0),
    op.localGet(v),
    op.f32x4ExtractLane(1),
    op.f32Add,
    op.localGet(v),
    op.f32x4ExtractLane(2),
    op.localGet(v),
    op.f32x4ExtractLane(3),
    op.f32Add,
    op.f32Add,
  );
}
