/**
 * Tiled GEMM for many rows (prefill): `y[r, n] (+)= x[r, :] . W[n, :] (+ bias[n]) (+ LoRA)` with
 * the bindings, params and epilogue of `matmulKernel`. Each workgroup of 256 invocations owns a
 * tile of `tileRows` rows x 64 outputs; per step of 32 along K it decodes the weight tile once
 * into workgroup memory (two `load4_w` per invocation) and stages the input tile, then every
 * invocation accumulates a (tileRows / 16) x 4 block in registers from workgroup memory. The
 * matmul re-decodes a weight row per 8 input rows; here a decoded value serves the whole tile.
 * Projections that accumulate into y can split K over several workgroups (`splitK`), which add
 * their partial sums atomically: long rows with few output tiles (the FFN down projection)
 * otherwise leave most of a large GPU idle while each workgroup walks K alone.
 * @module
 */
import type { GgmlType } from "./ggml_types.ts";
import { rowBytes } from "./ggml_types.ts";
import { wgslWeightDecoder } from "./dequant.ts";

/** Shape of a GEMM kernel. */
export interface GemmSpec {
  type: GgmlType;
  /** Input features (row length of W), a multiple of 4. */
  k: number;
  /** Total output features of the weight (for LoRA B indexing). */
  n: number;
  bias: boolean;
  /** LoRA rank padding of the adapter pool, 0 when no LoRA is applied. */
  loraRank: number;
  /**
   * Gated FFN mode as in `MatmulSpec`: W is the gate, `upType` the encoding of the up weight
   * (binding 9, LoRA at 10-11), output `silu(gate) * up`, no bias, no accumulate.
   */
  upType?: GgmlType;
  /**
   * Workgroups sharing each tile's K range (default 1). Above 1 the kernel adds its result to y
   * with atomic compare-exchange (params.accumulate must be 1; the summation order, hence the
   * last bits, may vary between runs) and is not available in the gated mode.
   */
  splitK?: number;
  /** Rows per tile: 32, 64 or 128 (default {@link gemmTileRows}'s choice for 256 rows). */
  tileRows?: number;
}

/** Outputs per tile. */
export const GEMM_TILE_N = 64;
/** Steps along K; a multiple of every quantized block of 32. */
const BK = 32;
/** Invocations per workgroup: 16 along the outputs x 16 along the rows. */
const WG = 256;
const TILE_ROWS = [32, 64, 128];

/**
 * Rows per tile for `rows` rows, `nCount` outputs and rows `k` long; `splittable` when the
 * projection accumulates (its K can be split to fill the GPU). Larger tiles reuse each decoded
 * weight more but give fewer workgroups; fitted to an H200 sweep (bench/gemm_bench.ts, Qwen2.5
 * 0.5B/3B shapes at 256 and 512 rows): 128 only for long rows with enough tiles, 64 when that
 * still gives ~100 workgroups or K splitting fills the GPU, else 32.
 */
export function gemmTileRows(rows: number, nCount: number, k: number, splittable = false): number {
  const groups = (tm: number) => Math.ceil(nCount / GEMM_TILE_N) * Math.ceil(rows / tm);
  if (k >= 2048 && groups(128) >= 128) return 128;
  if (splittable || groups(64) >= 100) return 64;
  return 32;
}

/** Workgroups that keep a large GPU busy; fewer tiles than this are split along K. */
const GEMM_SPLIT_TARGET = 512;
/** Fewest K steps per split: fewer make the atomic epilogue cost more than it saves. */
const GEMM_SPLIT_MIN_STEPS = 8;

/**
 * K splits for an accumulating projection of `rows` rows, `nCount` outputs and rows `k` long at
 * `tileRows` rows per tile: enough workgroups to fill the GPU, each walking at least 8 steps.
 */
export function gemmSplitK(rows: number, nCount: number, k: number, tileRows: number): number {
  const [gx, gy] = gemmGroups(nCount, rows, tileRows);
  const most = Math.floor(Math.ceil(k / BK) / GEMM_SPLIT_MIN_STEPS);
  return Math.max(1, Math.min(most, Math.floor(GEMM_SPLIT_TARGET / (gx * gy))));
}

/** Workgroup grid `[n tiles, row tiles x K splits]`. */
export function gemmGroups(
  nCount: number,
  rows: number,
  tileRows: number,
  splitK = 1,
): [number, number] {
  return [Math.ceil(nCount / GEMM_TILE_N), Math.ceil(rows / tileRows) * splitK];
}

