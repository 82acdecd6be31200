/**
 * Tiled GEMM for many rows (prefill, and decode batches of 9+ rows):
 * `y[r, n] (+)= x[r, :] . W[n, :] (+ bias[n]) (+ LoRA)` with the bindings, params and epilogue of
 * `matmulKernel`. Each workgroup of 256 invocations owns a tile of `tileRows` (16 to 128) rows x
 * 64 outputs; per step of 32 along K it decodes the weight tile once into workgroup memory (two
 * `load4_w` per invocation) and stages the input tile, then every invocation accumulates a
 * (tileRows / 16) x 4 block in registers from workgroup memory (16-row tiles of plain weights:
 * a 4 x 4 block over a quarter of each step, see `K_GROUPS`). The matmul re-decodes a weight
 * row per 8 input rows; here a decoded value serves the whole tile. `qkvGemmKernel` runs Q, K and
 * V as one such GEMM, and `gemmReduceNormKernel` ends a split with the next RMSNorm.
 * Shapes with too few tiles for the GPU (the FFN down projection: 14 tiles at 32 rows, each
 * walking K = 4864) split K over a third grid dimension (`gemmSplits`): each slice stores its raw
 * partial tile, and `gemmReduceKernel` sums the slices in a fixed order and applies the epilogue.
 * Every sum is taken in the same order on every run, so results do not depend on scheduling (an
 * earlier split added partial sums atomically into y, and logits varied between runs).
 * @module
 */
import { GgmlType } from "./ggml_types.ts";
import {
  matmulInterface,
  type MatmulInterfaceSpec,
  qkvInterface,
  type QkvInterfaceSpec,
  range,
} from "./matmul.ts";

/**
 * Shape of a GEMM kernel: that of the matmul (`upType` selects the gated FFN mode: W is the gate,
 * binding 9 the up weight, output `silu(gate) * up`), plus the tile.
 */
export interface GemmSpec extends MatmulInterfaceSpec {
  /** Rows per tile: 16, 32, 64 or 128 (default {@link gemmTileRows}'s choice for 256 rows). */
  tileRows?: number;
  /**
   * K-split variant: workgroup z of `num_workgroups.z` walks one slice of K and stores its raw
   * partial sums to binding 2 (the partials buffer, see {@link gemmReduceKernel}) instead of
   * applying the epilogue; bias and LoRA are then left to the reduce and ignored here.
   */
  split?: boolean;
}

/** Outputs per tile. */
export const GEMM_TILE_N = 64;
/** Steps along K; a multiple of every quantized block of 32. */
const BK = 32;
/**
 * Invocations per workgroup: 16 along the outputs x 16 along the rows, or for 16-row tiles
 * 16 x 4 in each of `K_GROUPS` groups.
 */
const WG = 256;
const TILE_ROWS = [16, 32, 64, 128];
/**
 * Groups of a 16-row tile's invocations that split each 32-step along K, so every invocation
 * holds a 4 x 4 block (four rows' values per workgroup-memory read, not one) and the groups'
 * sums are added in workgroup memory at the end. Taken with plain weights only (H200, 16-row
 * steps: 3B F16 Q 23.3 -> 19.4 us, down 105 -> 97, 16-stream decode 925 -> 979-1,000 tok/s);
 * with quantized ones the 0.5B Q5_0 gate+up went 40.8 -> 47.6 us and 16 streams lost 2.5%.
 */
const K_GROUPS = 4;

/**
 * How a tile's loads map to invocations. With `lines`, eight invocations read one row's 32
 * values (a weight's or an input's), so a warp's loads cover whole cache lines, and each K
 * step of a tile in workgroup memory gets one vector of padding, so those eight store to
 * different banks. Otherwise consecutive invocations read consecutive rows, a 16-byte quad
 * each. Lines pay for plain F16/BF16/F32 weights and cost quantized ones, whose quads are
 * decoded from their blocks (H200: 3B F16 16-row steps' gate+up 261 -> 203 us and 16-stream
 * decode 755 -> 934 tok/s; 0.5B Q5_0/Q6_K prefill 22.2k -> 20.1k tok/s).
 */
