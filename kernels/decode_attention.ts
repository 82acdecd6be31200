/**
 * Attention for decode rows with the per-head q/k RMSNorm, RoPE and the KV-cache write folded
 * in: one launch per layer where the separate RoPE+KV kernel and the split attention took two.
 * A decode step is a chain of latency-bound launches, so a launch less is time saved.
 *
 * Each row must be the only row of its sequence in the step (a decode step, or a one-row
 * prefill): a workgroup rotates the row's new key itself instead of reading it from the cache,
 * so no workgroup waits on another's cache write. The workgroups of the first q head of each
 * KV group write the new key and value to the cache for the next step.
 *
 * The keys are split in chunks over the grid's third dimension (flash decoding); partials have
 * the split attention kernel's layout, merged by `attentionCombineKernel`.
 * @module
 */
import { attentionChunks, wgslWorkgroupReductions } from "./attention.ts";
import { type RopeKvSpec, wgslRopeRotation } from "./rope_kv.ts";

/** Shape of the fused decode attention: the attention's and the rotation's. */
export interface DecodeAttentionSpec extends RopeKvSpec {
  /** Invocations per workgroup: at least the head size (one invocation rotates one element). */
  workgroup: number;
  /** Keys per chunk (at most 512). */
  splitKeys: number;
}

/** Whether `decodeAttentionKernel` takes this shape (else: RoPE+KV and the split attention). */
export function decodeAttentionFits(headDim: number, workgroup: number, splitKeys: number) {
  return (headDim & (headDim - 1)) === 0 && headDim <= workgroup && splitKeys <= 512;
}

/**
 * WGSL. Bindings: 0 q, 1 k, 2 v (the projections' outputs, unrotated), 3 k cache, 4 v cache,
 * 5 row info (slot, pos), 6 inverse frequencies, 7 params {rows}, 8 q norm, 9 k norm (with
 * `qkNorm`), 10 partials. Dispatch (rows, heads, attentionChunks(spec)).
 */