/**
 * WGSL for the GEMM. Bindings as `matmulKernel`: 0 x (f32), 1 w (raw bytes), 2 y, 3 params
 * {rows, nCount, nBase, ldy, yOff, accumulate}, 4 bias (if any), 5 u, 6 lora B, 7 row adapter
 * slots, 8 adapter scales (if LoRA); gated mode 9 w2, 10 u2, 11 lora B2. Dispatch
 * `gemmGroups(nCount, rows, tileRows, splitK)`.
 * @example
 * ```ts
 * import { GgmlType } from "./ggml_types.ts";
 * const tileRows = gemmTileRows(512, 896, 4864, true);
 * const splitK = gemmSplitK(512, 896, 4864, tileRows);
 * const wgsl = gemmKernel({ type: GgmlType.Q6_K, k: 4864, n: 896, bias: false, loraRank: 0, tileRows, splitK });
 * const grid = gemmGroups(896, 512, tileRows, splitK);
 * ```
 */
export function gemmKernel(spec: GemmSpec): string {
  const { k, n, bias, loraRank } = spec;
  const tm = spec.tileRows ?? gemmTileRows(256, n, k);
  if (k % 4 !== 0) throw new RangeError(`gemm: K=${k} is not a multiple of 4`);
  if (!TILE_ROWS.includes(tm)) throw new RangeError(`gemm: tile rows ${tm} is not 32, 64 or 128`);
  const dual = spec.upType !== undefined;
  if (dual && bias) throw new RangeError("gemm: the gated FFN mode takes no bias");
  const split = spec.splitK ?? 1;
  if (!Number.isInteger(split) || split < 1) throw new RangeError(`gemm: splitK ${split}`);
  if (dual && split > 1) throw new RangeError("gemm: the gated FFN mode cannot split K");
  return declarations(spec, tm, split) + epilogue(bias, loraRank > 0, dual, split > 1) +
    mainBody(tm, dual);
}

function declarations(spec: GemmSpec, tm: number, split: number): string {
  const lora = spec.loraRank > 0, dual = spec.upType !== undefined;
  const xw = tm >= 64 ? 4 : 2;
  return /* wgsl */ `
const K = ${spec.k}u;
const NTOT = ${spec.n}u;
const ROW_BYTES = ${rowBytes(spec.type, spec.k)}u;
const RMAX = ${Math.max(1, spec.loraRank)}u;
const TM = ${tm}u;
const TN = ${GEMM_TILE_N}u;
const BK = ${BK}u;
const SPLITS = ${split}u;
// K steps per split, in elements.
const KS = ${Math.ceil(Math.ceil(spec.k / BK) / split) * BK}u;
struct Params { rows: u32, nCount: u32, nBase: u32, ldy: u32, yOff: u32, accumulate: u32, _a: u32, _b: u32 }
@group(0) @binding(0) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> w: array<u32>;
@group(0) @binding(2) var<storage, read_write> y: array<${split > 1 ? "atomic<u32>" : "f32"}>;
@group(0) @binding(3) var<uniform> p: Params;
${spec.bias ? "@group(0) @binding(4) var<storage, read> bias: array<f32>;" : ""}
${
    lora
      ? `@group(0) @binding(5) var<storage, read> u: array<f32>;
@group(0) @binding(6) var<storage, read> lb: array<f32>;
@group(0) @binding(7) var<storage, read> rowAdapter: array<i32>;
@group(0) @binding(8) var<storage, read> lscale: array<f32>;`
      : ""
  }
${wgslWeightDecoder(spec.type, "w")}
${
    dual
      ? `const ROW_BYTES2 = ${rowBytes(spec.upType!, spec.k)}u;
@group(0) @binding(9) var<storage, read> w2: array<u32>;
${
        lora
          ? `@group(0) @binding(10) var<storage, read> u2: array<f32>;
@group(0) @binding(11) var<storage, read> lb2: array<f32>;`
          : ""
      }
${wgslWeightDecoder(spec.upType!, "w2")}`
      : ""
  }
// K-major tiles: xs[k][row] and ws[k][output], so an invocation reads its rows and outputs
// as vectors and the 16 invocations of a row group read consecutive outputs.
var<workgroup> xs: array<vec${xw}<f32>, ${BK * tm / xw}>;
var<workgroup> ws: array<vec4<f32>, ${BK * GEMM_TILE_N / 4}>;
${dual ? `var<workgroup> ws2: array<vec4<f32>, ${BK * GEMM_TILE_N / 4}>;` : ""}
`;
}