interface TileLayout {
  tm: number;
  lines: boolean;
  /** Whether the tiles are padded: with lines, all but the gated 128-row tile (it would pass 32 KiB). */
  padded: boolean;
  /** Invocation groups that split each 32-step along K (see `K_GROUPS`), else 1. */
  kGroups: number;
}

/** Workgroup memory that every adapter we run on gives (llvmpipe's limit; NVIDIA's is 48 KiB). */
const WORKGROUP_BYTES = 32768;

/** Encodings whose quads are plain values (no block scales to decode). */
const FLOAT_TYPES = new Set([GgmlType.F32, GgmlType.F16, GgmlType.BF16]);

/** The layout of a GEMM over weights of `types` (`dual`: the gated mode's two weight tiles). */
function layoutOf(tm: number, types: readonly GgmlType[], dual: boolean): TileLayout {
  const lines = types.every((t) => FLOAT_TYPES.has(t));
  const kGroups = tm === 16 && lines ? K_GROUPS : 1;
  const padded: TileLayout = { tm, lines, padded: lines, kGroups };
  const bytes = 4 * BK * (xStride(padded) + (dual ? 2 : 1) * wStride(padded)) +
    16 * redVectors(padded);
  return bytes <= WORKGROUP_BYTES ? padded : { ...padded, padded: false };
}

/** Rows each invocation accumulates. */
function rowsPerInvocation(l: TileLayout): number {
  return l.tm * l.kGroups / 16;
}

/** Rows of the input tile stored side by side in workgroup memory (1: scalars). */
function xWidth(l: TileLayout): number {
  return Math.min(4, rowsPerInvocation(l));
}

/** Floats per K step of the input tile in workgroup memory. */
function xStride(l: TileLayout): number {
  return l.tm + (l.padded ? xWidth(l) : 0);
}

/**
 * Vectors of workgroup memory through which the K groups add up their sums: half the groups
 * hand theirs to the other half, then again, each invocation's block of rows at a time.
 */
function redVectors(l: TileLayout): number {
  return l.kGroups > 1 ? WG / 2 * rowsPerInvocation(l) : 0;
}

/** Floats per K step of the weight tile in workgroup memory. */
function wStride(l: TileLayout): number {
  return GEMM_TILE_N + (l.padded ? 4 : 0);
}

/**
 * The row and the quad (of the tile's 32-value K step) that load `idx` reads, of a tile of
 * `rows` rows (TM for the input, TN for the weight's outputs).
 */
function loadAt(l: TileLayout, rows: "TM" | "TN"): { row: string; quad: string } {
  return l.lines
    ? { row: "idx / 8u", quad: "idx % 8u" }
    : { row: `idx % ${rows}`, quad: `idx / ${rows}` };
}

/** Workgroup grid `[n tiles, row tiles, K slices]`. */
export function gemmGroups(
  nCount: number,
  rows: number,
  tileRows: number,
  splits = 1,
): [number, number, number] {
  return [Math.ceil(nCount / GEMM_TILE_N), Math.ceil(rows / tileRows), splits];
}

/**
 * Workgroups a K split aims for: about two per SM of a large GPU (the H200 has 132); the gated
 * mode twice as many (its fastest splits in the H200 sweep gave 450-520 workgroups).
 */
export const GEMM_SPLIT_WORKGROUPS = 256;
/** Fewest steps of 32 along K per slice: shorter slices cost more in partials than they save. */
const SPLIT_MIN_STEPS = 4;

function splitTarget(gated: boolean): number {
  return gated ? 2 * GEMM_SPLIT_WORKGROUPS : GEMM_SPLIT_WORKGROUPS;
}

