/**
 * `y[r, n] (+)= x[r, :] . W[n, :] (+ bias[n]) (+ LoRA)` for a weight in any supported encoding,
 * decoded in registers by the type's `load4_w`. The weight row is read once per 8 input rows.
 * The LoRA delta is gathered per row (each row carries its own adapter slot), so a batch mixing
 * adapters costs one kernel, not one per adapter. Two schedules:
 * - per-thread: one invocation per output feature and no barriers, for software rasterizers
 *   (llvmpipe), where barriers cost more than everything else;
 * - cooperative: 16 or 64 invocations share each output feature so consecutive lanes read consecutive
 *   bytes of the weight row (coalesced), reduced through workgroup memory; for real GPUs.
 * @module
 */
import type { GgmlType } from "./ggml_types.ts";
import { EIGHT_WIDE_TYPES, WEIGHT_ARRAY, wgslWeightDecoder } from "./dequant.ts";
import { gpuRowBytes } from "./weight_layout.ts";

/**
 * Choices the cooperative schedule makes from the shape (`matmulLanes`, `unrollFor`,
 * `matmulWorkgroup`), which a spec may set instead (bench sweeps do).
 */
export interface ScheduleOverrides {
  /** How a lane walks its part of a row (`chunk` needs K a multiple of 32, `wide` F16/BF16). */
  walk?: Walk;
  /** Lanes per output, a power of two up to 256. */
  lanes?: number;
  /** Row steps a lane loads before using them. */
  unroll?: number;
  /** Invocations per workgroup, a multiple of `lanes` up to 256. */
  workgroup?: number;
}

/** Shape of a matmul kernel: the weight and epilogue (shared with the GEMM), and the schedule. */
export interface MatmulSpec extends MatmulInterfaceSpec, ScheduleOverrides {
  /** Cooperative (GPU) schedule rather than one invocation per output. */
  cooperative?: boolean;
  /**
   * Input rows accumulated per pass over a weight row (1, 2, 4 or 8; default 8). Match it to the
   * batch: a larger block than the rows wastes registers, and compilers may then spill the
   * accumulators to memory.
   */
  rowBlock?: number;
}

/** Rows of x folded into one pass over a weight row. */
export const MATMUL_ROW_BLOCK = 8;
/**
 * How a cooperative lane walks its part of a weight row, a step at a time:
 * - `quad`: four values (`load4`);
 * - `wide`: eight 16-bit values, one 16-byte load (`raw8`), for F16 and BF16 weights;
 * - `chunk`: a 32-value chunk (`load32`), for launches of 32,768+ outputs in other encodings.
 */
export type Walk = "quad" | "wide" | "chunk";

/** Values a lane covers per step of each walk. */
const WALK_VALUES: Record<Walk, number> = { quad: 4, wide: 8, chunk: 32 };

/**
 * The walk over rows of `k` values for a launch of `n` outputs whose weights are in `types` (one
 * encoding, or the several a fused kernel reads in the same step).
 */
function walkOf(k: number, n: number, types: readonly GgmlType[]): Walk {
  if (k % 8 === 0 && types.length > 0 && types.every((t) => EIGHT_WIDE_TYPES.has(t))) {
    return "wide";
  }
  return k % 32 === 0 && n >= CHUNK_MIN_OUTPUTS ? "chunk" : "quad";
}

/**
 * Invocations per output feature in the cooperative schedule, from the row length `k`, the
 * number of outputs `n` and the weights' encodings (see `Walk`). Chunked launches (the vocabulary
 * projection in a quantized encoding) take 2 lanes per output; wide ones, `wideLanes`. Vec4 walks
 * take enough lanes that the whole GPU has ~2^18 invocations in flight (few outputs, like the K/V
 * projections, get 256 lanes each), never more lanes than the row has vec4s. A decode step is
 * latency-bound, so parallelism beats fewer lanes' cheaper reductions. Swept on the H200
 * (docs/research/2026-11-25-h200-decode.md; the cap at the row's vec4s, which took the 0.5B o
 * projection from 256 lanes to 128: 2026-11-25-h200-session9.md).
 */
export function matmulLanes(k: number, n: number, types: readonly GgmlType[] = []): number {
  return lanesFor(walkOf(k, n, types), k, n);
}

/** Lanes per output of `walk` over rows of `k` values, `n` outputs (see `matmulLanes`). */
function lanesFor(walk: Walk, k: number, n: number): number {
  if (walk === "chunk") return CHUNK_LANES;
  if (walk === "wide") return wideLanes(k, n);
  let lanes = 16;
  while (lanes < 256 && lanes * 2 * n <= VEC4_INVOCATIONS && lanes * 8 <= k) lanes *= 2;
  return lanes;
}

/**
 * Lanes per output of the wide walk over rows of `k` 16-bit values, `n` outputs: the fewest (a
 * power of two from 4) with at most `WIDE_STEPS` words per lane and 2^17 invocations, but at most
 * 2^22 invocations and 256 lanes, and never more lanes than the row has words. H200, 1-row 3B F16
 * launches, `bench/matmul_bench.ts --sweep` (2026-11-25-h200-session9.md): the fastest schedules
 * alone had 64 lanes (Q, K and V stacked; o), 32 (gate+up), 128 (down) and 16 (logits). In the
 * chain, gate+up ran faster at 16 lanes (3B decode 316-321 -> 326-328 tok/s, session 12), which
 * 16 words per lane gives.
 */
function wideLanes(k: number, n: number): number {
  const words = k / 8;
  let lanes = 4;
  while (
    lanes < 256 && lanes * 2 <= words && lanes * 2 * n <= WIDE_MAX_INVOCATIONS &&
    (lanes * WIDE_STEPS < words || lanes * n < WIDE_MIN_INVOCATIONS)
  ) lanes *= 2;
  return lanes;
}