/** `finish` (bias, LoRA, store or accumulate) or `finish2` (gated), as in the matmul. */
function epilogue(bias: boolean, lora: boolean, dual: boolean, atomic: boolean): string {
  const delta = (ub: string, bb: string) =>
    lora
      ? `let a = rowAdapter[r];
  if (a < 0) { return 0.0; }
  var s = 0.0;
  let bBase = (u32(a) * NTOT + col) * RMAX;
  for (var i = 0u; i < RMAX; i++) { s += ${bb}[bBase + i] * ${ub}[r * RMAX + i]; }
  return lscale[a] * s;`
      : "return 0.0;";
  const deltas = `fn loraDelta(r: u32, col: u32) -> f32 {
  ${delta("u", "lb")}
}
${dual ? `fn loraDelta2(r: u32, col: u32) -> f32 {\n  ${delta("u2", "lb2")}\n}` : ""}`;
  if (dual) {
    return /* wgsl */ `
${deltas}
fn finish2(r: u32, n: u32, gateDot: f32, upDot: f32) {
  let col = p.nBase + n;
  let g = gateDot + loraDelta(r, col);
  let v = upDot + loraDelta2(r, col);
  y[r * p.ldy + p.yOff + col] = g / (1.0 + exp(-g)) * v;
}
`;
  }
  if (atomic) {
    // Split K: the first split adds bias and LoRA; every split adds its partial sum.
    return /* wgsl */ `
${deltas}
var<private> split: u32;
fn finish(r: u32, n: u32, dotValue: f32) {
  let col = p.nBase + n;
  var v = dotValue;
  if (split == 0u) { v += ${bias ? "bias[col] + " : ""}loraDelta(r, col); }
  let idx = r * p.ldy + p.yOff + col;
  var old = atomicLoad(&y[idx]);
  loop {
    let res = atomicCompareExchangeWeak(&y[idx], old, bitcast<u32>(bitcast<f32>(old) + v));
    if (res.exchanged) { break; }
    old = res.old_value;
  }
}
`;
  }
  return /* wgsl */ `
${deltas}
var<private> split: u32;
fn finish(r: u32, n: u32, dotValue: f32) {
  let col = p.nBase + n;
  var v = dotValue${bias ? " + bias[col]" : ""} + loraDelta(r, col);
  let idx = r * p.ldy + p.yOff + col;
  if (p.accumulate != 0u) { y[idx] += v; } else { y[idx] = v; }
}
`;
}

/** Reads input quad i of the tile at K offset `k` into register xr<i> (zero outside). */
function loadX(i: number, k: string): string {
  return `{
      let idx = t + ${i * WG}u;
      let row = idx % TM;
      let kk = ${k} + (idx / TM) * 4u;
      xr${i} = vec4<f32>();
      if (r0 + row < p.rows && kk < K) { xr${i} = x[((r0 + row) * K + kk) / 4u]; }
    }`;
}

/** Stores xr<i>, elements (row, 4q .. 4q+3), to xs[4q .. 4q+3][row]. */
function storeX(i: number, tm: number): string {
  const xw = tm >= 64 ? 4 : 2;
  const at = (c: number) => `xs[(base + ${c * tm}u) / ${xw}u][row % ${xw}u] = xr${i}.${"xyzw"[c]};`;
  return `{
      let idx = t + ${i * WG}u;
      let row = idx % TM;
      let base = (idx / TM) * 4u * TM + row;
      ${[0, 1, 2, 3].map(at).join("\n      ")}
    }`;
}

/** Decodes weight quad i of the tile at K offset `k` into wr<i> (and wq<i>, gated). */
function loadW(i: number, k: string, dual: boolean): string {
  return `{
      let idx = t + ${i * WG}u;
      let o = idx % TN;
      let kk = ${k} + (idx / TN) * 4u;
      wr${i} = vec4<f32>();
      ${dual ? `wq${i} = vec4<f32>();` : ""}
      if (n0 + o < p.nCount && kk < K) {
        wr${i} = load4_w((n0 + o) * ROW_BYTES, kk);
        ${dual ? `wq${i} = load4_w2((n0 + o) * ROW_BYTES2, kk);` : ""}
      }
    }`;
}

