/**
 * Causal attention of each row's query against its sequence's KV cache (positions 0..pos),
 * with grouped-query heads, in tiles with an online softmax so any context length fits in
 * workgroup memory. One workgroup per (row, head).
 * @module
 */

/** Shape of the attention kernel. */
export interface AttentionSpec {
  heads: number;
  kvHeads: number;
  headDim: number;
  contextLength: number;
  /**
   * Invocations per (row, head): 64 (default) for software adapters, 256 on GPUs, where the
   * value pass splits the keys among WG / headDim groups so no invocation walks them all.
   */
  workgroup?: number;
  /**
   * Split the keys into chunks of this many (at most 512) over a third grid dimension, writing
   * unnormalized partial outputs for `attentionCombineKernel` (flash decoding). A decode step
   * has one row per sequence, so without the split a long context is walked by heads-many
   * workgroups only.
   */
  splitKeys?: number;
}

const TILE = 512;

/**
 * WGSL. Bindings: 0 q, 1 k cache, 2 v cache, 3 out, 4 row info (slot, pos), 5 params {rows}.
 * Dispatch (rows, heads), or with `splitKeys` (rows, heads, attentionChunks(spec)) writing
 * partials to binding 6 instead of out (binding 3 then does not exist).
 */
export function attentionKernel(spec: AttentionSpec): string {
  const { heads, kvHeads, headDim, contextLength } = spec;
  const WG = spec.workgroup ?? 64;
  if (headDim % 4 !== 0) {
    throw new RangeError(`attention: head size ${headDim} is not a multiple of 4`);
  }
  // The value pass works on vec4s of the head: each invocation owns quads d, d + WG, ...; with
  // more invocations than quads, KG groups of headDim / 4 invocations each sum a share of the
  // keys (fewer serial loads per invocation; a decode step's chain is latency-bound).
  const quads = headDim / 4;
  const quadsPerThread = Math.ceil(quads / WG);
  const keyGroups = quads < WG ? Math.floor(WG / quads) : 1;
  const split = spec.splitKeys ?? 0;
  if (split > TILE) throw new RangeError(`attention: key chunk ${split} is over ${TILE}`);
  return /* wgsl */ `
const SPLIT = ${split}u;
const CHUNKS = ${split ? attentionChunks(spec) : 1}u;
${split ? "@group(0) @binding(6) var<storage, read_write> part: array<f32>;" : ""}
const HQ = ${heads}u;
const HKV = ${kvHeads}u;
const HD = ${headDim}u;
const CTX = ${contextLength}u;
const GROUP = ${heads / kvHeads}u;
const TILE = ${TILE}u;
const WG = ${WG}u;
const HQ4 = ${quads}u;
const DPT = ${quadsPerThread}u;
const KG = ${keyGroups}u;
const DW = ${keyGroups > 1 ? quads : "WG"}u; // invocations covering one copy of the quads
struct Params { rows: u32, _a: u32, _b: u32, _c: u32 }
@group(0) @binding(0) var<storage, read> q: array<f32>;
@group(0) @binding(1) var<storage, read> kc: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> vc: array<vec4<f32>>;
${split ? "" : "@group(0) @binding(3) var<storage, read_write> out: array<f32>;"}
@group(0) @binding(4) var<storage, read> rowInfo: array<vec4<u32>>;
@group(0) @binding(5) var<uniform> p: Params;
var<workgroup> qs: array<vec4<f32>, HD / 4u>;
var<workgroup> sc: array<f32, TILE>;
var<workgroup> red: array<f32, WG>;
var<workgroup> redv: array<vec4<f32>, ${keyGroups > 1 ? WG : 1}>;
var<workgroup> shared_n: u32;
var<workgroup> shared_slot: u32;

${wgslWorkgroupReductions()}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let c = wg.z;
  let r = wg.x;
  let h = wg.y;
  if (r >= p.rows) { return; }
  let t = lid.x;
  let kh = h / GROUP;
  if (t == 0u) {
    let info = rowInfo[r];
    shared_slot = info.x;
    shared_n = info.y + 1u;
  }
  let n = workgroupUniformLoad(&shared_n);
  let slot = workgroupUniformLoad(&shared_slot);
  var k0 = 0u;
  var kEnd = n;
  if (SPLIT > 0u) {
    k0 = c * SPLIT;
    if (k0 >= n) { return; } // a chunk past this row's keys: the combine skips it
    kEnd = min(n, k0 + SPLIT);
  }
  let scale = inverseSqrt(f32(HD));
  for (var d = t; d < HD / 4u; d += WG) {
    let qb = (r * HQ + h) * HD + 4u * d;
    qs[d] = vec4(q[qb], q[qb + 1u], q[qb + 2u], q[qb + 3u]) * scale;
  }
  workgroupBarrier(); // qs is read by every invocation below
  var m = -3.0e38;
  var l = 0.0;
  var acc = array<vec4<f32>, DPT>();
  for (var t0 = k0; t0 < kEnd; t0 += TILE) {
    let tn = min(TILE, kEnd - t0);
    var localMax = -3.0e38;
    for (var i = t; i < tn; i += WG) {
      let kb = ((slot * CTX + t0 + i) * HKV + kh) * HD / 4u;
      var s = 0.0;
      for (var d = 0u; d < HD / 4u; d++) { s += dot(qs[d], kc[kb + d]); }
      sc[i] = s;
      localMax = max(localMax, s);
    }
    let mNew = max(m, reduce_max(localMax, t));
    var localSum = 0.0;
    for (var i = t; i < tn; i += WG) {
      let e = exp(sc[i] - mNew);
      sc[i] = e;
      localSum += e;
    }
    let tileSum = reduce_sum(localSum, t);
    let alpha = exp(m - mNew);
    l = l * alpha + tileSum;
    let g = t / DW;
    for (var j = 0u; j < DPT; j++) {
      let d = t % DW + j * WG;
      if (d < HQ4 && g < KG) {
        var a = acc[j] * alpha;
        let vb = ((slot * CTX + t0) * HKV + kh) * HQ4 + d;
        for (var i = g; i < tn; i += KG) { a += sc[i] * vc[vb + i * HKV * HQ4]; }
        acc[j] = a;
      }
    }
    m = mNew;
    workgroupBarrier();
  }
  let pb = ((r * HQ + h) * CHUNKS + c) * (HD + 2u);
  ${split ? "if (t == 0u) { part[pb + HD] = m; part[pb + HD + 1u] = l; }" : ""}
  if (KG > 1u) {
    // Sum the key groups' partial outputs (DPT is 1 here: each invocation owns one quad).
    redv[t] = acc[0];
    workgroupBarrier();
    if (t < HQ4) {
      var o = vec4<f32>();
      for (var g = 0u; g < KG; g++) { o += redv[g * HQ4 + t]; }
      store4(${split ? "pb" : "(r * HQ + h) * HD"}, t, o${split ? "" : " / l"});
    }
    return;
  }
  for (var j = 0u; j < DPT; j++) {
    let d = t + j * WG;
    if (d < HQ4) { store4(${split ? "pb" : "(r * HQ + h) * HD"}, d, acc[j]${split ? "" : " / l"}); }
  }
}

fn store4(base: u32, d: u32, v: vec4<f32>) {
  for (var c = 0u; c < 4u; c++) { ${split ? "part" : "out"}[base + 4u * d + c] = v[c]; }
}`;
}