/** Words of its row a lane of the wide walk reads at most, where invocations allow. */
const WIDE_STEPS = 16;
/** Invocations a wide launch aims for at least and at most (see `wideLanes`). */
const WIDE_MIN_INVOCATIONS = 1 << 17;
const WIDE_MAX_INVOCATIONS = 1 << 22;

/**
 * Invocations a vec4-step cooperative launch aims for at most (see `matmulLanes`). H200, 1-row
 * steps in the chain, 2^17 / 2^18 / 2^19: 3B F16 5,037 / 4,490 / 4,781 us (decode 173 / 190 /
 * 181 tok/s), 0.5B Q4_K_M 1,612 / 1,525 / 1,618 us (500 / 523 / 505 tok/s).
 */
const VEC4_INVOCATIONS = 1 << 18;

/**
 * Lanes per output of a chunked launch: it has 32,768+ outputs (`CHUNK_MIN_OUTPUTS`), so 2 lanes
 * already make 2^16 invocations and more (the vocabulary projection's 151,936 outputs: ~300k).
 * H200, vocabulary projection in a 1-row step, 1 / 2 / 4 / 8 lanes: 0.5B Q4_K_M (Q6_K output)
 * 142 / 80-81 / 92 / 173 us; 3B F16 229 us at 2 lanes against 274 at 4.
 */
const CHUNK_LANES = 2;

/**
 * Fewest outputs for which the cooperative schedule walks chunks. H200, 1-row steps: the
 * vocabulary projection (151,936 outputs) fell from 141 to 100 us (0.5B Q5_0) and 340 to 288 us
 * (3B F16), but the per-layer projections ran slower than with vec4 steps (0.5B gate+up 394 ->
 * 528 us, 3B F16 gate+up 1,396 -> 3,052 us), with 2^17 to 2^21 invocations alike.
 */
const CHUNK_MIN_OUTPUTS = 32768;

/**
 * Invocations per workgroup of the cooperative schedule for `lanes` lanes per output and row
 * blocks of `rowBlock`. H200, 1-row steps in the chain (2026-11-25-h200-session12.md): 16 and 32
 * lanes in workgroups of 256 rather than 64 took 3B F16 decode from 326-328 to 335-337 tok/s
 * (gate+up at 16 lanes, and the logits) and 0.5B Q4_K_M from 870-875 to 882. Row blocks keep 64:
 * unmeasured there, and llvmpipe takes 177 s rather than 19 s to compile an 8-row block at 256.
 */
function matmulWorkgroup(lanes: number, rowBlock: number): number {
  return lanes >= 64 || (lanes >= 16 && rowBlock === 1) ? 256 : 64;
}

/** A cooperative launch's schedule, resolved from its shape and the spec's overrides. */
export interface MatmulSchedule {
  walk: Walk;
  lanes: number;
  unroll: number;
  workgroup: number;
}

function scheduleOf(
  k: number,
  n: number,
  types: readonly GgmlType[],
  rowBlock: number,
  o: ScheduleOverrides,
): MatmulSchedule {
  const walk = o.walk ?? walkOf(k, n, types);
  if (walk === "chunk" && k % 32 !== 0) {
    throw new RangeError(`matmul: the chunk walk needs K a multiple of 32 (K=${k})`);
  }
  if (walk === "wide" && !(k % 8 === 0 && types.every((t) => EIGHT_WIDE_TYPES.has(t)))) {
    throw new RangeError("matmul: the wide walk needs F16 or BF16 weights and K a multiple of 8");
  }
  const lanes = o.lanes ?? lanesFor(walk, k, n);
  const workgroup = o.workgroup ?? matmulWorkgroup(lanes, rowBlock);
  if (!(lanes >= 1 && lanes <= 256 && (lanes & (lanes - 1)) === 0)) {
    throw new RangeError(`matmul: ${lanes} lanes per output is not a power of two up to 256`);
  }
  if (workgroup > 256 || workgroup % lanes !== 0) {
    throw new RangeError(
      `matmul: a workgroup of ${workgroup} is not a multiple of ${lanes} lanes up to 256`,
    );
  }
  return { walk, lanes, unroll: o.unroll ?? unrollFor(rowBlock), workgroup };
}

/** The cooperative schedule `matmulKernel(spec)` runs (what the plan chose, or the overrides). */
export function matmulSchedule(spec: MatmulSpec): MatmulSchedule {
  return scheduleOf(spec.k, spec.n, matmulTypes(spec), spec.rowBlock ?? MATMUL_ROW_BLOCK, spec);
}

/** Workgroups to dispatch the kernel of `spec` for `nCount` of the weight's outputs. */
export function matmulGroups(nCount: number, spec: MatmulSpec): number {
  if (!spec.cooperative) return Math.ceil(nCount / 64);
  const s = matmulSchedule(spec);
  return Math.ceil(nCount / (s.workgroup / s.lanes));
}

/** Workgroups to dispatch the fused QKV kernel of `spec` (all its outputs). */
export function qkvMatmulGroups(spec: QkvMatmulSpec): number {
  const [nq, nk, nv] = spec.outputs, n = nq + nk + nv;
  if (!spec.cooperative) return Math.ceil(n / 64);
  const s = scheduleOf(spec.k, n, spec.types, spec.rowBlock ?? MATMUL_ROW_BLOCK, spec);
  return Math.ceil(n / (s.workgroup / s.lanes));
}

/** The encodings a matmul spec's kernel reads per step (the gate's and the up's when gated). */
export function matmulTypes(spec: Pick<MatmulInterfaceSpec, "type" | "upType">): GgmlType[] {
  return spec.upType === undefined ? [spec.type] : [spec.type, spec.upType];
}

