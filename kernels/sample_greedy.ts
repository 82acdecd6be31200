/**
 * Greedy token selection for steps whose every row samples at temperature 0 with no penalties
 * and no alternatives asked: the argmax (lowest id on ties) among the allowed tokens and its
 * log-probability, written as the general sampler writes them (the out-ring record, the count,
 * the sequence's state). The general sampler's chunk kernel also selects each chunk's top
 * candidates by radix select, which greedy decoding never reads; these two kernels only reduce.
 *
 * `greedyChunkKernel`, grid [chunks, rows]: per chunk the allowed maximum, its lowest id, the sum
 * of exp(v - max) over the allowed logits and whether any logit is non-finite. `greedyPickKernel`,
 * grid [rows]: merges the chunks and writes the token (out of vocabulary for a non-finite row).
 * @module
 */
import {
  SAMPLE_RECORD_WORDS,
  SAMPLE_RING,
  samplerCommon,
  type SamplerPlan,
  wgslChunkBindings,
} from "./sample.ts";

/** u32 words of one chunk's record in the scratch buffer: max, sum, id, non-finite flag. */
const GREEDY_RECORD_WORDS = 4;

/** WGSL merging (max, sum of exp(v - max), lowest id of the max) pairs; `a` wins ties on value. */
const MERGE = /* wgsl */ `
struct Best { m: f32, s: f32, id: u32 }
fn merge(a: Best, b: Best) -> Best {
  let m = max(a.m, b.m);
  let s = a.s * exp(a.m - m) + b.s * exp(b.m - m);
  let takeB = b.m > a.m || (b.m == a.m && b.id < a.id);
  return Best(m, s, select(a.id, b.id, takeB));
}`;

/** WGSL of a tree reduction of `Best` values over `WG` invocations through `redM/redS/redI`. */
const REDUCE = /* wgsl */ `
fn reduce_best(v: Best, t: u32) -> Best {
  redM[t] = v.m;
  redS[t] = v.s;
  redI[t] = v.id;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (t < s) {
      let b = merge(Best(redM[t], redS[t], redI[t]), Best(redM[t + s], redS[t + s], redI[t + s]));
      redM[t] = b.m;
      redS[t] = b.s;
      redI[t] = b.id;
    }
    workgroupBarrier();
  }
  return Best(redM[0], redS[0], redI[0]);
}`;

const REDUCE_DECLS = (wg: number) => /* wgsl */ `
var<workgroup> redM: array<f32, ${wg}>;
var<workgroup> redS: array<f32, ${wg}>;
var<workgroup> redI: array<u32, ${wg}>;`;

/**
 * WGSL of the chunk kernel, grid [chunks, rows]. Bindings those of the general chunk kernel
 * less its counts (`wgslChunkBindings`; the logits are only read). The invocation's logits are
 * loaded written out, all in flight at once (a loop would wait on each in turn).
 */