/** Key chunks per (row, head) of a split attention kernel. */
export function attentionChunks(spec: AttentionSpec): number {
  return Math.ceil(spec.contextLength / (spec.splitKeys ?? spec.contextLength));
}

/** WGSL for the maximum of `terms` as a balanced tree of `max` calls. */
function wgslMax(terms: string[]): string {
  if (terms.length === 1) return terms[0];
  const half = Math.ceil(terms.length / 2);
  return `max(${wgslMax(terms.slice(0, half))}, ${wgslMax(terms.slice(half))})`;
}

/**
 * WGSL merging a split attention's partials: `out = sum_c e^(m_c - M) acc_c / sum_c e^(m_c - M) l_c`
 * over the chunks holding this row's keys. Bindings: 0 partials, 1 out, 2 row info, 3 params
 * {rows}. Dispatch (rows, heads).
 */
export function attentionCombineKernel(spec: AttentionSpec): string {
  const { heads, headDim } = spec;
  return /* wgsl */ `
const HQ = ${heads}u;
const HD = ${headDim}u;
const SPLIT = ${spec.splitKeys}u;
const CHUNKS = ${attentionChunks(spec)}u;
struct Params { rows: u32, _a: u32, _b: u32, _c: u32 }
@group(0) @binding(0) var<storage, read> part: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read> rowInfo: array<vec4<u32>>;
@group(0) @binding(3) var<uniform> p: Params;
@compute @workgroup_size(${Math.min(headDim, 256)})
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let r = wg.x;
  let h = wg.y;
  if (r >= p.rows) { return; }
  let used = (rowInfo[r].y + SPLIT) / SPLIT; // chunks holding keys 0..pos
${wgslMergePartials(Math.min(headDim, 256))}
}`;
}