/**
 * Rows per tile for `rows` rows, `nCount` outputs and rows `k` long (`gated`: the gated FFN
 * mode). Larger tiles reuse each decoded weight more but give fewer workgroups, which the K split
 * (`gemmSplits`) makes up for. So: the largest tile that the rows fill, unless even slices of
 * `SPLIT_MIN_STEPS` steps would leave it under a quarter of the split's target workgroups (few
 * outputs and a short K: the K/V projections); where there are enough tiles not to split, 128
 * only for rows `k` of 2048 or more. Fitted to an H200 sweep (`bench/gemm_bench.ts --sweep`,
 * Qwen2.5 0.5B/3B shapes, 32 to 512 rows): within 4% of the fastest tile and split on average,
 * 14% at worst. At most 16 rows (a batch of decode steps) take 16-row tiles.
 */
export function gemmTileRows(rows: number, nCount: number, k: number, gated = false): number {
  if (rows <= 16) return 16; // a batch of decode rows: a 32-row tile would compute half zeros
  const target = splitTarget(gated), steps = Math.ceil(k / BK);
  const tiles = (tm: number) => Math.ceil(nCount / GEMM_TILE_N) * Math.ceil(rows / tm);
  for (const tm of [128, 64]) {
    if (tm > rows) continue;
    if (2 * tiles(tm) > target) return tm === 128 && k < 2048 ? 64 : tm;
    if (tiles(tm) * Math.floor(steps / SPLIT_MIN_STEPS) >= target / 4) return tm;
  }
  return 32;
}

/**
 * K slices for `rows` rows and `nCount` outputs of rows `k` long at `tileRows` rows per tile
 * (`gated`: the gated FFN mode): about `GEMM_SPLIT_WORKGROUPS / tiles` (gated twice that)
 * slices of equally many 32-steps (the last may be shorter), none empty and none under
 * `SPLIT_MIN_STEPS` steps; 1 (no split) when that is under 2: with half the target in tiles or
 * more, or a short K. Slices x tiles never exceeds the target.
 */
export function gemmSplits(
  nCount: number,
  rows: number,
  k: number,
  tileRows: number,
  gated = false,
): number {
  const [gx, gy] = gemmGroups(nCount, rows, tileRows);
  const steps = Math.ceil(k / BK);
  const most = Math.min(
    Math.floor(splitTarget(gated) / (gx * gy)),
    Math.floor(steps / SPLIT_MIN_STEPS),
  );
  if (most < 2) return 1;
  return Math.ceil(steps / Math.ceil(steps / most));
}

/**
 * Floats of a partials buffer that serves every split GEMM of at most `maxRows` rows (`gated`:
 * gated ones too, which store gate and up). A launch stores `splits x rows x nCount` per part,
 * and since slices x tiles stays within the split's target, at most that many tiles' worth.
 */
export function gemmPartialsFloats(maxRows: number, gated: boolean): number {
  return splitTarget(gated) * GEMM_TILE_N * Math.min(maxRows, 128) * (gated ? 2 : 1);
}

/**
 * WGSL for the GEMM. Bindings as `matmulKernel`: 0 x (f32), 1 w (raw bytes), 2 y, 3 params
 * {rows, nCount, nBase, ldy, yOff, accumulate}, 4 bias (if any), 5 u, 6 lora B, 7 row adapter
 * slots, 8 adapter scales (if LoRA); gated mode 9 w2, 10 u2, 11 lora B2. Dispatch
 * `gemmGroups(nCount, rows, tileRows)`. The `split` variant binds only 0 x, 1 w, 2 partials,
 * 3 params (and 9 w2) and is dispatched `gemmGroups(nCount, rows, tileRows, splits)`.
 * @example
 * ```ts
 * import { GgmlType } from "./ggml_types.ts";
 * const tileRows = gemmTileRows(512, 896, 4864); // 128, with 4 K slices: see gemmSplits
 * const wgsl = gemmKernel({ type: GgmlType.Q6_K, k: 4864, n: 896, bias: false, loraRank: 0, tileRows });
 * const grid = gemmGroups(896, 512, tileRows);
 * ```
 */