/**
 * WGSL for the matmul. Bindings: 0 x (f32), 1 w (raw bytes), 2 y, 3 params
 * {rows, nCount, nBase, ldy, yOff, accumulate}, 4 bias (if any), 5 u, 6 lora B, 7 row adapter
 * slots, 8 adapter scales (if LoRA), 15 norm weight (with `normEps`). Dispatch
 * `matmulGroups(nCount, spec)` workgroups (2-D when over 65535).
 */
export function matmulKernel(spec: MatmulSpec): string {
  const { k } = spec;
  const rb = spec.rowBlock ?? MATMUL_ROW_BLOCK;
  if (![1, 2, 4, 8].includes(rb)) {
    throw new RangeError(`matmul: row block ${rb} is not 1, 2, 4 or 8`);
  }
  const dual = spec.upType !== undefined;
  const norm = spec.normEps !== undefined;
  const header = (wg: number) =>
    matmulInterface(spec, "matmul") + /* wgsl */ `
const WG = ${wg}u;
const RB = ${rb}u;
`;
  if (!spec.cooperative) return header(64) + perThreadMain(dual, false, norm, rb);
  const s = matmulSchedule(spec);
  return header(s.workgroup) + cooperativeMain(dual, s, rb, false, norm, k);
}

/** The part of a weight-times-input kernel that the matmul and the tiled GEMM share. */
export interface MatmulInterfaceSpec {
  type: GgmlType;
  /** Input features (row length of W), a multiple of 4. */
  k: number;
  /** Total output features of the weight (for LoRA B indexing). */
  n: number;
  bias: boolean;
  /** LoRA rank padding of the adapter pool (a multiple of 4), 0 when no LoRA is applied. */
  loraRank: number;
  /**
   * RMSNorm folded into the input: when set (the norm's epsilon), the kernel multiplies x by the
   * norm weight (binding 15) as it loads it, sums the squares of each row on the way, and
   * scales each dot product by `1 / sqrt(mean(x^2) + eps)`. Saves the norm's launch before the
   * projection (decode steps are chains of latency-bound launches).
   */
  normEps?: number;
  /**
   * Gated FFN mode: W is the gate, `upType` the encoding of a second weight (binding 9, LoRA
   * at 10-11) read in the same pass, and the output is `silu(gate) * up` (no bias, no
   * accumulate). Saves two dispatches per layer over gate, up and SwiGLU apart.
   */
  upType?: GgmlType;
}

/**
 * WGSL shared by `matmulKernel` and `gemmKernel`: constants K, NTOT, ROW_BYTES, RMAX, the params
 * struct (`splits` is read only by the GEMM's K-split reduce), bindings 0-8 (and 9-11 in gated
 * mode), the weight decoders and the epilogue: `finish` (bias, per-row LoRA delta, store or
 * accumulate) or, gated, `finish2` (silu(gate) * up).
 */
export function matmulInterface(spec: MatmulInterfaceSpec, kernel: string): string {
  const { type, k, n, bias, loraRank } = spec;
  if (k % 4 !== 0) throw new RangeError(`${kernel}: K=${k} is not a multiple of 4`);
  const lora = loraRank > 0;
  const dual = spec.upType !== undefined;
  if (dual && bias) throw new RangeError(`${kernel}: the gated FFN mode takes no bias`);
  // The epilogue reads u and B as vec4s (the adapter pool pads every rank to a multiple of 4).
  if (loraRank % 4 !== 0) {
    throw new RangeError(`${kernel}: LoRA rank ${loraRank} is not a multiple of 4`);
  }
  return /* wgsl */ `
const K = ${k}u;
const NTOT = ${n}u;
const ROW_BYTES = ${gpuRowBytes(type, k)}u;
const RMAX = ${Math.max(1, loraRank)}u;
struct Params { rows: u32, nCount: u32, nBase: u32, ldy: u32, yOff: u32, accumulate: u32, splits: u32, _b: u32 }
@group(0) @binding(0) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> w: ${WEIGHT_ARRAY};
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;
${bias ? "@group(0) @binding(4) var<storage, read> bias: array<f32>;" : ""}
${
    lora
      ? `@group(0) @binding(5) var<storage, read> u: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read> lb: array<vec4<f32>>;
@group(0) @binding(7) var<storage, read> rowAdapter: array<i32>;
@group(0) @binding(8) var<storage, read> lscale: array<f32>;`
      : ""
  }
${wgslWeightDecoder(type, "w", k)}
${dual ? dualDeclarations(spec.upType!, k, lora) : ""}
${normDeclarations(spec.normEps)}

// Adds bias and LoRA delta to the dot product of row r, output n, and stores it.
fn finish(r: u32, n: u32, dotValue: f32) { _ = finishValue(r, n, dotValue); }

// finish, returning the value stored (after accumulating).
fn finishValue(r: u32, n: u32, dotValue: f32) -> f32 {
  var v = dotValue;
  let col = p.nBase + n;
  ${bias ? "v += bias[col];" : ""}
  ${
    lora
      ? `let a = rowAdapter[r];
  if (a >= 0) {
    ${loraSum("lb", "u")}
    v += lscale[a] * s;
  }`
      : ""
  }
  let idx = r * p.ldy + p.yOff + col;
  if (p.accumulate != 0u) { v += y[idx]; }
  y[idx] = v;
  return v;
}
`;
}

/** WGSL declaring `s`, the dot product of row r's u with output col's B row (for adapter a). */
function loraSum(lb: string, u: string): string {
  return `var s = 0.0;
    let bBase = (u32(a) * NTOT + col) * (RMAX / 4u);
    for (var i = 0u; i < RMAX / 4u; i++) { s += dot(${lb}[bBase + i], ${u}[r * (RMAX / 4u) + i]); }`;
}