/** Stores wr<i> (output o, elements 4q .. 4q+3) to ws[4q .. 4q+3][o]; wq<i> to ws2. */
function storeW(i: number, dual: boolean): string {
  const put = (s: string, v: string) =>
    [0, 1, 2, 3].map((c) => `${s}[base + ${c * GEMM_TILE_N / 4}u][o % 4u] = ${v}${i}.${"xyzw"[c]};`)
      .join("\n      ");
  return `{
      let idx = t + ${i * WG}u;
      let o = idx % TN;
      let base = (idx / TN) * TN + o / 4u;
      ${put("ws", "wr")}
      ${dual ? put("ws2", "wq") : ""}
    }`;
}

function mainBody(tm: number, dual: boolean): string {
  const rm = tm / 16, xw = tm >= 64 ? 4 : 2, xv = rm / xw;
  const range = (m: number) => Array.from({ length: m }, (_, i) => i);
  const xq = range(tm * BK / 4 / WG), wq = range(GEMM_TILE_N * BK / 4 / WG);
  const regs = [
    ...xq.map((i) => `var xr${i}: vec4<f32>;`),
    ...wq.map((i) => `var wr${i}: vec4<f32>;${dual ? ` var wq${i}: vec4<f32>;` : ""}`),
  ];
  const stage = [
    ...xq.map((i) => loadX(i, "k0")),
    ...wq.map((i) => loadW(i, "k0", dual)),
    ...xq.map((i) => storeX(i, tm)),
    ...wq.map((i) => storeW(i, dual)),
  ];
  const accs = range(rm).map((i) =>
    `var acc${i} = vec4<f32>();${dual ? ` var accB${i} = vec4<f32>();` : ""}`
  );
  // The step's arithmetic, unrolled here: WGSL loops carry a bounding counter that keeps the
  // GPU compiler from unrolling (and pipelining the workgroup-memory reads) itself.
  const kStep = (kk: number) => {
    const w = `let wv = ws[${kk * GEMM_TILE_N / 4}u + tx];` +
      (dual ? ` let wv2 = ws2[${kk * GEMM_TILE_N / 4}u + tx];` : "");
    const xl = range(xv).map((j) => `let xa${j} = xs[${kk * tm / xw}u + ty * ${xv}u + ${j}u];`);
    const fmas = range(rm).map((i) => {
      const xs = `xa${Math.floor(i / xw)}.${"xyzw"[i % xw]}`;
      return `acc${i} += ${xs} * wv;${dual ? ` accB${i} += ${xs} * wv2;` : ""}`;
    });
    return `{ ${w} ${xl.join(" ")}\n      ${fmas.join(" ")} }`;
  };
  const stores = range(rm).map((i) =>
    `if (r0 + ty * ${rm}u + ${i}u < p.rows) { storeRow(r0 + ty * ${rm}u + ${i}u, n1, acc${i}${
      dual ? `, accB${i}` : ""
    }); }`
  );
  const storeRow = dual
    ? `fn storeRow(r: u32, n1: u32, g: vec4<f32>, v: vec4<f32>) {
  for (var c = 0u; c < 4u; c++) { if (n1 + c < p.nCount) { finish2(r, n1 + c, g[c], v[c]); } }
}`
    : `fn storeRow(r: u32, n1: u32, a: vec4<f32>) {
  for (var c = 0u; c < 4u; c++) { if (n1 + c < p.nCount) { finish(r, n1 + c, a[c]); } }
}`;
  return /* wgsl */ `
${storeRow}
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) t: u32) {
  let n0 = wg.x * TN;
  let r0 = (wg.y / SPLITS) * TM;
  ${dual ? "" : "split = wg.y % SPLITS;"}
  let tx = t % 16u;
  let ty = t / 16u;
  let n1 = n0 + tx * 4u;
  ${accs.join("\n  ")}
  ${regs.join("\n  ")}
  let kEnd = min(K, (wg.y % SPLITS + 1u) * KS);
  for (var k0 = (wg.y % SPLITS) * KS; k0 < kEnd; k0 += BK) {
    ${stage.join("\n    ")}
    workgroupBarrier();
    ${range(BK).map(kStep).join("\n    ")}
    workgroupBarrier();
  }
  ${stores.join("\n  ")}
}`;
}