export function gemmKernel(spec: GemmSpec): string {
  const tm = spec.tileRows ?? gemmTileRows(256, spec.n, spec.k);
  if (!TILE_ROWS.includes(tm)) {
    throw new RangeError(`gemm: tile rows ${tm} is not 16, 32, 64 or 128`);
  }
  const dual = spec.upType !== undefined, split = !!spec.split;
  // The split variant leaves the epilogue to the reduce: one kernel serves every bias and LoRA.
  const face = split ? { ...spec, bias: false, loraRank: 0 } : spec;
  const layout = layoutOf(tm, dual ? [spec.type, spec.upType!] : [spec.type], dual);
  return matmulInterface(face, "gemm") + tileDeclarations(layout, dual) +
    mainBody(layout, dual, split, false);
}

/** Shape of the fused Q, K and V GEMM: the QKV matmul's (no LoRA, no folded norm) and a tile. */
export interface QkvGemmSpec extends Omit<QkvInterfaceSpec, "normEps"> {
  tileRows: number;
  /** The K-split variant, as `GemmSpec.split` (the bias is then the reduce's). */
  split?: boolean;
}

/**
 * WGSL for the Q, K and V projections of one input as one GEMM over their stacked outputs (Q's,
 * then K's, then V's), each landing in its own buffer: one launch (and one reduce when K is
 * split) instead of three. Bindings as `qkvMatmulKernel` less the norm: 0 x, 1 Wq, 2 q out,
 * 3 params {rows, nCount = total outputs}, 4 q bias, 9 Wk, 10 Wv, 11 k out, 12 v out, 13 k bias,
 * 14 v bias. The `split` variant binds 0 x, 1 Wq, 2 partials, 3 params, 9 Wk, 10 Wv; then
 * `qkvGemmReduceKernel`. Dispatch as `gemmKernel` with nCount the total outputs.
 */
export function qkvGemmKernel(spec: QkvGemmSpec): string {
  const tm = spec.tileRows;
  if (!TILE_ROWS.includes(tm)) {
    throw new RangeError(`gemm: tile rows ${tm} is not 16, 32, 64 or 128`);
  }
  const split = !!spec.split;
  const layout = layoutOf(tm, spec.types, false);
  return qkvInterface({ ...spec, bias: spec.bias && !split }) + tileDeclarations(layout, false) +
    mainBody(layout, false, split, true);
}

/**
 * WGSL summing a split QKV GEMM's slices in slice order and storing each output with its bias
 * to its own buffer. Bindings as `qkvGemmKernel` less 0 x and the weights, plus 5 the
 * partials (12 is the V output here). Dispatch `gemmReduceGroups(total outputs, rows)`.
 */
export function qkvGemmReduceKernel(spec: Pick<QkvGemmSpec, "outputs" | "bias">): string {
  // Only the epilogue is used: F32 weights and K 4 keep one reduce per output shape.
  const types: QkvGemmSpec["types"] = [GgmlType.F32, GgmlType.F32, GgmlType.F32];
  return qkvInterface({ types, outputs: spec.outputs, k: 4, bias: spec.bias }) +
    reduceMain(false, 5);
}

/** The tile constants and workgroup arrays of a GEMM of `tm`-row tiles. */
function tileDeclarations(l: TileLayout, dual: boolean): string {
  const tm = l.tm, xw = xWidth(l), ws = BK * wStride(l) / 4, red = redVectors(l);
  return /* wgsl */ `
const TM = ${tm}u;
const TN = ${GEMM_TILE_N}u;
const BK = ${BK}u;
// K-major tiles: xs[k][row] and ws[k][output], so an invocation reads its rows and outputs
// as vectors and the 16 invocations of a row group read consecutive outputs.
var<workgroup> xs: array<${xw === 1 ? "f32" : `vec${xw}<f32>`}, ${BK * xStride(l) / xw}>;
var<workgroup> ws: array<vec4<f32>, ${ws}>;
${dual ? `var<workgroup> ws2: array<vec4<f32>, ${ws}>;` : ""}
${red ? `var<workgroup> red: array<vec4<f32>, ${red}>;` : ""}
`;
}