/** Bindings, decoder and epilogue of the gated FFN mode. */
function dualDeclarations(upType: GgmlType, k: number, lora: boolean): string {
  return /* wgsl */ `
const ROW_BYTES2 = ${gpuRowBytes(upType, k)}u;
@group(0) @binding(9) var<storage, read> w2: ${WEIGHT_ARRAY};
${
    lora
      ? `@group(0) @binding(10) var<storage, read> u2: array<vec4<f32>>;
@group(0) @binding(11) var<storage, read> lb2: array<vec4<f32>>;`
      : ""
  }
${wgslWeightDecoder(upType, "w2", k)}

fn loraDelta(r: u32, col: u32, second: bool) -> f32 {
  ${
    lora
      ? `let a = rowAdapter[r];
  if (a < 0) { return 0.0; }
  if (second) {
    ${loraSum("lb2", "u2")}
    return lscale[a] * s;
  }
  ${loraSum("lb", "u")}
  return lscale[a] * s;`
      : "return 0.0;"
  }
}

// silu(gate) * up for row r, output n.
fn finish2(r: u32, n: u32, gateDot: f32, upDot: f32) {
  let col = p.nBase + n;
  let g = gateDot + loraDelta(r, col, false);
  let v = upDot + loraDelta(r, col, true);
  y[r * p.ldy + p.yOff + col] = g / (1.0 + exp(-g)) * v;
}
`;
}

/** Binding 15 and the row scale of the folded RMSNorm (see `normEps`); nothing without it. */
function normDeclarations(eps: number | undefined): string {
  if (eps === undefined) return "";
  return /* wgsl */ `
@group(0) @binding(15) var<storage, read> normW: array<vec4<f32>>;
fn rowScale(ss: f32) -> f32 { return inverseSqrt(ss / f32(K) + ${eps}); }`;
}

/** One quad of weights a row step uses: its K offset and its values (and the up weight's). */
interface StepQuad {
  kk: string;
  wv: string;
  wv2: string;
}

/**
 * The inner step over rows r0 .. r0 + rb - 1: for each of `quads` (by default the one at K offset
 * kk with weights wv and wv2), loads each row's x quad (folding in the norm weight and summing
 * squares into ss<j> with `norm`) and accumulates `dot(xv, wv)` into acc<j> (and wv2 into accB<j>),
 * all quads in one pass over the rows. The rows are written out one by one: a loop would index
 * private arrays, which this stack keeps in local memory rather than registers.
 */
function rowStep(
  dual: boolean,
  norm: boolean,
  rb: number,
  quads: StepQuad[] = [{ kk: "kk", wv: "wv", wv2: "wv2" }],
): string {
  const each = (f: (q: StepQuad, i: number) => string, sep: string) => quads.map(f).join(sep);
  const row = (j: number) => /* wgsl */ `
        if (r0 + ${j}u < p.rows) {
          ${
    each(
      (q, i) =>
        norm
          ? `let xr${i} = x[((r0 + ${j}u) * K + ${q.kk}) / 4u]; let xv${i} = xr${i} * nw${i};`
          : `let xv${i} = x[((r0 + ${j}u) * K + ${q.kk}) / 4u];`,
      "\n          ",
    )
  }
          ${norm ? `ss${j} += ${each((_, i) => `dot(xr${i}, xr${i})`, " + ")};` : ""}
          acc${j} += ${each((_, i) => `dot(xv${i}, w${i})`, " + ")};
          ${dual ? `accB${j} += ${each((_, i) => `dot(xv${i}, u${i})`, " + ")};` : ""}
        }`;
  // Weights (decoded once, before the rows) and norm weights of each quad.
  return /* wgsl */ `
        ${each((q, i) => `let w${i} = ${q.wv};${dual ? ` let u${i} = ${q.wv2};` : ""}`, " ")}
        ${norm ? each((q, i) => `let nw${i} = normW[(${q.kk}) / 4u];`, " ") : ""}${
    range(rb).map(row).join("")
  }`;
}

/** 0 .. n - 1: the indices a kernel generator writes out (rows, unrolled steps, registers). */
export function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/**
 * Declarations of a row block's accumulators, zeroed: acc<j> (and accB<j> gated, ss<j>, the row's
 * sum of squares, with a folded norm).
 */
function accumulators(dual: boolean, norm: boolean, rb: number): string {
  return range(rb).map((j) =>
    `var acc${j} = 0.0;${dual ? ` var accB${j} = 0.0;` : ""}${norm ? ` var ss${j} = 0.0;` : ""}`
  ).join("\n    ");
}

/** `byIndex`: `load4_w` takes the output index rather than a row's byte offset (QKV mode). */
function perThreadMain(dual: boolean, byIndex: boolean, norm: boolean, rb: number): string {
  const store = (j: number) => {
    const sc = norm ? ` * rowScale(ss${j})` : "";
    return `if (r0 + ${j}u < p.rows) { ${
      dual
        ? `finish2(r0 + ${j}u, n, acc${j}${sc}, accB${j}${sc});`
        : `finish(r0 + ${j}u, n, acc${j}${sc});`
    } }`;
  };
  return /* wgsl */ `
@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let n = gid.x + gid.y * nwg.x * WG;
  if (n >= p.nCount) { return; }
  let rowByte = ${byIndex ? "n" : "n * ROW_BYTES"};
  ${dual ? "let rowByte2 = n * ROW_BYTES2;" : ""}
  for (var r0 = 0u; r0 < p.rows; r0 += RB) {
    ${accumulators(dual, norm, rb)}
    for (var kk = 0u; kk < K; kk += 4u) {
      let wv = load4_w(rowByte, kk);
      ${dual ? "let wv2 = load4_w2(rowByte2, kk);" : ""}
      ${rowStep(dual, norm, rb)}
    }
    ${range(rb).map(store).join("\n    ")}
  }
}`;
}

