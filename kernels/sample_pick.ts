/**
 * The sampler's second kernel, one workgroup per row: merges the chunks' statistics (max, log-sum-
 * exp) and candidates (the row's top SAMPLE_CANDIDATES, sorted), then picks the token. Greedy,
 * top-k up to the candidate count, and top-p/min-p whose kept set lies inside the candidates are
 * decided on the candidates alone; otherwise an exact fallback scans the whole row (radix select
 * for the top-k or top-p threshold, then one for the drawn token by its mass from the top).
 * @module
 */
import {
  MAX_TOP_LOGPROBS,
  SAMPLE_CANDIDATES,
  SAMPLE_RECORD_WORDS,
  SAMPLE_RING,
  samplerCommon,
  type SamplerPlan,
} from "./sample.ts";
import { radixSelect, selectDecls } from "./sample_select.ts";

/** Decision modes of the pick kernel's invocation 0. */
const DONE = 0, GENERAL = 1, REST = 2;

/**
 * WGSL, grid [rows]. Bindings: 0 logits [rows][V] (penalized by the chunk kernel), 1 row→slot,
 * 2 seq params, 3 seq state, 4 out ring, 5 params {rows}, 6 masks, 7 generated-token counts,
 * 8 the chunk kernel's scratch.
 */
export function samplePickKernel(plan: SamplerPlan): string {
  const wg = plan.pickInvocations;
  if (wg < 64 || wg & (wg - 1)) throw new RangeError("pick workgroup: a power of 2, >= 64");
  const perCand = Math.ceil(plan.chunks * SAMPLE_CANDIDATES / wg);
  return /* wgsl */ `${samplerCommon(plan)}
const WG = ${wg}u;
const PC = ${perCand}u;
const PV = ${Math.ceil(plan.vocab / wg)}u;
const REC = ${SAMPLE_RECORD_WORDS}u;
const RING = ${SAMPLE_RING}u;
const NONE = 0xffffffffu;
@group(0) @binding(0) var<storage, read> logits: array<f32>;
@group(0) @binding(1) var<storage, read> rowSlot: array<u32>;
@group(0) @binding(2) var<storage, read> sp: array<SeqParams>;
@group(0) @binding(3) var<storage, read_write> state: array<vec4<u32>>;
@group(0) @binding(4) var<storage, read_write> outRing: array<u32>;
@group(0) @binding(5) var<uniform> p: Params;
@group(0) @binding(6) var<storage, read> masks: array<u32>;
@group(0) @binding(7) var<storage, read_write> counts: array<u32>;
@group(0) @binding(8) var<storage, read> scratch: array<u32>;
${selectDecls(true)}
var<workgroup> cmaxS: array<f32, NC>;
var<workgroup> s1S: array<f32, NC>;
var<workgroup> sTS: array<f32, NC>;
var<workgroup> cntS: array<u32, NC>;
var<workgroup> nAllowed: atomic<u32>;
var<workgroup> bad: atomic<u32>;
var<workgroup> nCand: atomic<u32>;
var<workgroup> cand: array<vec2u, M>;
var<workgroup> srt: array<vec2u, M>;
var<workgroup> sw: array<f32, M>;
struct Row { slot: u32, base: u32, n: u32, bad: u32, complete: u32, mx: f32, lse: f32, invT: f32, zT: f32 }
var<workgroup> wrow: Row;
var<workgroup> wprm: SeqParams;
// What invocation 0 decided: a token (DONE), or a fallback scan and its inputs.
struct Decision { mode: u32, tok: u32, kKey: u32, frac: f32, selectK: u32 }
var<workgroup> wdec: Decision;
var<workgroup> wtok: u32;

fn pcg(v: u32) -> u32 {
  let s = v * 747796405u + 2891336453u;
  let w = ((s >> ((s >> 28u) + 4u)) ^ s) * 277803737u;
  return (w >> 22u) ^ w;
}

// Branch-free: llvmpipe takes seconds longer to compile the early-return form in these loops.
fn allowed(slot: u32, i: u32, useMask: bool) -> bool {
  let m = masks[slot * MW + (i >> 5u)] | select(0xffffffffu, 0u, useMask);
  return ((m >> (i & 31u)) & 1u) == 1u;
}

// Whether row token i takes part in fallback job 1 (allowed), 2 (also not below the top-k
// threshold keyMin) or 3 (general: also not below keyMin and with weight >= minP; else, no
// filter: the tokens outside the candidates, whose last is (last.x, last.y)).
fn keep(r: Row, i: u32, job: u32, general: bool, keyMin: u32, last: vec2u, prm: SeqParams) -> bool {
  if (!allowed(r.slot, i, prm.useMask != 0u)) { return false; }
  if (job == 1u) { return true; }
  let v = logits[r.base + i];
  let key = key_of(v);
  if (job == 3u && !general) { return key < last.x || (key == last.x && i > last.y); }
  return key >= keyMin && (job == 2u || prm.minP <= 0.0 || exp((v - r.mx) * r.invT) >= prm.minP);
}

fn greater(a: vec2u, b: vec2u) -> bool { return a.x > b.x || (a.x == b.x && a.y < b.y); }

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let row = wg.x;
  if (row >= p.rows) { return; }
  let t = lid.x;
  if (t == 0u) {
    wrow.slot = rowSlot[row];
    wrow.base = row * V;
    wprm = sp[wrow.slot];
    atomicStore(&nAllowed, 0u);
    atomicStore(&bad, 0u);
    atomicStore(&nCand, 0u);
  }
  let prm = workgroupUniformLoad(&wprm);
  let base = row * V;
  let sampled = prm.temperature >= 1e-30;
  for (var c = t; c < NC; c += WG) {
    let rec = (row * NC + c) * CREC;
    cmaxS[c] = bitcast<f32>(scratch[rec]);
    s1S[c] = bitcast<f32>(scratch[rec + 1u]);
    sTS[c] = bitcast<f32>(scratch[rec + 2u]);
    let a = scratch[rec + 3u];
    cntS[c] = min(M, a & 0x7fffffffu);
    atomicAdd(&nAllowed, a & 0x7fffffffu);
    if ((a >> 31u) != 0u) { atomicOr(&bad, 1u); }
  }
  workgroupBarrier();
  // Global max and log-sum-exp (temperature 1, for log-probabilities) and the sum at the
  // sampling temperature, from the chunks' sums relative to their own max.
  if (t == 0u) {
    var mx = NEG;
    for (var c = 0u; c < NC; c++) { if (cntS[c] > 0u) { mx = max(mx, cmaxS[c]); } }
    let invT = select(0.0, 1.0 / prm.temperature, sampled);
    var z1 = 0.0;
    var zT = 0.0;
    for (var c = 0u; c < NC; c++) {
      if (cntS[c] == 0u) { continue; }
      z1 += s1S[c] * exp(cmaxS[c] - mx);
      zT += sTS[c] * exp((cmaxS[c] - mx) * invT);
    }
    wrow.mx = mx;
    wrow.lse = mx + log(z1);
    wrow.invT = invT;
    wrow.zT = zT;
    wrow.bad = atomicLoad(&bad);
    wrow.complete = select(0u, 1u, atomicLoad(&nAllowed) <= M);
  }
  // Four radix selects share one copy of the code (software adapters take seconds to compile
  // each copy). Job 0: the row's top M of the chunks' candidates, exactly (ordinal: value, then
  // lower id). When the candidates cannot decide, over the whole row: job 1, the k-th largest
  // allowed logit; job 2, the value where the top-p mass from the top is reached; job 3, the
  // draw itself: the token where the kept mass from the top reaches frac of the total.
  var r = workgroupUniformLoad(&wrow);
  var dec = Decision(${DONE}u, NONE, 0u, 0.0, 0u);
  var keyMin = 0u;
  var pKey = 0u;
  var last = vec2u(0u);
  for (var job = 0u; job < 4u; job++) {
    if (job == 1u) {
      workgroupBarrier();
      if (t == 0u) { wrow.n = min(M, atomicLoad(&nCand)); }
      r = workgroupUniformLoad(&wrow);
      for (var i = t; i < r.n; i += WG) {
        let a = cand[i];
        var rank = 0u;
        for (var j = 0u; j < r.n; j++) { if (greater(cand[j], a)) { rank++; } }
        srt[rank] = a;
        sw[rank] = exp((value_of(a.x) - r.mx) * r.invT);
      }
      workgroupBarrier();
      if (t == 0u) {
        decide(prm, r);
        wtok = NONE;
      }
      dec = workgroupUniformLoad(&wdec);
      keyMin = dec.kKey;
      last = srt[max(r.n, 1u) - 1u];
    }
    if (job == 1u && dec.selectK == 0u) { continue; }
    if (job == 2u && (dec.mode != ${GENERAL}u || prm.topP >= 1.0)) { continue; }
    if (job == 3u) {
      if (dec.mode == ${DONE}u) { continue; }
      keyMin = max(keyMin, pKey);
    }
    let general = dec.mode == ${GENERAL}u;
    ${
    radixSelect({
      mass: "job >= 2u",
      weight: "exp((v - r.mx) * r.invT)",
      digits: "select(4u, 7u, job == 0u || job == 3u)",
      need: "select(vec2u(select(M, prm.topK, job == 1u), 0u), " +
        "mass_target(total, select(prm.topP, dec.frac, job == 3u)), job >= 2u)",
      wg: "WG",
      items: (body) => /* wgsl */ `
      let nItems = select(PV, PC, job == 0u);
      for (var j = 0u; j < nItems; j++) {
        var key: u32;
        var ii: u32;
        var v = 0.0;
        if (job == 0u) {
          let f = t + j * WG;
          if (f >= NC * M) { break; }
          let c = f / M;
          if (f % M >= cntS[c]) { continue; }
          let at = (row * NC + c) * CREC + 4u + 2u * (f % M);
          key = scratch[at];
          ii = id_inv(scratch[at + 1u]);
        } else {
          let i = t + j * WG;
          if (i >= V) { break; }
          if (!keep(r, i, job, general, keyMin, last, prm)) { continue; }
          v = logits[base + i];
          key = key_of(v);
          ii = id_inv(i);
        }
        ${body}
      }`,
    })
  }
    let sel = workgroupUniformLoad(&rs);
    if (job == 0u) {
      for (var j = 0u; j < PC; j++) {
        let f = t + j * WG;
        if (f >= NC * M) { break; }
        let c = f / M;
        if (f % M >= cntS[c]) { continue; }
        let at = (row * NC + c) * CREC + 4u + 2u * (f % M);
        let a = vec2u(scratch[at], scratch[at + 1u]);
        if (prefix_cmp(a.x, id_inv(a.y), sel.nd, sel.pk, sel.pi) >= 0) {
          let k = atomicAdd(&nCand, 1u);
          if (k < M) { cand[k] = a; }
        }
      }
    } else if (job == 1u) {
      keyMin = prefix_key(sel.nd, sel.pk);
    } else if (job == 2u) {
      pKey = prefix_key(sel.nd, sel.pk);
    } else if (sel.nd > 0u) {
      // The drawn token is the one item left at the boundary.
      for (var j = 0u; j < PV; j++) {
        let i = t + j * WG;
        if (i >= V) { break; }
        if (!keep(r, i, job, general, keyMin, last, prm)) { continue; }
        if (prefix_cmp(key_of(logits[base + i]), id_inv(i), sel.nd, sel.pk, sel.pi) == 0) {
          wtok = i;
        }
      }
    }
  }
  var tok = dec.tok;
  if (dec.mode != ${DONE}u) {
    tok = workgroupUniformLoad(&wtok);
    if (tok == NONE) { tok = select(last.y, srt[0].y, dec.mode == ${GENERAL}u); }
  }
  if (t == 0u) {
    let st = state[r.slot];
    let rec = (r.slot * RING + (st.z % RING)) * REC;
    var lp = bitcast<f32>(0x7fc00000u);
    if (r.bad != 0u || r.n == 0u) {
      tok = NONE;
    } else {
      lp = logits[base + tok] - r.lse;
      counts[r.slot * V + tok] += 1u;
    }
    outRing[rec] = tok;
    outRing[rec + 1u] = bitcast<u32>(lp);
    let nTop = min(prm.nTop, ${MAX_TOP_LOGPROBS}u);
    for (var j = 0u; j < nTop; j++) {
      var id = NONE;
      var alp = bitcast<f32>(0xff800000u);
      if (j < r.n) {
        id = srt[j].y;
        alp = value_of(srt[j].x) - r.lse;
      }
      outRing[rec + 2u + 2u * j] = id;
      outRing[rec + 3u + 2u * j] = bitcast<u32>(alp);
    }
    state[r.slot] = vec4<u32>(tok, st.y, st.z + 1u, st.w);
  }
}

${DECIDE}`;
}