/**
 * The bindings of a split GEMM's two launches from those of the one-pass GEMM (`oneShot`,
 * indexed by binding 0-11, null where absent): the split kernel reads x, w and w2 and writes
 * `partials`; the reduce reads `partials` and everything the epilogue needs (y, params, bias,
 * LoRA). Generic over what a binding is, so every caller keeps its own buffer type.
 */
export function splitGemmBindings<T>(
  oneShot: readonly (T | null)[],
  partials: T,
): { gemm: (T | null)[]; reduce: (T | null)[] } {
  const b = Array.from({ length: 12 }, (_, i) => oneShot[i] ?? null);
  return {
    gemm: [b[0], b[1], partials, b[3], null, null, null, null, null, b[9]],
    reduce: [null, null, ...b.slice(2, 9), null, ...b.slice(10), partials],
  };
}

/**
 * WGSL that sums the K slices of a split GEMM in slice order and applies the epilogue of
 * `spec` (bias, LoRA, store or accumulate; gated: `silu(gate) * up`). Bindings as
 * `gemmKernel` less 0 x and 1 w (and 9 w2), plus 12 the partials, laid out
 * `[slice][part][rows][nCount]` (part 0 the dot products, gated part 1 the up projection's);
 * params as the GEMM's with `splits` (word 6) the number of slices. Dispatch
 * `gemmReduceGroups(nCount, rows)`.
 * @example
 * ```ts
 * import { GgmlType } from "./ggml_types.ts";
 * const spec = { type: GgmlType.Q6_K, k: 4864, n: 896, bias: false, loraRank: 0 };
 * const splits = gemmSplits(896, 32, 4864, 32); // 17 slices of 9 steps
 * const gemm = gemmKernel({ ...spec, tileRows: 32, split: true }); // grid gemmGroups(896, 32, 32, splits)
 * const reduce = gemmReduceKernel(spec); // grid gemmReduceGroups(896, 32)
 * ```
 */
export function gemmReduceKernel(spec: MatmulInterfaceSpec): string {
  const dual = spec.upType !== undefined;
  // Only the epilogue is used: a fixed weight type and K keep one reduce per epilogue.
  const face = { ...spec, type: GgmlType.F32, upType: dual ? GgmlType.F32 : undefined, k: 4 };
  return matmulInterface(face, "gemm reduce") + reduceMain(dual, 12);
}

/**
 * WGSL for the reduce of a split GEMM whose launch covers whole output rows (`nCount` is the
 * row's width, nBase and yOff 0), followed by the RMSNorm of each finished row into binding 14:
 * `xn = y / sqrt(mean(y^2) + eps) * normW` (norm weight at binding 13). One workgroup per row,
 * so it sees the whole row. After the o and down projections, whose outputs are the residual
 * stream, this saves the next RMSNorm's launch. Bindings as `gemmReduceKernel` (no gated mode)
 * plus 13 and 14; `workgroup` invocations per row (a power of 2; the more, the fewer partial
 * sums each walks). Dispatch `[1, rows]`.
 */
export function gemmReduceNormKernel(
  spec: MatmulInterfaceSpec,
  eps: number,
  workgroup = REDUCE_WG,
): string {
  if (spec.upType !== undefined) throw new RangeError("gemm reduce norm: no gated mode");
  const face = { ...spec, type: GgmlType.F32, k: 4 };
  const perThread = Math.ceil(spec.n / workgroup);
  return matmulInterface(face, "gemm reduce norm") + /* wgsl */ `
const VPT = ${perThread}u;
@group(0) @binding(12) var<storage, read> partials: array<f32>;
@group(0) @binding(13) var<storage, read> normW: array<f32>;
@group(0) @binding(14) var<storage, read_write> xn: array<f32>;
var<workgroup> red: array<f32, ${workgroup}>;
@compute @workgroup_size(${workgroup})
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) t: u32) {
  let r = wg.y;
  let part = p.rows * p.nCount;
  var vals = array<f32, VPT>();
  var ss = 0.0;
  for (var i = 0u; i < VPT; i++) {
    let n = t + i * ${workgroup}u;
    if (n < p.nCount) {
      var g = 0.0;
      for (var s = 0u; s < p.splits; s++) { g += partials[s * part + r * p.nCount + n]; }
      let v = finishValue(r, n, g);
      vals[i] = v;
      ss += v * v;
    }
  }
  red[t] = ss;
  workgroupBarrier();
  for (var s = ${workgroup / 2}u; s > 0u; s >>= 1u) {
    if (t < s) { red[t] += red[t + s]; }
    workgroupBarrier();
  }
  let scale = inverseSqrt(red[0] / f32(p.nCount) + ${eps.toExponential()});
  for (var i = 0u; i < VPT; i++) {
    let n = t + i * ${workgroup}u;
    if (n < p.nCount) { xn[r * p.nCount + n] = vals[i] * scale * normW[n]; }
  }
}`;
}