/**
 * Row steps a lane loads before using them in the cooperative schedule when it folds several
 * input rows into each step: a lane with more loads in flight waits less. One-row launches take
 * one step at a time: fewer registers, more invocations resident, and the compiler still keeps
 * the next loads in flight. H200, 1-row launches, unroll 1 against 2 (2026-11-25-h200-session9.md):
 * 3B F16 down 17.4 against 21.6 us, gate+up 29.0 against 30.4+; 0.5B Q6_K down 10.4 against 11.4.
 */
const COOPERATIVE_UNROLL = 2;

/** The unroll of a cooperative launch folding `rowBlock` input rows into each step. */
function unrollFor(rowBlock: number): number {
  return rowBlock === 1 ? 1 : COOPERATIVE_UNROLL;
}

/**
 * `unroll` steps of the cooperative loop at k0, k0 + LANES * step, ...: every step's weight loads
 * first, then the row steps. A `quad` step loads four values with `load4`; a `wide` step loads a
 * raw 16-byte word of eight 16-bit values (`raw8`) and decodes it when used, as two quads.
 * `exact`: K is a multiple of the loop's stride, so no step runs past K. `byIndex`: the fused QKV
 * kernel, whose wide decoders take the output index.
 */
function unrolledSteps(
  walk: "quad" | "wide",
  dual: boolean,
  norm: boolean,
  unroll: number,
  exact: boolean,
  byIndex: boolean,
  rb: number,
): string {
  const values = WALK_VALUES[walk], steps = range(unroll);
  const inK = (u: number) => (exact || u === 0 ? "true" : `k0 + ${u}u * LANES * ${values}u < K`);
  const [word, load, w2] = walk === "wide"
    ? ["vec4<u32>", "raw8", "raw8_w2"]
    : ["vec4<f32>", "load4", "load4_w2"];
  const loads = steps.map((u) => `
        let kk${u} = k0 + ${u}u * LANES * ${values}u;
        var wv${u} = ${word}();
        ${dual ? `var wu${u} = ${word}();` : ""}
        if (${inK(u)}) {
          wv${u} = ${load}_w(rowByte, kk${u});
          ${dual ? `wu${u} = ${w2}(rowByte2, kk${u});` : ""}
        }`);
  const decode = (half: "lo8" | "hi8", v: string, b: string) =>
    byIndex ? `${half}_${b}(${v}, n)` : `${half}_${b}(${v})`;
  // A wide step decodes its word into two quads and walks the rows once for both.
  const quads = (u: number): StepQuad[] =>
    walk === "wide"
      ? (["lo8", "hi8"] as const).map((half, i) => ({
        kk: i === 0 ? `kk${u}` : `kk${u} + 4u`,
        wv: decode(half, `wv${u}`, "w"),
        wv2: decode(half, `wu${u}`, "w2"),
      }))
      : [{ kk: `kk${u}`, wv: `wv${u}`, wv2: `wu${u}` }];
  const uses = steps.map((u) => `
        if (${inK(u)}) {${rowStep(dual, norm, rb, quads(u))}
        }`);
  return loads.join("") + uses.join("");
}

/**
 * The cooperative loop over 32-value chunks: each lane decodes its chunk of the weight row (and
 * of the up row) once with `load32`, then accumulates it against every row of the block.
 */
function chunkSteps(dual: boolean, norm: boolean, rb: number): string {
  const quads = range(8);
  const normLoads = norm ? quads.map((q) => `let n${q} = normW[c * 8u + ${q}u];`).join(" ") : "";
  const row = (j: number) => {
    const dots = quads.map((q) =>
      (norm
        ? `let x${q} = x[xb + ${q}u]; ss${j} += dot(x${q}, x${q}); let v${q} = x${q} * n${q};`
        : `let v${q} = x[xb + ${q}u];`) +
      ` s += dot(v${q}, wc.q${q});` + (dual ? ` s2 += dot(v${q}, uc.q${q});` : "")
    ).join("\n          ");
    return /* wgsl */ `
        if (r0 + ${j}u < p.rows) {
          let xb = (r0 + ${j}u) * (K / 4u) + c * 8u;
          var s = 0.0;
          ${dual ? "var s2 = 0.0;" : ""}
          ${dots}
          acc${j} += s;
          ${dual ? `accB${j} += s2;` : ""}
        }`;
  };
  return /* wgsl */ `
      for (var c = lane; c < K / 32u; c += LANES) {
        let wc = load32_w(rowByte, c);
        ${dual ? "let uc = load32_w2(rowByte2, c);" : ""}
        ${normLoads}${range(rb).map(row).join("")}
      }`;
}

/** The loop over K of one lane of the cooperative schedule, by walk. */
function laneLoop(
  walk: Walk,
  dual: boolean,
  norm: boolean,
  byIndex: boolean,
  lanes: number,
  k: number,
  unroll: number,
  rb: number,
): string {
  if (walk === "chunk") return chunkSteps(dual, norm, rb);
  const stride = lanes * WALK_VALUES[walk] * unroll;
  const exact = k % stride === 0;
  const steps = unrolledSteps(walk, dual, norm, unroll, exact, byIndex, rb);
  return `
      for (var k0 = lane * ${WALK_VALUES[walk]}u; k0 < K; k0 += ${stride}u) {
        ${steps}
      }`;
}