/**
 * Invocation 0's decision on the sorted candidates. The kept set (top-k, then top-p over the
 * top-k survivors, and min-p, each a threshold on the value, ties kept) is a prefix of the
 * candidates; it is decided here when it provably lies inside them (all allowed tokens are
 * candidates, or a threshold falls above the last candidate). Plain temperature sampling draws
 * among the candidates first and scans the rest of the row only when the draw falls outside.
 */
const DECIDE = /* wgsl */ `
fn decide(prm: SeqParams, r: Row) {
  let n = r.n;
  let st = state[r.slot];
  let u = f32(pcg(prm.seed ^ pcg(st.z * 2654435761u + 12345u)) >> 8u) / 16777216.0;
  wdec = Decision(${DONE}u, NONE, 0u, u, 0u);
  if (r.bad != 0u || n == 0u) { return; }
  if (prm.temperature < 1e-30) { wdec.tok = srt[0].y; return; }
  let complete = r.complete != 0u;
  let bKey = srt[n - 1u].x;
  var contained = complete;
  var general = false;
  var cut = n;
  // Top-k.
  let kActive = prm.topK > 0u && prm.topK < V;
  var kKnown = true;
  var zk = r.zT;
  if (kActive) {
    if (complete || (prm.topK <= n && srt[prm.topK - 1u].x > bKey)) {
      if (prm.topK < n) {
        cut = prm.topK;
        while (cut < n && srt[cut].x == srt[cut - 1u].x) { cut++; }
        wdec.kKey = srt[cut - 1u].x;
      }
      contained = true;
      zk = 0.0;
      for (var i = 0u; i < cut; i++) { zk += sw[i]; }
    } else {
      kKnown = false;
      wdec.selectK = 1u;
    }
  }
  // Top-p over the top-k survivors.
  if (prm.topP < 1.0) {
    if (!kKnown) {
      general = true;
    } else {
      let goalP = prm.topP * zk;
      var cum = 0.0;
      var pCut = 0u;
      for (var i = 0u; i < cut; i++) {
        cum += sw[i];
        if (cum >= goalP) { pCut = i + 1u; break; }
      }
      if (pCut == 0u) {
        // Rounding kept the mass just short: everything counted is kept.
        if (!contained) { general = true; }
      } else {
        while (pCut < n && srt[pCut].x == srt[pCut - 1u].x) { pCut++; }
        if (complete || srt[pCut - 1u].x > bKey) { contained = true; } else if (!contained) { general = true; }
        cut = min(cut, pCut);
      }
    }
  }
  // Min-p: w >= minP (w is 1 for the top token).
  let mActive = prm.minP > 0.0;
  if (mActive) {
    var mCut = 0u;
    while (mCut < n && sw[mCut] >= prm.minP) { mCut++; }
    if (mCut < n || complete) { contained = true; }
    cut = min(cut, mCut);
  }
  if (general || (!contained && (kActive || mActive))) {
    wdec.mode = ${GENERAL}u;
    return;
  }
  var z = 0.0;
  for (var i = 0u; i < cut; i++) { z += sw[i]; }
  var goal = u * z;
  if (!contained) {
    // No filter: all allowed tokens are kept; the candidates hold z of the row's zT.
    goal = u * r.zT;
    if (goal >= z) {
      wdec.mode = ${REST}u;
      wdec.frac = clamp((goal - z) / max(r.zT - z, 1e-30), 0.0, 0.99999994);
      return;
    }
  }
  if (cut == 0u) { wdec.tok = srt[0].y; return; }
  var acc = 0.0;
  wdec.tok = srt[cut - 1u].y;
  for (var i = 0u; i < cut; i++) {
    acc += sw[i];
    if (goal < acc) { wdec.tok = srt[i].y; break; }
  }
}`;