/** The reduce's entry point, reading the partials from binding `at`. */
function reduceMain(dual: boolean, at: number): string {
  const sum = dual ? "g += partials[at]; v += partials[at + part];" : "g += partials[at];";
  return /* wgsl */ `
@group(0) @binding(${at}) var<storage, read> partials: array<f32>;
@compute @workgroup_size(${REDUCE_WG})
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) t: u32) {
  let n = wg.x * ${REDUCE_WG}u + t;
  let r = wg.y;
  if (n >= p.nCount) { return; }
  let part = p.rows * p.nCount;
  var g = 0.0;
  ${dual ? "var v = 0.0;" : ""}
  for (var s = 0u; s < p.splits; s++) {
    let at = s * ${dual ? 2 : 1}u * part + r * p.nCount + n;
    ${sum}
  }
  ${dual ? "finish2(r, n, g, v);" : "finish(r, n, g);"}
}`;
}

/** Invocations per workgroup of the reduce: one per output of a row. */
const REDUCE_WG = 256;

/** Workgroup grid of `gemmReduceKernel`: `[output groups, rows]`. */
export function gemmReduceGroups(nCount: number, rows: number): [number, number] {
  return [Math.ceil(nCount / REDUCE_WG), rows];
}

/**
 * Reads input quad i of the tile at K offset `k` into register xr<i> (zero outside). A 16-row
 * tile has fewer quads than invocations: the upper half loads none.
 */
function loadX(i: number, k: string, l: TileLayout): string {
  const quads = l.tm * BK / 4, at = loadAt(l, "TM");
  return `{
      let idx = t + ${i * WG}u;
      let row = ${at.row};
      let kk = ${k} + (${at.quad}) * 4u;
      xr${i} = vec4<f32>();
      if (${quads < WG ? `idx < ${quads}u && ` : ""}r0 + row < p.rows && kk < K) {
        xr${i} = x[((r0 + row) * K + kk) / 4u];
      }
    }`;
}

/** Stores xr<i>, elements (row, 4q .. 4q+3), to xs[4q .. 4q+3][row]. */
function storeX(i: number, l: TileLayout): string {
  const xw = xWidth(l), quads = l.tm * BK / 4, stride = xStride(l), pos = loadAt(l, "TM");
  const at = (c: number) =>
    xw === 1
      ? `xs[base + ${c * stride}u] = xr${i}.${"xyzw"[c]};`
      : `xs[(base + ${c * stride}u) / ${xw}u][row % ${xw}u] = xr${i}.${"xyzw"[c]};`;
  return `${quads < WG ? `if (t + ${i * WG}u < ${quads}u) ` : ""}{
      let idx = t + ${i * WG}u;
      let row = ${pos.row};
      let base = (${pos.quad}) * ${4 * stride}u + row;
      ${[0, 1, 2, 3].map(at).join("\n      ")}
    }`;
}

/**
 * Decodes weight quad i of the tile at K offset `k` into wr<i> (and wq<i>, gated). `byIndex`:
 * `load4_w` takes the output's index (the QKV GEMM's), not its row's byte offset.
 */