/** `rb`: rows per block. */
function cooperativeMain(
  dual: boolean,
  schedule: MatmulSchedule,
  rb: number,
  byIndex: boolean,
  norm: boolean,
  k: number,
): string {
  const { walk, lanes, unroll } = schedule;
  // Reduction slots: the workgroup size times the row block, for each value reduced per (row,
  // invocation): the dot (and the up dot), and the row's sum of squares.
  const red = schedule.workgroup * rb;
  const sums = ["acc", ...(dual ? ["accB"] : []), ...(norm ? ["ss"] : [])];
  const slot = (i: number, at: string) => `red[${i * red}u + ${at}]`;
  const keep = range(rb).map((j) =>
    sums.map((v, i) => `${slot(i, `${j * schedule.workgroup}u + lid.x`)} = ${v}${j};`).join(" ")
  ).join("\n    ");
  const fold = sums.map((_, i) =>
    `${slot(i, "j * WG + lid.x")} += ${slot(i, "j * WG + lid.x + s")};`
  ).join(" ");
  const scale = norm ? `rowScale(${slot(sums.length - 1, "at")})` : "1.0";
  return /* wgsl */ `
const LANES = ${lanes}u;
var<workgroup> red: array<f32, ${sums.length * red}>;
@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_id) lid: vec3u) {
  let lane = lid.x % LANES;
  let n = (wg.x + wg.y * nwg.x) * (WG / LANES) + lid.x / LANES;
  let valid = n < p.nCount;
  let rowByte = ${byIndex ? "n" : "n * ROW_BYTES"};
  ${dual ? "let rowByte2 = n * ROW_BYTES2;" : ""}
  for (var r0 = 0u; r0 < p.rows; r0 += RB) {
    ${accumulators(dual, norm, rb)}
    if (valid) {
      ${laneLoop(walk, dual, norm, byIndex, lanes, k, unroll, rb)}
    }
    ${keep}
    workgroupBarrier();
    for (var s = LANES / 2u; s > 0u; s >>= 1u) {
      if (lane < s) {
        for (var j = 0u; j < RB; j++) { ${fold} }
      }
      workgroupBarrier();
    }
    // Lane j stores row j of the block (and j + LANES, ... when the block has more rows).
    for (var j = lane; valid && j < RB && r0 + j < p.rows; j += LANES) {
      let at = j * WG + lid.x - lane;
      let sc = ${scale};
      ${
    dual
      ? `finish2(r0 + j, n, ${slot(0, "at")} * sc, ${slot(1, "at")} * sc);`
      : `finish(r0 + j, n, ${slot(0, "at")} * sc);`
  }
    }
    workgroupBarrier();
  }
}`;
}

/** `W32(a.q0, ..., a.q7)`: one buffer's decoded chunk as the QKV kernel's common struct. */
const asW32 = (a: string) => `W32(${[0, 1, 2, 3, 4, 5, 6, 7].map((q) => `${a}.q${q}`).join(", ")})`;

/** Shape of the fused Q, K and V projection. */
export interface QkvMatmulSpec extends ScheduleOverrides {
  /** Encodings of the Q, K and V weights (each may differ, as in llama.cpp's mixes). */
  types: [GgmlType, GgmlType, GgmlType];
  /** Output features of Q, K and V. */
  outputs: [number, number, number];
  k: number;
  bias: boolean;
  cooperative: boolean;
  rowBlock?: number;
  /** RMSNorm folded into the input, as `MatmulInterfaceSpec.normEps` (norm weight at binding 15). */
  normEps?: number;
}

/**
 * WGSL for the Q, K and V projections of the same input in one launch: outputs are numbered
 * across the three weights and each lands in its own buffer (no LoRA; with adapters resident
 * the projections run apart). Saves two launches per layer of a decode step. Bindings: 0 x,
 * 1 Wq, 2 q out, 3 params {rows, nCount = total outputs}, 4 q bias, 9 Wk, 10 Wv, 11 k out,
 * 12 v out, 13 k bias, 14 v bias, 15 norm weight (with `normEps`). Dispatch
 * `qkvMatmulGroups(spec)` workgroups.
 */
export function qkvMatmulKernel(spec: QkvMatmulSpec): string {
  const { outputs: [nq, nk, nv], k, cooperative } = spec;
  const rb = spec.rowBlock ?? MATMUL_ROW_BLOCK;
  const n = nq + nk + nv;
  const norm = spec.normEps !== undefined;
  const header = (walk: Walk, wg: number) =>
    qkvInterface(spec, walk) + /* wgsl */ `
const WG = ${wg}u;
const RB = ${rb}u;
`;
  if (!cooperative) return header("quad", 64) + perThreadMain(false, true, norm, rb);
  const s = scheduleOf(k, n, spec.types, rb, spec);
  return header(s.walk, s.workgroup) + cooperativeMain(false, s, rb, true, norm, k);
}

/** The fused QKV kernel's wide-walk readers: each picks the weight by output index `n`. */
function qkvWide(types: readonly GgmlType[], k: number): string {
  const pick = (call: (b: string, i: number) => string) => `
  if (n < NQ) { return ${call("wq", 0)}; }
  if (n < NQ + NK) { return ${call("wk", 1)}; }
  return ${call("wv", 2)};`;
  const base = ["n", "(n - NQ)", "(n - NQ - NK)"];
  return /* wgsl */ `
fn raw8_w(n: u32, kk: u32) -> vec4<u32> {${
    pick((b, i) => `raw8_${b}(${base[i]} * ${gpuRowBytes(types[i], k)}u, kk)`)
  }
}
fn lo8_w(v: vec4<u32>, n: u32) -> vec4<f32> {${pick((b) => `lo8_${b}(v)`)}
}
fn hi8_w(v: vec4<u32>, n: u32) -> vec4<f32> {${pick((b) => `hi8_${b}(v)`)}
}`;
}

/** What the fused Q, K and V projection's bindings, decoders and epilogue depend on. */
export type QkvInterfaceSpec = Pick<QkvMatmulSpec, "types" | "outputs" | "k" | "bias" | "normEps">;