export function decodeAttentionKernel(spec: DecodeAttentionSpec): string {
  const { heads, kvHeads, headDim, contextLength, qkNorm, eps, neox, workgroup, splitKeys } = spec;
  if (!decodeAttentionFits(headDim, workgroup, splitKeys)) {
    throw new RangeError(
      `decode attention: head size ${headDim} must be a power of 2 no larger than the ` +
        `workgroup (${workgroup}), and key chunks (${splitKeys}) at most 512`,
    );
  }
  const quads = headDim / 4;
  return /* wgsl */ `
const HQ = ${heads}u;
const HKV = ${kvHeads}u;
const HD = ${headDim}u;
const HALF = ${headDim / 2}u;
const HQ4 = ${quads}u;
const CTX = ${contextLength}u;
const GROUP = ${heads / kvHeads}u;
const SPLIT = ${splitKeys}u;
const CHUNKS = ${attentionChunks(spec)}u;
const WG = ${workgroup}u;
const KG = ${workgroup / quads}u; // key groups of the value pass, HQ4 invocations each
const EPS = ${eps.toExponential()};
struct Params { rows: u32, _a: u32, _b: u32, _c: u32 }
@group(0) @binding(0) var<storage, read> q: array<f32>;
@group(0) @binding(1) var<storage, read> k: array<f32>;
@group(0) @binding(2) var<storage, read> v: array<f32>;
@group(0) @binding(3) var<storage, read_write> kc: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> vc: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read> rowInfo: array<vec4<u32>>;
@group(0) @binding(6) var<storage, read> invFreq: array<f32>;
@group(0) @binding(7) var<uniform> p: Params;
${
    qkNorm
      ? `@group(0) @binding(8) var<storage, read> qn: array<f32>;
@group(0) @binding(9) var<storage, read> kn: array<f32>;`
      : ""
  }
@group(0) @binding(10) var<storage, read_write> part: array<f32>;
var<workgroup> red: array<f32, WG>;
var<workgroup> buf: array<f32, HD>;
var<workgroup> head: array<f32, HD>;
var<workgroup> qs: array<vec4<f32>, HQ4>;
var<workgroup> kNew: array<vec4<f32>, HQ4>;
var<workgroup> vNew: array<vec4<f32>, HQ4>;
var<workgroup> sc: array<f32, SPLIT>;
var<workgroup> redv: array<vec4<f32>, WG>;
var<workgroup> redl: array<f32, KG>;
var<workgroup> sharedInfo: vec4<u32>;
${wgslWorkgroupReductions()}

// Element t of a head whose element t is \`raw\` (0 past HD), normed (Qwen3) and rotated to
// \`pos\`; 0 past HD. Every invocation calls it (barriers).
fn rotated(raw: f32, isQ: bool, t: u32, pos: u32) -> f32 {
  var val = raw;
  ${
    qkNorm
      ? `let ss = reduce_sum(raw * raw, t);
  if (t < HD) {
    let inv = inverseSqrt(ss / f32(HD) + EPS);
    if (isQ) { val = raw * inv * qn[t]; } else { val = raw * inv * kn[t]; }
  }`
      : ""
  }
  if (t < HD) { buf[t] = val; }
  workgroupBarrier();
  var res = 0.0;
  if (t < HD) {
    let d = t;
${wgslRopeRotation(neox)}
    res = o;
  }
  workgroupBarrier();
  return res;
}

fn quadOfHead(i: u32) -> vec4<f32> {
  return vec4(head[4u * i], head[4u * i + 1u], head[4u * i + 2u], head[4u * i + 3u]);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let r = wg.x;
  let h = wg.y;
  let c = wg.z;
  if (r >= p.rows) { return; }
  let t = lid.x;
  let kh = h / GROUP;
  if (t == 0u) { sharedInfo = rowInfo[r]; }
  let info = workgroupUniformLoad(&sharedInfo);
  let slot = info.x;
  let pos = info.y;
  let k0 = c * SPLIT;
  if (k0 > pos) { return; } // a chunk past this row's keys: the merge skips it
  let tn = min(pos + 1u, k0 + SPLIT) - k0;
  let fresh = k0 + tn == pos + 1u; // this chunk ends with the row's own, new key

  var qRaw = 0.0;
  if (t < HD) { qRaw = q[(r * HQ + h) * HD + t]; }
  let qv = rotated(qRaw, true, t, pos) * inverseSqrt(f32(HD));
  if (t < HD) { head[t] = qv; }
  workgroupBarrier();
  if (t < HQ4) { qs[t] = quadOfHead(t); }
  if (fresh) {
    var kRaw = 0.0;
    if (t < HD) { kRaw = k[(r * HKV + kh) * HD + t]; }
    let kv = rotated(kRaw, false, t, pos); // its barriers order the reads of head above
    if (t < HD) { head[t] = kv; }
    workgroupBarrier();
    if (t < HQ4) {
      let kq = quadOfHead(t);
      let vb = (r * HKV + kh) * HD + 4u * t;
      let vq = vec4(v[vb], v[vb + 1u], v[vb + 2u], v[vb + 3u]);
      kNew[t] = kq;
      vNew[t] = vq;
      if (h % GROUP == 0u) {
        let at = ((slot * CTX + pos) * HKV + kh) * HQ4 + t;
        kc[at] = kq;
        vc[at] = vq;
      }
    }
  }
  workgroupBarrier(); // qs, kNew and vNew are read by every invocation below

  var localMax = -3.0e38;
  for (var i = t; i < tn; i += WG) {
    let key = k0 + i;
    var s = 0.0;
    if (key == pos) {
      for (var d = 0u; d < HQ4; d++) { s += dot(qs[d], kNew[d]); }
    } else {
      let kb = ((slot * CTX + key) * HKV + kh) * HQ4;
      for (var d = 0u; d < HQ4; d++) { s += dot(qs[d], kc[kb + d]); }
    }
    sc[i] = s;
    localMax = max(localMax, s);
  }
  let m = reduce_max(localMax, t); // its barriers also publish sc

  // Key group g sums quad d of the values of keys g, g + KG, ... and their weights.
  let g = t / HQ4;
  let d = t % HQ4;
  var acc = vec4<f32>();
  var l = 0.0;
  let cached = select(tn, tn - 1u, fresh);
  let vb = ((slot * CTX + k0) * HKV + kh) * HQ4 + d;
  for (var i = g; i < cached; i += KG) {
    let e = exp(sc[i] - m);
    l += e;
    acc += e * vc[vb + i * HKV * HQ4];
  }
  if (fresh && (tn - 1u) % KG == g) {
    let e = exp(sc[tn - 1u] - m);
    l += e;
    acc += e * vNew[d];
  }
  redv[t] = acc;
  if (d == 0u) { redl[g] = l; }
  workgroupBarrier();
  let pb = ((r * HQ + h) * CHUNKS + c) * (HD + 2u);
  if (t < HQ4) {
    var o = vec4<f32>();
    for (var j = 0u; j < KG; j++) { o += redv[j * HQ4 + t]; }
    for (var e = 0u; e < 4u; e++) { part[pb + 4u * t + e] = o[e]; }
  }
  if (t == 0u) {
    var total = 0.0;
    for (var j = 0u; j < KG; j++) { total += redl[j]; }
    part[pb + HD] = m;
    part[pb + HD + 1u] = total;
  }
}`;
}