function loadW(i: number, k: string, l: TileLayout, dual: boolean, byIndex: boolean): string {
  const at = loadAt(l, "TN");
  return `{
      let idx = t + ${i * WG}u;
      let o = ${at.row};
      let kk = ${k} + (${at.quad}) * 4u;
      wr${i} = vec4<f32>();
      ${dual ? `wq${i} = vec4<f32>();` : ""}
      if (n0 + o < p.nCount && kk < K) {
        wr${i} = load4_w(${byIndex ? "n0 + o" : "(n0 + o) * ROW_BYTES"}, kk);
        ${dual ? `wq${i} = load4_w2((n0 + o) * ROW_BYTES2, kk);` : ""}
      }
    }`;
}

/** Stores wr<i> (output o, elements 4q .. 4q+3) to ws[4q .. 4q+3][o]; wq<i> to ws2. */
function storeW(i: number, l: TileLayout, dual: boolean): string {
  const stride = wStride(l), at = loadAt(l, "TN");
  const put = (s: string, v: string) =>
    [0, 1, 2, 3].map((c) => `${s}[base + ${c * stride / 4}u][o % 4u] = ${v}${i}.${"xyzw"[c]};`)
      .join("\n      ");
  return `{
      let idx = t + ${i * WG}u;
      let o = ${at.row};
      let base = (${at.quad}) * ${stride}u + o / 4u;
      ${put("ws", "wr")}
      ${dual ? put("ws2", "wq") : ""}
    }`;
}

function mainBody(l: TileLayout, dual: boolean, split: boolean, byIndex: boolean): string {
  const rm = rowsPerInvocation(l), xw = xWidth(l), xv = rm / xw, steps = BK / l.kGroups;
  const xq = range(Math.ceil(l.tm * BK / 4 / WG)), wq = range(GEMM_TILE_N * BK / 4 / WG);
  const regs = [
    ...xq.map((i) => `var xr${i}: vec4<f32>;`),
    ...wq.map((i) => `var wr${i}: vec4<f32>;${dual ? ` var wq${i}: vec4<f32>;` : ""}`),
  ];
  const stage = [
    ...xq.map((i) => loadX(i, "k0", l)),
    ...wq.map((i) => loadW(i, "k0", l, dual, byIndex)),
    ...xq.map((i) => storeX(i, l)),
    ...wq.map((i) => storeW(i, l, dual)),
  ];
  const accs = range(rm).map((i) =>
    `var acc${i} = vec4<f32>();${dual ? ` var accB${i} = vec4<f32>();` : ""}`
  );
  // The step's arithmetic, unrolled here: WGSL loops carry a bounding counter that keeps the
  // GPU compiler from unrolling (and pipelining the workgroup-memory reads) itself.
  // With K groups, group g takes the steps g * steps .. (g + 1) * steps - 1 of each 32.
  const at = (kk: number, per: number) =>
    l.kGroups > 1 ? `(kb + ${kk}u) * ${per}u` : `${kk * per}u`;
  const kStep = (kk: number) => {
    const w = `let wv = ws[${at(kk, wStride(l) / 4)} + tx];` +
      (dual ? ` let wv2 = ws2[${at(kk, wStride(l) / 4)} + tx];` : "");
    const xl = range(xv).map((j) =>
      `let xa${j} = xs[${at(kk, xStride(l) / xw)} + ty * ${xv}u + ${j}u];`
    );
    const fmas = range(rm).map((i) => {
      const xs = xw === 1 ? `xa${i}` : `xa${Math.floor(i / xw)}.${"xyzw"[i % xw]}`;
      return `acc${i} += ${xs} * wv;${dual ? ` accB${i} += ${xs} * wv2;` : ""}`;
    });
    return `{ ${w} ${xl.join(" ")}\n      ${fmas.join(" ")} }`;
  };
  const stores = range(rm).map((i) =>
    `if (r0 + ty * ${rm}u + ${i}u < p.rows) { storeRow(r0 + ty * ${rm}u + ${i}u, n1, acc${i}${
      dual ? `, accB${i}` : ""
    }); }`
  );
  const group = l.kGroups > 1
    ? `let g = t / ${WG / l.kGroups}u;
  let lt = t % ${WG / l.kGroups}u;
  let kb = g * ${steps}u;
  let tx = lt % 16u;
  let ty = lt / 16u;`
    : `let tx = t % 16u;
  let ty = t / 16u;`;
  const storeRow = split ? splitStoreRow(dual) : epilogueStoreRow(dual);
  // A slice is a run of whole 32-steps, equally many per slice (the last may be shorter).
  const kRange = split
    ? `slice = wg.z;
  let perSlice = ((K + BK - 1u) / BK + nwg.z - 1u) / nwg.z * BK;
  let kEnd = min(K, (wg.z + 1u) * perSlice);
  for (var k0 = wg.z * perSlice; k0 < kEnd; k0 += BK) {`
    : "for (var k0 = 0u; k0 < K; k0 += BK) {";
  return /* wgsl */ `
${storeRow}
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) t: u32${
    split ? ", @builtin(num_workgroups) nwg: vec3u" : ""
  }) {
  let n0 = wg.x * TN;
  let r0 = wg.y * TM;
  ${group}
  let n1 = n0 + tx * 4u;
  ${accs.join("\n  ")}
  ${regs.join("\n  ")}
  ${kRange}
    ${stage.join("\n    ")}
    workgroupBarrier();
    ${range(steps).map(kStep).join("\n    ")}
    workgroupBarrier();
  }
  ${
    l.kGroups > 1
      ? groupSums(l, dual) + `
  if (g == 0u) {
  ${stores.join("\n  ")}
  }`
      : stores.join("\n  ")
  }
}`;
}

