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
}

const TILE = 512;

/**
 * WGSL. Bindings: 0 q, 1 k cache, 2 v cache, 3 out, 4 row info (slot, pos), 5 params {rows}.
 * Dispatch (rows, heads).
 */
export function attentionKernel(spec: AttentionSpec): string {
  const { heads, kvHeads, headDim, contextLength } = spec;
  const WG = spec.workgroup ?? 64;
  if (headDim % 4 !== 0) {
    throw new RangeError(`attention: head size ${headDim} is not a multiple of 4`);
  }
  // Each invocation owns dims d, d + WG, ... of the output; with more invocations than dims,
  // KG groups of headDim invocations each sum a share of the keys.
  const dimsPerThread = Math.ceil(headDim / WG);
  const keyGroups = headDim < WG ? Math.floor(WG / headDim) : 1;
  return /* wgsl */ `
const HQ = ${heads}u;
const HKV = ${kvHeads}u;
const HD = ${headDim}u;
const CTX = ${contextLength}u;
const GROUP = ${heads / kvHeads}u;
const TILE = ${TILE}u;
const WG = ${WG}u;
const DPT = ${dimsPerThread}u;
const KG = ${keyGroups}u;
const DW = ${keyGroups > 1 ? headDim : "WG"}u; // invocations covering one copy of the dims
struct Params { rows: u32, _a: u32, _b: u32, _c: u32 }
@group(0) @binding(0) var<storage, read> q: array<f32>;
@group(0) @binding(1) var<storage, read> kc: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> vc: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@group(0) @binding(4) var<storage, read> rowInfo: array<vec4<u32>>;
@group(0) @binding(5) var<uniform> p: Params;
var<workgroup> qs: array<vec4<f32>, HD / 4u>;
var<workgroup> sc: array<f32, TILE>;
var<workgroup> red: array<f32, WG>;
var<workgroup> shared_n: u32;
var<workgroup> shared_slot: u32;

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
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
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
  let scale = inverseSqrt(f32(HD));
  for (var d = t; d < HD / 4u; d += WG) {
    let qb = (r * HQ + h) * HD + 4u * d;
    qs[d] = vec4(q[qb], q[qb + 1u], q[qb + 2u], q[qb + 3u]) * scale;
  }
  let n = workgroupUniformLoad(&shared_n);
  let slot = workgroupUniformLoad(&shared_slot);
  var m = -3.0e38;
  var l = 0.0;
  var acc = array<f32, DPT>();
  for (var t0 = 0u; t0 < n; t0 += TILE) {
    let tn = min(TILE, n - t0);
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
      if (d < HD && g < KG) {
        var a = acc[j] * alpha;
        for (var i = g; i < tn; i += KG) {
          a += sc[i] * vc[((slot * CTX + t0 + i) * HKV + kh) * HD + d];
        }
        acc[j] = a;
      }
    }
    m = mNew;
    workgroupBarrier();
  }
  if (KG > 1u) {
    // Sum the key groups' partial outputs (DPT is 1 here: each invocation owns one dim).
    red[t] = acc[0];
    workgroupBarrier();
    if (t < HD) {
      var o = 0.0;
      for (var g = 0u; g < KG; g++) { o += red[g * HD + t]; }
      out[(r * HQ + h) * HD + t] = o / l;
    }
    return;
  }
  for (var j = 0u; j < DPT; j++) {
    let d = t + j * WG;
    if (d < HD) { out[(r * HQ + h) * HD + d] = acc[j] / l; }
  }
}`;
}