/**
 * WGSL shared by the fused Q, K and V matmul and GEMM: constants K, NQ, NK, NV, the params
 * struct (as the matmul's), the bindings (2 is `y`, the Q output), `load4_w(n, kk)` (and for the
 * `chunk` walk `load32_w(n, c)`, for the `wide` walk `raw8_w(n, kk)`, `lo8_w(word, n)` and
 * `hi8_w(word, n)`) by output index across the three weights, and `finish(r, n, dot)`,
 * which adds the bias and stores to the weight's own output.
 */
export function qkvInterface(spec: QkvInterfaceSpec, walk: Walk = "quad"): string {
  const { types, outputs: [nq, nk, nv], k, bias } = spec;
  if (k % 4 !== 0) throw new RangeError(`qkv: K=${k} is not a multiple of 4`);
  return /* wgsl */ `
const K = ${k}u;
const NQ = ${nq}u;
const NK = ${nk}u;
const NV = ${nv}u;
struct Params { rows: u32, nCount: u32, _n: u32, _l: u32, _y: u32, _acc: u32, splits: u32, _b: u32 }
@group(0) @binding(0) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> wq: ${WEIGHT_ARRAY};
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;
@group(0) @binding(9) var<storage, read> wk: ${WEIGHT_ARRAY};
@group(0) @binding(10) var<storage, read> wv: ${WEIGHT_ARRAY};
@group(0) @binding(11) var<storage, read_write> yk: array<f32>;
@group(0) @binding(12) var<storage, read_write> yv: array<f32>;
${
    bias
      ? `@group(0) @binding(4) var<storage, read> bq: array<f32>;
@group(0) @binding(13) var<storage, read> bk: array<f32>;
@group(0) @binding(14) var<storage, read> bv: array<f32>;`
      : ""
  }
${wgslWeightDecoder(types[0], "wq", k)}
${wgslWeightDecoder(types[1], "wk", k)}
${wgslWeightDecoder(types[2], "wv", k)}
${normDeclarations(spec.normEps)}

// Output n of the three weights stacked: Q's rows, then K's, then V's.
fn load4_w(n: u32, kk: u32) -> vec4<f32> {
  if (n < NQ) { return load4_wq(n * ${gpuRowBytes(types[0], k)}u, kk); }
  if (n < NQ + NK) { return load4_wk((n - NQ) * ${gpuRowBytes(types[1], k)}u, kk); }
  return load4_wv((n - NQ - NK) * ${gpuRowBytes(types[2], k)}u, kk);
}
${walk === "wide" ? qkvWide(types, k) : ""}
${
    walk === "chunk"
      ? `struct W32 { q0: vec4<f32>, q1: vec4<f32>, q2: vec4<f32>, q3: vec4<f32>, q4: vec4<f32>, q5: vec4<f32>, q6: vec4<f32>, q7: vec4<f32> }
fn load32_w(n: u32, c: u32) -> W32 {
  if (n < NQ) { let a = load32_wq(n * ${gpuRowBytes(types[0], k)}u, c); return ${asW32("a")}; }
  if (n < NQ + NK) { let a = load32_wk((n - NQ) * ${gpuRowBytes(types[1], k)}u, c); return ${
        asW32("a")
      }; }
  let a = load32_wv((n - NQ - NK) * ${gpuRowBytes(types[2], k)}u, c);
  return ${asW32("a")};
}`
      : ""
  }

fn finish(r: u32, n: u32, dotValue: f32) {
  if (n < NQ) { y[r * NQ + n] = dotValue${bias ? " + bq[n]" : ""}; return; }
  if (n < NQ + NK) { yk[r * NK + n - NQ] = dotValue${bias ? " + bk[n - NQ]" : ""}; return; }
  yv[r * NV + n - NQ - NK] = dotValue${bias ? " + bv[n - NQ - NK]" : ""};
}
`;
}

/** Several LoRA down projections of one input in one launch, and an RMSNorm folded in. */
export interface LoraDownGroup {
  /**
   * Modules sharing the input (1-3, e.g. q, k and v): module i reads its A at binding
   * `[1, 5, 7][i]` and writes its u at `[2, 6, 8][i]`; dispatch `[rows, rank, modules]`.
   */
  modules?: number;
  /**
   * The input's RMSNorm, folded in (its epsilon; norm weight at binding 9): u = A . RMSNorm(x),
   * as for a matmul with `normEps`, which then reads the same un-normed x.
   */
  normEps?: number;
}

/**
 * WGSL for the LoRA down projection `u[r, j] = A[slot(r)][j, :] . x[r, :]` (zero for rows
 * without an adapter). Bindings: 0 x, 1 A [slots][rank][K], 2 u, 3 row adapter slots,
 * 4 params {rows} (and with a `group`, 5-9). Per-thread (software adapters): one workgroup per
 * row, an invocation per j, dispatch `rows`; one module, no norm. Cooperative (GPUs): 256 lanes
 * share each (row, j, module) dot product a vec4 at a time, dispatch `[rows, rank, modules]`
 * (K a multiple of 4); a serial loop over K per invocation left LoRA batches latency-bound there.
 * A decode step with adapters runs a down projection before each projection, so one launch for q,
 * k and v (and one for gate and up), with the norm folded in, saves launches in a latency-bound
 * chain.
 */