/**
 * Adds the K groups' accumulators into group 0's by halving, in a fixed order (with 4 groups:
 * 2 and 3 into 0 and 1, then 1 into 0), so results do not depend on scheduling.
 */
function groupSums(l: TileLayout, dual: boolean): string {
  const rm = rowsPerInvocation(l), per = WG / l.kGroups;
  // The upper `half` groups hand their sums to the lower ones through `red`.
  const hand = (acc: string, half: number) =>
    `if (g >= ${half}u && g < ${2 * half}u) {
    ${range(rm).map((i) => `red[(t - ${half * per}u) * ${rm}u + ${i}u] = ${acc}${i};`).join(" ")}
  }
  workgroupBarrier();
  if (g < ${half}u) {
    ${range(rm).map((i) => `${acc}${i} += red[t * ${rm}u + ${i}u];`).join(" ")}
  }
  workgroupBarrier();`;
  const halves: number[] = [];
  for (let half = l.kGroups / 2; half >= 1; half /= 2) halves.push(half);
  return ["acc", ...(dual ? ["accB"] : [])].map((acc) =>
    halves.map((h) => hand(acc, h)).join("\n  ")
  )
    .join("\n  ");
}

/** `storeRow`: a row's four results through the epilogue (`finish`, gated `finish2`). */
function epilogueStoreRow(dual: boolean): string {
  return dual
    ? `fn storeRow(r: u32, n1: u32, g: vec4<f32>, v: vec4<f32>) {
  for (var c = 0u; c < 4u; c++) { if (n1 + c < p.nCount) { finish2(r, n1 + c, g[c], v[c]); } }
}`
    : `fn storeRow(r: u32, n1: u32, a: vec4<f32>) {
  for (var c = 0u; c < 4u; c++) { if (n1 + c < p.nCount) { finish(r, n1 + c, a[c]); } }
}`;
}

/** `storeRow` of the split variant: raw partial sums to `[slice][part][rows][nCount]` (y). */
function splitStoreRow(dual: boolean): string {
  return /* wgsl */ `
var<private> slice: u32;
fn storeRow(r: u32, n1: u32, g: vec4<f32>${dual ? ", v: vec4<f32>" : ""}) {
  let part = p.rows * p.nCount;
  let at = slice * ${dual ? 2 : 1}u * part + r * p.nCount + n1;
  for (var c = 0u; c < 4u; c++) {
    if (n1 + c < p.nCount) {
      y[at + c] = g[c];
      ${dual ? "y[at + part + c] = v[c];" : ""}
    }
  }
}`;
}