export function greedyChunkKernel(plan: SamplerPlan): string {
  const T = plan.perInvocation, wg = plan.chunkInvocations;
  const items = Array.from({ length: T }, (_, j) => j);
  return /* wgsl */ `${samplerCommon(plan)}
const WG = ${wg}u;
const C = WG * ${T}u;
const GREC = ${GREEDY_RECORD_WORDS}u;
${wgslChunkBindings()}
${REDUCE_DECLS(wg)}
var<workgroup> bad: atomic<u32>; // zero at the start of every workgroup, as WGSL's are
${MERGE}
${REDUCE}

// Logit i of the row: its value, or NEG when out of range or not allowed (bad notes non-finite).
fn item(base: u32, i: u32, v: f32, useMask: bool, slot: u32, nonFinite: ptr<function, bool>) -> f32 {
  if (i >= V) { return NEG; }
  if ((bitcast<u32>(v) & 0x7f800000u) == 0x7f800000u) { *nonFinite = true; return NEG; }
  if (useMask && ((masks[slot * MW + (i >> 5u)] >> (i & 31u)) & 1u) == 0u) { return NEG; }
  return v;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let chunk = wg.x;
  let row = wg.y;
  if (row >= p.rows) { return; }
  let t = lid.x;
  let base = row * V;
  let c0 = chunk * C + t;
  // Item j is logit c0 + j * WG (coalesced); loaded together with the row's slot and params.
  ${items.map((j) => `let l${j} = logits[base + min(c0 + ${j}u * WG, V - 1u)];`).join("\n  ")}
  let slot = rowSlot[row];
  let useMask = sp[slot].useMask != 0u;
  var nonFinite = false;
  ${
    items.map((j) => `let v${j} = item(base, c0 + ${j}u * WG, l${j}, useMask, slot, &nonFinite);`)
      .join("\n  ")
  }
  var mx = NEG;
  var id = 0xffffffffu;
  ${items.map((j) => `if (v${j} > mx) { mx = v${j}; id = c0 + ${j}u * WG; }`).join("\n  ")}
  var sum = 0.0;
  if (mx > NEG) {
    ${items.map((j) => `if (v${j} > NEG) { sum += exp(v${j} - mx); }`).join("\n    ")}
  }
  if (nonFinite) { atomicOr(&bad, 1u); }
  let b = reduce_best(Best(mx, sum, id), t);
  if (t == 0u) {
    let rec = (row * NC + chunk) * GREC;
    scratch[rec] = bitcast<u32>(b.m);
    scratch[rec + 1u] = bitcast<u32>(b.s);
    scratch[rec + 2u] = b.id;
    scratch[rec + 3u] = atomicLoad(&bad);
  }
}`;
}

/** Invocations of the greedy pick's workgroup (one per chunk, as many as there are). */
const PICK_WG = 64;

/**
 * WGSL of the pick kernel, grid [rows]. Bindings: 0 row→slot, 1 seq state, 2 out ring,
 * 3 params {rows}, 4 generated-token counts, 5 scratch (the chunk kernel's records).
 */
export function greedyPickKernel(plan: SamplerPlan): string {
  return /* wgsl */ `${samplerCommon(plan)}
const WG = ${PICK_WG}u;
const GREC = ${GREEDY_RECORD_WORDS}u;
const REC = ${SAMPLE_RECORD_WORDS}u;
const RING = ${SAMPLE_RING}u;
@group(0) @binding(0) var<storage, read> rowSlot: array<u32>;
@group(0) @binding(1) var<storage, read_write> state: array<vec4<u32>>;
@group(0) @binding(2) var<storage, read_write> outRing: array<u32>;
@group(0) @binding(3) var<uniform> p: Params;
@group(0) @binding(4) var<storage, read_write> counts: array<u32>;
@group(0) @binding(5) var<storage, read> scratch: array<u32>;
${REDUCE_DECLS(PICK_WG)}
var<workgroup> bad: atomic<u32>; // zero at the start of every workgroup, as WGSL's are
${MERGE}
${REDUCE}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let row = wg.x;
  if (row >= p.rows) { return; }
  let t = lid.x;
  var b = Best(NEG, 0.0, 0xffffffffu);
  for (var c = t; c < NC; c += WG) {
    let rec = (row * NC + c) * GREC;
    b = merge(b, Best(bitcast<f32>(scratch[rec]), bitcast<f32>(scratch[rec + 1u]), scratch[rec + 2u]));
    if (scratch[rec + 3u] != 0u) { atomicOr(&bad, 1u); }
  }
  let best = reduce_best(b, t);
  if (t == 0u) {
    let slot = rowSlot[row];
    let st = state[slot];
    var tok = best.id;
    var lp = bitcast<f32>(0x7fc00000u);
    if (atomicLoad(&bad) != 0u || tok >= V) {
      tok = 0xffffffffu;
    } else {
      lp = best.m - (best.m + log(best.s)); // as the general sampler: logit - log-sum-exp
      counts[slot * V + tok] += 1u;
    }
    let rec = (slot * RING + (st.z % RING)) * REC;
    outRing[rec] = tok;
    outRing[rec + 1u] = bitcast<u32>(lp);
    state[slot] = vec4<u32>(tok, st.y, st.z + 1u, st.w);
  }
}`;
}