/** Chunks whose partials the merge loads at once (one wait per group of this many). */
const MERGE_GROUP = 8;

/**
 * WGSL (a function body's statements) merging the partials of row `r`, head `h` over chunks
 * `0..used` into `out[(r * HQ + h) * HD + d]`, invocation `lid.x` of `stride` taking elements
 * `d = lid.x, lid.x + stride, ...`. Needs constants HQ, HD, CHUNKS and `part`, `out`.
 *
 * The chunks go `MERGE_GROUP` at a time, their loads written out so they are in flight together,
 * folded by an online softmax (chunks past `used` are loaded, clamped in range, then masked).
 * A decode step is a chain of latency-bound launches: this waits on memory once for contexts of
 * up to `MERGE_GROUP` chunks, where a loop over the chunks waited three times per chunk.
 */
export function wgslMergePartials(stride: number): string {
  const group = Array.from({ length: MERGE_GROUP }, (_, j) => j);
  const lines = (f: (j: number) => string) => group.map(f).join("\n      ");
  return /* wgsl */ `  let mergeBase = (r * HQ + h) * CHUNKS;
  for (var d = lid.x; d < HD; d += ${stride}u) {
    var mx = -3.0e38;
    var den = 0.0;
    var num = 0.0;
    var c0 = 0u;
    loop {
      // Chunk c0 + j's max, sum and value (the address clamped in range; masked below).
      ${lines((j) => `let a${j} = (mergeBase + min(c0 + ${j}u, CHUNKS - 1u)) * (HD + 2u);`)}
      ${
    lines((j) =>
      `let m${j} = part[a${j} + HD]; let l${j} = part[a${j} + HD + 1u]; let o${j} = part[a${j} + d];`
    )
  }
      ${lines((j) => `let in${j} = c0 + ${j}u < used;`)}
      let gm = ${wgslMax(["mx", ...group.map((j) => `select(-3.0e38, m${j}, in${j})`)])};
      let keep = exp(mx - gm);
      den *= keep;
      num *= keep;
      ${
    lines((j) =>
      `if (in${j}) { let e${j} = exp(m${j} - gm); den += e${j} * l${j}; num += e${j} * o${j}; }`
    )
  }
      mx = gm;
      c0 += ${MERGE_GROUP}u;
      if (c0 >= used) { break; }
    }
    out[(r * HQ + h) * HD + d] = num / den;
  }`;
}

/**
 * WGSL `reduce_max(v, t)` and `reduce_sum(v, t)` over the workgroup's `WG` invocations through
 * `red` (declared `array<f32, WG>`); every invocation must call them (they hold barriers).
 */
export function wgslWorkgroupReductions(): string {
  return /* wgsl */ `
fn reduce_max(v: f32, t: u32) -> f32 {
  red[t] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (t < s) { red[t] = max(red[t], red[t + s]); }
    workgroupBarrier();
  }
  let res = red[0];
  workgroupBarrier();
  return res;
}

fn reduce_sum(v: f32, t: u32) -> f32 {
  red[t] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (t < s) { red[t] += red[t + s]; }
    workgroupBarrier();
  }
  let res = red[0];
  workgroupBarrier();
  return res;
}`;
}

/**
 * CPU reference for one head: `softmax(q . k_i / sqrt(d)) . v_i` over keys 0..n-1, where `key(i)`
 * and `value(i)` give key and value i (each of q's length).
 */
export function attentionHeadRef(
  q: ArrayLike<number>,
  n: number,
  key: (i: number) => ArrayLike<number>,
  value: (i: number) => ArrayLike<number>,
): Float32Array {
  const d = q.length, scores = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const k = key(i);
    let s = 0;
    for (let j = 0; j < d; j++) s += q[j] * k[j];
    scores[i] = s / Math.sqrt(d);
  }
  const mx = Math.max(...scores);
  const e = scores.map((s) => Math.exp(s - mx));
  const z = e.reduce((a, b) => a + b, 0);
  const out = new Float32Array(d);
  for (let i = 0; i < n; i++) {
    const v = value(i);
    for (let j = 0; j < d; j++) out[j] += e[i] * v[j] / z;
  }
  return out;
}