export function loraDownKernel(
  k: number,
  rank: number,
  cooperative = false,
  group: LoraDownGroup = {},
): string {
  const modules = group.modules ?? 1, norm = group.normEps !== undefined;
  if (!Number.isInteger(modules) || modules < 1 || modules > 3) {
    throw new RangeError(`lora down: ${modules} modules in one launch (1 to 3)`);
  }
  if (!cooperative && (modules > 1 || norm)) {
    throw new RangeError(
      "lora down: modules in one launch and a folded norm need the cooperative schedule",
    );
  }
  // The cooperative kernel reads x, A and the norm weight as vec4s (K is a multiple of 4).
  const elem = cooperative ? "vec4<f32>" : "f32";
  if (cooperative && k % 4 !== 0) throw new RangeError(`lora down: K=${k} is not a multiple of 4`);
  const header = /* wgsl */ `
const K = ${k}u;
const RMAX = ${rank}u;
struct Params { rows: u32, _a: u32, _b: u32, _c: u32 }
@group(0) @binding(0) var<storage, read> x: array<${elem}>;
@group(0) @binding(1) var<storage, read> la: array<${elem}>;
@group(0) @binding(2) var<storage, read_write> u: array<f32>;
@group(0) @binding(3) var<storage, read> rowAdapter: array<i32>;
@group(0) @binding(4) var<uniform> p: Params;
`;
  if (!cooperative) {
    return header + /* wgsl */ `
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let r = wg.x;
  if (r >= p.rows) { return; }
  let a = rowAdapter[r];
  for (var j = lid.x; j < RMAX; j += 64u) {
    var s = 0.0;
    if (a >= 0) {
      let base = (u32(a) * RMAX + j) * K;
      for (var kk = 0u; kk < K; kk++) { s += la[base + kk] * x[r * K + kk]; }
    }
    u[r * RMAX + j] = s;
  }
}`;
  }
  // Module z's A and u (z is the same for the whole workgroup, so the branches do not diverge).
  const extra = [
    "@group(0) @binding(5) var<storage, read> la1: array<vec4<f32>>;\n@group(0) @binding(6) var<storage, read_write> u1: array<f32>;",
    "@group(0) @binding(7) var<storage, read> la2: array<vec4<f32>>;\n@group(0) @binding(8) var<storage, read_write> u2: array<f32>;",
  ].slice(0, modules - 1).join("\n");
  const names = [["la", "u"], ["la1", "u1"], ["la2", "u2"]].slice(0, modules);
  const pick = (f: (a: string, u: string) => string) =>
    names.map(([a, u], z) => z === modules - 1 ? f(a, u) : `if (z == ${z}u) { ${f(a, u)} }`)
      .join(" ");
  return header + extra + /* wgsl */ `
${norm ? "@group(0) @binding(9) var<storage, read> normW: array<vec4<f32>>;" : ""}
const K4 = K / 4u;
const WG = ${LORA_DOWN_WORKGROUP}u;
fn aAt(z: u32, i: u32) -> vec4<f32> { ${pick((a) => `return ${a}[i];`)} }
fn store(z: u32, i: u32, v: f32) { ${pick((_, u) => `${u}[i] = v; return;`)} }
var<workgroup> red: array<f32, WG>;
${norm ? "var<workgroup> red2: array<f32, WG>;" : ""}
var<workgroup> slotOf: i32;
@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let r = wg.x;
  let j = wg.y;
  let z = wg.z;
  if (r >= p.rows) { return; }
  if (lid.x == 0u) { slotOf = rowAdapter[r]; }
  let a = workgroupUniformLoad(&slotOf);
  if (a < 0) {
    if (lid.x == 0u) { store(z, r * RMAX + j, 0.0); }
    return;
  }
  let base = (u32(a) * RMAX + j) * K4;
  var s = 0.0;
  ${norm ? "var ss = 0.0;" : ""}
  for (var q = lid.x; q < K4; q += WG) {
    let xv = x[r * K4 + q];
    ${
    norm
      ? "ss += dot(xv, xv); s += dot(aAt(z, base + q), xv * normW[q]);"
      : "s += dot(aAt(z, base + q), xv);"
  }
  }
  red[lid.x] = s;
  ${norm ? "red2[lid.x] = ss;" : ""}
  workgroupBarrier();
  for (var st = WG / 2u; st > 0u; st >>= 1u) {
    if (lid.x < st) {
      red[lid.x] += red[lid.x + st];
      ${norm ? "red2[lid.x] += red2[lid.x + st];" : ""}
    }
    workgroupBarrier();
  }
  if (lid.x == 0u) {
    store(z, r * RMAX + j, red[0]${
    norm ? ` * inverseSqrt(red2[0] / f32(K) + ${group.normEps})` : ""
  });
  }
}`;
}

/**
 * Invocations per workgroup of the cooperative LoRA down projection, each a vec4 per step: a
 * launch has only rows x rank x modules workgroups (16-48 for one row at rank 16), so each needs
 * many loads in flight.
 */
const LORA_DOWN_WORKGROUP = 256;

/** WGSL for the embedding lookup of one chunk of the table; bindings 0 tokens, 1 w, 2 x, 3 params {rows, rowBase, rowCount}. */
export function embedKernel(type: GgmlType, dim: number): string {
  return /* wgsl */ `
const DIM = ${dim}u;
const ROW_BYTES = ${gpuRowBytes(type, dim)}u;
struct Params { rows: u32, rowBase: u32, rowCount: u32, _c: u32 }
@group(0) @binding(0) var<storage, read> tokens: array<u32>;
@group(0) @binding(1) var<storage, read> w: ${WEIGHT_ARRAY};
@group(0) @binding(2) var<storage, read_write> x: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;
${wgslWeightDecoder(type, "w", dim)}
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let r = wg.x;
  if (r >= p.rows) { return; }
  let t = tokens[r];
  if (t < p.rowBase || t >= p.rowBase + p.rowCount) { return; }
  let rb = (t - p.rowBase) * ROW_BYTES;
  for (var kk = lid.x * 4u; kk < DIM; kk += 256u) {
    let v = load4_w(rb, kk);
    x[r * DIM + kk] = v.x;
    x[r * DIM + kk + 1u] = v.y;
    x[r * DIM + kk + 2u] = v.z;
    x[r * DIM + kk + 3u] = v.w;
  }
}`;
}
